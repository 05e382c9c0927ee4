import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { InvalidStateError } from "../../stacks/errors.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { commandsProgram, openManager, tempDataDir } from "./support.js";

const managers: StackManager[] = [];
const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  for (const m of managers) await m.close();
  for (const c of cleanups) await c();
});

async function manager(): Promise<StackManager> {
  const data = await tempDataDir();
  cleanups.push(data.cleanup);
  const m = await openManager(data.dir);
  managers.push(m);
  return m;
}

/** Two commands and a secret output, so the exported state carries ciphertext. */
const program: PulumiFn = async () => {
  const outputs = await commandsProgram({ web: "echo web-$(date +%s%N)", db: "echo db-$(date +%s%N)" })();
  return { ...outputs, token: pulumi.secret("t0ken") };
};

function resourceIds(state: { deployment: { resources?: Array<{ urn: string; id?: string }> } }) {
  return (state.deployment.resources ?? []).map((r) => [r.urn, r.id ?? ""]).sort();
}

test(
  "a stack exported from one backend and imported into a fresh one keeps resources and outputs",
  { timeout: 180_000 },
  async () => {
    const source = await manager();
    const target = await manager();
    const stack = "inf-moved";
    const deployed = await source.up(stack, program);
    const exported = await source.exportState(stack);
    assert.equal(typeof exported.version, "number");

    await target.importState(stack, exported);
    assert.deepEqual(await target.listStacks(), [stack]);
    const reimported = await target.exportState(stack);
    assert.deepEqual(resourceIds(reimported), resourceIds(exported));

    const outputs = await target.outputs(stack);
    assert.equal(outputs.web?.value, deployed.outputs.web?.value);
    assert.deepEqual(outputs.token, { value: "t0ken", secret: true });

    const preview = await target.preview(stack, program);
    assert.deepEqual(
      Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0),
      [],
      "the imported state matches the program: nothing to do",
    );
    const destroyed = await target.destroy(stack, { remove: true });
    assert.equal(destroyed.result, "succeeded");
    assert.deepEqual(
      resourceIds(await source.exportState(stack)),
      resourceIds(exported),
      "the source is untouched",
    );
  },
);

test(
  "importing something that is not a deployment is a typed error and changes nothing",
  { timeout: 60_000 },
  async () => {
    const target = await manager();
    await assert.rejects(
      target.importState("inf-bad", { version: "3" } as never),
      (e: unknown) => e instanceof InvalidStateError && e.code === "E-STATE-INVALID",
    );
    assert.deepEqual(await target.listStacks(), []);
  },
);
