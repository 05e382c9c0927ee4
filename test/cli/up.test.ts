/**
 * `radl up/preview/outputs/destroy` as users run them: the real binary over dist/, the real engine,
 * a temporary data directory (file backend, fixed passphrase), a Dummy infrastructure.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { repoRoot } from "../support/paths.js";
import { tempFiles, type RadlRun } from "./run-radl.js";

const BIN = join(repoRoot, "bin", "radl.js");

const radl = (count: number) => `network public (outbound = 'yes')
system front (
  cpu.count >= 1 and memory.size >= 512M and
  net_interface.0.connection = 'public' and
  disk.0.os.name = 'linux' and
  disk.0.os.credentials.username = 'cloudadm'
)
contextualize ()
deploy front ${count}
`;

const AUTH = `id = im; type = InfrastructureManager; username = user; password = pass
id = dummy; type = Dummy
`;

let files: ReturnType<typeof tempFiles>;

before(() => {
  assert.ok(existsSync(join(repoRoot, "dist", "cli", "main.js")), "build first: npx tsc -p .");
  files = tempFiles({ "inf.radl": radl(3), "auth.txt": AUTH });
});

after(() => files?.cleanup());

/** Runs bin/radl.js with the test's data directory and no inherited backend settings. */
function run(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<RadlRun> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.PULUMI_BACKEND_URL;
  delete base.PULUMI_CONFIG_PASSPHRASE_FILE;
  delete base.RADL_ENGINE_ROOT;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: files.dir,
    env: {
      ...base,
      IM_DATA_DIR: join(files.dir, "data"),
      PULUMI_CONFIG_PASSPHRASE: "cli-test-passphrase",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function ok(result: RadlRun, what: string): RadlRun {
  assert.equal(result.status, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

interface VmOutput {
  instanceId: string;
  physical: Record<string, string>;
  desiredPower: string;
}

async function vmsOf(stack: string): Promise<Record<string, VmOutput>> {
  const result = ok(await run(["outputs", "--stack", stack, "--json"]), "outputs");
  const outputs = JSON.parse(result.stdout) as { vms: Record<string, VmOutput>; vmSecrets?: unknown };
  assert.equal(outputs.vmSecrets, "[secret]", "secret outputs are never printed");
  return outputs.vms;
}

/** A failure is one `radl: ...` line, never a stack trace. */
function oneLineError(result: RadlRun, status: number, pattern: RegExp): void {
  assert.equal(result.status, status, `expected exit ${status}:\n${result.stdout}\n${result.stderr}`);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^radl: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

test(
  "up 3 VMs → 5 VMs keeps the first 3, preview shows no changes, destroy removes the stack",
  { timeout: 300_000 },
  async () => {
    const stack = "cli-life";
    const radlFile = files.path("inf.radl");
    const first = ok(await run(["up", radlFile, "--auth", "auth.txt", "--stack", stack]), "first up");
    for (const id of [0, 1, 2])
      assert.match(first.stdout, new RegExp(`created vm-${id}-server \\(command:local:Command\\)`));
    assert.match(first.stdout, /7 created; 3 VMs/);

    const human = ok(await run(["outputs", "--stack", stack]), "outputs");
    assert.match(human.stdout, /^Stack cli-life: 3 VMs$/m);
    assert.match(human.stdout, /^ {2}vm 1: Dummy dummy-cli-life-1 running public=10\.0\.0\.1 ssh cloudadm@/m);
    const three = await vmsOf(stack);
    assert.deepEqual(Object.keys(three), ["0", "1", "2"]);

    writeFileSync(radlFile, radl(5));
    const second = ok(await run(["up", radlFile, "--auth", "auth.txt", "--stack", stack]), "second up");
    assert.match(second.stdout, /4 created, 7 unchanged; 5 VMs/);
    assert.doesNotMatch(second.stdout, /vm-[012]-server/, "the first VMs are not touched");
    const five = await vmsOf(stack);
    assert.deepEqual(Object.keys(five), ["0", "1", "2", "3", "4"]);
    for (const id of ["0", "1", "2"])
      assert.deepEqual(five[id], three[id], `VM ${id} keeps its id and outputs`);
    assert.equal(new Set(Object.values(five).map((vm) => vm.physical.server)).size, 5, "no id reused");

    const preview = ok(await run(["preview", radlFile, "--auth", "auth.txt", "--stack", stack]), "preview");
    assert.match(preview.stdout, /Stack cli-life: no changes \(11 unchanged\)/);
    assert.doesNotMatch(preview.stdout, /would /);

    const destroyed = ok(await run(["destroy", "--stack", stack]), "destroy");
    assert.match(destroyed.stdout, /deleted vm-4-server/);
    assert.match(destroyed.stdout, /Stack cli-life destroyed and removed/);
    oneLineError(await run(["outputs", "--stack", stack]), 1, /no stack named cli-life.*E-STACK-NOT-FOUND/);
  },
);

test("bad input: one clear line and the right exit status", { timeout: 240_000 }, async () => {
  const radlFile = files.path("inf.radl");
  writeFileSync(files.path("unknown-cloud.txt"), "id = foo; type = FooCloud; host = foo.example\n");
  writeFileSync(files.path("bad-line.txt"), "id = dummy; type = Dummy\ntype = OpenStack; username\n");
  writeFileSync(files.path("bad.radl"), "network net ()\nsystem node (\n  cpu.count >= and\n)\n");
  writeFileSync(files.path("a-file"), "");
  const backendUrl = `file://${files.path("a-file")}/state`;
  const escapedUrl = backendUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

  // independent runs: in parallel, so the test's time is that of the slowest
  const [
    unknownCloud,
    badLine,
    missingRadl,
    missingAuth,
    invalid,
    noAuth,
    noStack,
    extra,
    noEngine,
    badBackend,
  ] = await Promise.all([
    run(["up", radlFile, "--auth", "unknown-cloud.txt", "--stack", "bad-cloud"]),
    run(["up", radlFile, "--auth", "bad-line.txt"]),
    run(["up", "missing.radl", "--auth", "auth.txt"]),
    run(["up", radlFile, "--auth", "missing-auth.txt"]),
    run(["preview", "bad.radl", "--auth", "auth.txt"]),
    run(["up", radlFile]),
    run(["destroy"]),
    run(["outputs", "--stack", "a", "extra"]),
    run(["up", radlFile, "--auth", "auth.txt"], { RADL_ENGINE_ROOT: files.path("no-engine") }),
    run(["outputs", "--stack", "any"], { PULUMI_BACKEND_URL: backendUrl }),
  ]);
  oneLineError(unknownCloud, 1, /Cloud provider not supported: FooCloud \(E-PLAN-UNSUPPORTED-CLOUD\)/);
  oneLineError(badLine, 1, /bad-line\.txt:line 2: .*'username'.*E-AUTH-LINE/);
  oneLineError(missingRadl, 2, /cannot read missing\.radl: no such file/);
  oneLineError(missingAuth, 2, /cannot read missing-auth\.txt/);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /^bad\.radl:3:16: error E-/m);
  assert.doesNotMatch(invalid.stderr, /\n\s+at /);
  assert.equal(noAuth.status, 2);
  assert.match(noAuth.stderr, /radl: --auth AUTHFILE is needed\nusage: radl up FILE --auth AUTHFILE/);
  assert.equal(noStack.status, 2);
  assert.match(noStack.stderr, /radl: --stack NAME is needed/);
  assert.equal(extra.status, 2);
  oneLineError(noEngine, 1, /no usable Pulumi engine .*E-ENGINE-MISSING/);
  oneLineError(badBackend, 1, new RegExp(`backend ${escapedUrl} cannot be used.*E-BACKEND-UNREACHABLE`));
  assert.equal(existsSync(join(files.dir, "data", "deployments", "bad-cloud.json")), false, "nothing stored");
});

test(
  "Ctrl-C during up cancels the operation, exits 130, and the next up completes",
  { timeout: 240_000 },
  async () => {
    const stack = "cli-interrupt";
    writeFileSync(files.path("interrupt.radl"), radl(2));
    let interrupted = false;
    const cancelled = await run(
      ["up", "interrupt.radl", "--auth", "auth.txt", "--stack", stack],
      {},
      120_000,
      (out, child) => {
        if (!interrupted && out.includes(`Updating stack ${stack}`)) {
          interrupted = true;
          child.kill("SIGINT");
        }
      },
    );
    assert.ok(interrupted, "the up started");
    assert.equal(cancelled.status, 130, `${cancelled.stdout}\n${cancelled.stderr}`);
    assert.match(cancelled.stderr, /radl: interrupted, cancelling the operation/);
    assert.match(cancelled.stderr, /radl: up of stack cli-interrupt was cancelled/);
    assert.doesNotMatch(cancelled.stderr, /\n\s+at /);

    const again = ok(
      await run(["up", "interrupt.radl", "--auth", "auth.txt", "--stack", stack]),
      "up after cancel",
    );
    assert.match(again.stdout, /; 2 VMs/);
    assert.deepEqual(Object.keys(await vmsOf(stack)), ["0", "1"], "the cancelled up gave no other ids");
    ok(await run(["destroy", "--stack", stack]), "destroy");
  },
);
