/**
 * The step wrapper's output cap (spec contextualization.md §2.9): `bin/run-step` prints at most
 * `stdout_cap` bytes of a step's log (its stdout is kept in the stack state), the first half live and
 * the last half after a marker saying how much was dropped and where the full log is. Runs the real
 * run-step.sh with a stand-in stage worker and `ansible-inventory`, no Ansible needed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readAsset } from "../../runtime/contextualize/assets.js";
import { staticFiles } from "../../runtime/contextualize/bundle.js";
import { parseStepOutput } from "../../runtime/contextualize/contmsg.js";
import { DEFAULT_SETTINGS } from "../../runtime/contextualize/model.js";
import { contextualizationPlan } from "../../runtime/contextualize/stages.js";
import { vmFromSystem } from "../../runtime/contextualize/vms.js";
import { radlDocument } from "../support/rig.js";

const root = mkdtempSync(join(tmpdir(), "ctxt-output-"));
after(() => rmSync(root, { recursive: true, force: true }));

const WORKER = `# stand-in stage worker: appends LINES numbered lines to VM 0's log, then records success
import os, sys
g, root, stage = sys.argv[1:4]
lines = int(open(os.path.join(g, "lines")).read())
run = os.path.join(root, "0")
with open(os.path.join(run, stage + ".log"), "a") as f:
    f.write("".join("%d\\n" % i for i in range(1, lines + 1)))
with open(os.path.join(run, stage + ".json"), "w") as f:
    f.write('{"vm":0,"stage":"%s","ok":true,"skipped":false,"tasks":[]}' % stage)
with open(os.path.join(run, stage + ".rc"), "w") as f:
    f.write("0\\n")
`;

function generation(name: string, cap: number, lines: number): string {
  const g = join(root, name, "gen-1");
  mkdirSync(join(g, "bin"), { recursive: true });
  writeFileSync(join(g, "GENERATION"), "1\n");
  writeFileSync(join(g, "stdout_cap"), `${cap}\n`);
  writeFileSync(join(g, "lines"), `${lines}\n`);
  writeFileSync(join(g, "bin/run-step"), readAsset("run-step.sh"), { mode: 0o755 });
  writeFileSync(join(g, "bin/stage-worker.py"), WORKER, { mode: 0o755 });
  const fakeBin = join(root, "fakebin");
  mkdirSync(fakeBin, { recursive: true });
  writeFileSync(join(fakeBin, "ansible-inventory"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(fakeBin, "ansible-inventory"), 0o755);
  return g;
}

function runStep(g: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("sh", [join(g, "bin/run-step"), g, "0", "front_0", "step1", "t_front"], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(root, "fakebin")}:${process.env.PATH}` },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("a step's output under the cap is printed whole, then the result line", () => {
  const g = generation("small", 4096, 100);
  const r = runStep(g);
  assert.equal(r.status, 0, r.stderr);
  const parsed = parseStepOutput(r.stdout);
  assert.equal(parsed.result?.ok, true);
  const full = readFileSync(join(root, "small/run/1/0/step1.log"), "utf8");
  assert.equal(parsed.log, `${full}`);
  assert.doesNotMatch(r.stdout, /dropped/);
});

test("a longer output keeps its first and last halves around a marker saying how much was dropped", () => {
  const cap = 4096;
  const g = generation("big", cap, 20_000);
  const r = runStep(g);
  assert.equal(r.status, 0, r.stderr);
  const logPath = join(root, "big/run/1/0/step1.log");
  const full = readFileSync(logPath, "utf8");
  assert.ok(full.length > 100_000);
  const parsed = parseStepOutput(r.stdout);
  assert.equal(parsed.result?.ok, true, "the result line survives the cap");
  const marker = `\n[... ${full.length - cap} bytes of output dropped: the full log (${full.length} bytes) is ${logPath} on the master ...]\n`;
  assert.equal(parsed.log, `${full.slice(0, cap / 2)}${marker}${full.slice(-cap / 2)}`);
  assert.ok(Buffer.byteLength(r.stdout) < cap + 300, `stdout has ${Buffer.byteLength(r.stdout)} bytes`);
  // A second run-step for the finished step (a node re-created after a crash) reports the same text.
  assert.equal(runStep(g).stdout, r.stdout);
});

test("an output between half the cap and the cap is printed whole across the live part and the rest", () => {
  const g = generation("middle", 4096, 600); // 2 792 bytes
  const r = runStep(g);
  const full = readFileSync(join(root, "middle/run/1/0/step1.log"), "utf8");
  assert.ok(full.length > 2048 && full.length < 4096);
  assert.equal(parseStepOutput(r.stdout).log, full);
});

test("the bundle carries the cap of the settings (default 1 MiB)", () => {
  const doc = radlDocument({
    networks: { pub: { outbound: "yes" } },
    systems: {
      front: {
        "net_interface.0.connection": "pub",
        "net_interface.0.ip": "192.0.2.10",
        "disk.0.os.credentials.username": "cloudadm",
        "disk.0.os.credentials.password": "x",
      },
    },
    configures: { front: "- tasks:\n  - debug: msg=hi\n" },
    deploys: { front: 1 },
    items: null,
  });
  const vms = [vmFromSystem(doc, "front", 0)];
  const plan = contextualizationPlan(doc, vms);
  assert.equal(plan.disabled, false);
  if (plan.disabled) return;
  const files = (cap?: number) =>
    staticFiles(
      { id: "i", doc, vms, settings: { ...DEFAULT_SETTINGS, ...(cap ? { stepOutputCap: cap } : {}) } },
      plan,
      1,
    );
  assert.equal(files()["stdout_cap"]?.content, "1048576\n");
  assert.equal(files(65536)["stdout_cap"]?.content, "65536\n");
});
