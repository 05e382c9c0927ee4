/**
 * `radl up FILE --auth AUTH` contextualizes for real (spec contextualization.md §2.10, §3): the rig's
 * DeployedNode RADL with configure sections for the master and the private worker is launched (phase 1)
 * and contextualized (phase 2) by the CLI as users run it; both VMs reach configured and the recipes'
 * files are on the VMs. A second `radl up` of the same file re-runs no playbook.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { printRadl } from "../../compiler/print.js";
import { repoRoot } from "../support/paths.js";
import { radlDocument, requireRig, rigFixture, rigLeftovers, startRig, type Rig } from "../support/rig.js";

let rig: Rig;

before(async () => {
  requireRig();
  rig = await startRig({ workers: 1 });
});

after(async () => {
  if (!rig) return;
  const id = rig.id;
  await rig.down();
  assert.deepEqual(rigLeftovers(id), []);
});

/** The CLI from the sources (tsx), with the rig's data directory. */
function radl(args: string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { main } from ${JSON.stringify(join(repoRoot, "cli/main.ts"))}; process.exitCode = await main(process.argv.slice(1));`,
      ...args,
    ],
    {
      cwd: repoRoot,
      env: { ...env, IM_DATA_DIR: join(cwd, "data"), PULUMI_CONFIG_PASSPHRASE: "ctxt-up-passphrase" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    }),
  );
}

test(
  "radl up launches, then contextualizes the rig to configured; a second up re-runs nothing",
  {
    timeout: 900_000,
  },
  async () => {
    const dir = join(rig.dir, "cli");
    mkdirSync(dir);
    const file = join(dir, "cluster.radl");
    writeFileSync(file, printRadl(radlDocument(rigFixture(rig, { newMasterPassword: "N3w+Master" }))));
    writeFileSync(join(dir, "auth.txt"), "id = dn; type = DeployedNode\n");
    const stack = `ctxtup${rig.id}`;
    const args = ["up", file, "--auth", join(dir, "auth.txt"), "--stack", stack];

    const started = Date.now();
    const first = await radl(args, dir);
    console.log(`radl up with contextualization of 2 VMs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const shown = `${first.stdout}\n${first.stderr}`;
    assert.equal(first.status, 0, shown);
    // progress shows the contextualization steps as resources, and the VM states at the end
    assert.match(first.stdout, /creating ctxt-wait-master/, shown);
    assert.match(first.stdout, /created ctxt-vm1-step2/, shown);
    assert.match(first.stdout, /vm 0: configured/, shown);
    assert.match(first.stdout, /vm 1: configured/, shown);
    assert.match(first.stdout, /6 contextualization steps run/, shown);
    // the launch up came first: no ctxt node in the lines before the first VM was created
    const launchPart = first.stdout.split("Updating stack")[1]!.split("ctxt-wait-master")[0]!;
    assert.match(launchPart, /created vm-0/, shown);

    const w = rig.workers[0]!;
    assert.equal(
      readFileSync(join(w.root, "opt/im-test/wn-configured"), "utf8"),
      "wn-1.localdomain master=front.localdomain",
    );
    const stepLog = join(rig.master.root, "vartmp/.im", stack, "run/1/1/step2.log");
    assert.match(readFileSync(stepLog, "utf8"), /Launch task: wn_wn/);
    const mtime = statSync(stepLog).mtimeMs;

    const second = await radl(args, dir);
    assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /0 contextualization steps run/);
    assert.doesNotMatch(second.stdout, /creating ctxt-|replacing ctxt-/);
    assert.match(second.stdout, /vm 1: configured/);
    assert.equal(statSync(stepLog).mtimeMs, mtime, "the playbook of step 2 ran again");
  },
);
