import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import {
  BackendUnreachableError,
  EngineMissingError,
  InvalidStackNameError,
  WrongPassphraseError,
} from "../../stacks/errors.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { commandsProgram, openManager, tempDataDir } from "./support.js";

const managers: StackManager[] = [];
const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  for (const m of managers) await m.close();
  for (const c of cleanups) await c();
});

async function dataDir(): Promise<string> {
  const data = await tempDataDir();
  cleanups.push(data.cleanup);
  return data.dir;
}

test("a missing engine is EngineMissingError naming where it looked", { timeout: 30_000 }, async () => {
  const empty = await dataDir();
  await assert.rejects(
    openManager(await dataDir(), { engineRoot: empty }),
    (e: unknown) =>
      e instanceof EngineMissingError && e.code === "E-ENGINE-MISSING" && e.message.includes(empty),
  );
  await assert.rejects(
    openManager(await dataDir(), { engineCacheDir: join(empty, "no-cache") }),
    (e: unknown) => e instanceof EngineMissingError && /setup-engine\.sh/.test(e.message),
  );
  const broken = await dataDir();
  await mkdir(join(broken, "bin"));
  await mkdir(join(broken, "providers"));
  await writeFile(join(broken, "bin", "pulumi"), "#!/bin/sh\necho v2.0.0\n", { mode: 0o755 });
  await writeFile(join(broken, "providers", "pulumi-resource-command"), "", { mode: 0o755 });
  await assert.rejects(
    openManager(await dataDir(), { engineRoot: broken }),
    (e: unknown) => e instanceof EngineMissingError && /3\.248\.0/.test(e.message),
  );
});

test("an unreachable backend is BackendUnreachableError naming the URL", { timeout: 120_000 }, async () => {
  const dir = await dataDir();
  const notADir = join(dir, "a-file");
  await writeFile(notADir, "");
  const fileUrl = pathToFileURL(join(notADir, "state")).href;
  await assert.rejects(
    openManager(await dataDir(), { backendUrl: fileUrl }),
    (e: unknown) =>
      e instanceof BackendUnreachableError &&
      e.code === "E-BACKEND-UNREACHABLE" &&
      e.message.includes(fileUrl),
  );
  const s3Url =
    "s3://radl-missing-bucket?endpoint=127.0.0.1:9&disableSSL=true&s3ForcePathStyle=true&region=us-east-1";
  const started = Date.now();
  await assert.rejects(
    openManager(await dataDir(), { backendUrl: s3Url }),
    (e: unknown) => e instanceof BackendUnreachableError && e.message.includes("s3://radl-missing-bucket"),
  );
  assert.ok(Date.now() - started < 90_000);
});

test(
  "a wrong passphrase is WrongPassphraseError and the stored state stays intact",
  { timeout: 180_000 },
  async () => {
    const ownerDir = await dataDir();
    const owner = await openManager(ownerDir);
    managers.push(owner);
    const stack = "inf-secret";
    const program: PulumiFn = async () => ({
      ...(await commandsProgram({ vm: "echo vm" })()),
      password: pulumi.secret("hunter2"),
    });
    await owner.up(stack, program);
    const before = await owner.exportState(stack);

    const intruder = await openManager(await dataDir(), {
      backendUrl: owner.settings.backendUrl,
      passphrase: "not-the-passphrase",
    });
    managers.push(intruder);
    assert.deepEqual(await intruder.listStacks(), [stack], "listing needs no passphrase");
    await assert.rejects(
      intruder.up(stack, program),
      (e: unknown) => e instanceof WrongPassphraseError && e.code === "E-PASSPHRASE" && e.stackName === stack,
    );
    await assert.rejects(intruder.outputs(stack), WrongPassphraseError);

    const after = await owner.exportState(stack);
    assert.deepEqual(after.deployment.resources, before.deployment.resources, "state unchanged");
    assert.equal((await owner.outputs(stack)).password?.value, "hunter2");
  },
);

test("a stack name that Pulumi would refuse is InvalidStackNameError before any engine call", async () => {
  const owner = await openManager(await dataDir());
  managers.push(owner);
  for (const bad of ["", "has space", "a/b", "x".repeat(101)]) {
    await assert.rejects(owner.up(bad, commandsProgram({})), InvalidStackNameError);
  }
});
