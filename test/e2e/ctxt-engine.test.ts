/**
 * Contextualization through the real Pulumi engine (spec contextualization.md §3, T3): a DeployedNode
 * RADL with configure sections for the rig's master and private worker is planned, lowered with the
 * CommandContextualizer and brought `up` by the StackManager; the command nodes bootstrap the master
 * (server key, password rotation), install nothing (Debian's Ansible is there), copy the bundle and run
 * every (VM, step). Then: an unrelated `up` re-runs nothing; a new generation re-runs the steps.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { lowerPlanDetailed } from "../../compiler/plan/lower.js";
import { planDeployment } from "../../compiler/plan/plan.js";
import type { DeploymentPlan } from "../../compiler/plan/types.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraph } from "../../runtime/register.js";
import { parseStepOutput, type StepResult } from "../../runtime/contextualize/contmsg.js";
import { CommandContextualizer } from "../../runtime/contextualize/graph.js";
import { generateServerKey } from "../../runtime/contextualize/server-key.js";
import { StackManager } from "../../stacks/stack-manager.js";
import { radlDocument, requireRig, rigFixture, rigLeftovers, startRig, type Rig } from "../support/rig.js";

let rig: Rig;
let manager: StackManager | undefined;
const NEW_PW = "N3w+Master";

before(async () => {
  requireRig();
  rig = await startRig({ workers: 1, diskMb: 32 });
});

after(async () => {
  await manager?.close({ cancel: true });
  if (rig) {
    const id = rig.id;
    await rig.down();
    assert.deepEqual(rigLeftovers(id), []);
  }
});

function ssh(argv: string[], password?: string): { status: number; stdout: string } {
  const base = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=5",
  ];
  const cmd =
    password === undefined
      ? ["ssh", ...base, "-o", "BatchMode=yes", ...argv]
      : ["sshpass", "-p", password, "ssh", ...base, "-o", "PubkeyAuthentication=no", ...argv];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout };
}

test(
  "a DeployedNode RADL reaches configured through the engine; unrelated ups re-run nothing",
  { timeout: 900_000 },
  async () => {
    const doc = radlDocument(rigFixture(rig, { newMasterPassword: NEW_PW }));
    const drivers = driverRegistry();
    const auth = [{ id: "dn", type: "DeployedNode" }];
    const plan: DeploymentPlan = await planDeployment({
      infId: `ctxt${rig.id}`,
      document: doc,
      auth,
      drivers,
    });
    const serverKey = generateServerKey();
    const keyFile = join(rig.dir, "server_key");
    writeFileSync(keyFile, serverKey.privateKey, { mode: 0o600 });
    const bundleRoot = join(rig.dir, "bundles");
    mkdirSync(bundleRoot);

    const graphFor = (generation: number) => {
      const ctxt = new CommandContextualizer({
        generation,
        serverKey,
        bundleRoot,
        settings: { waitSshAccessTimeout: 30 },
      });
      const lowered = lowerPlanDetailed(plan, drivers, { contextualizer: ctxt, auth });
      ctxt.writeBundle({ plan, vms: lowered.vms, nodes: lowered.graph.nodes });
      return lowered.graph;
    };
    manager = await StackManager.open({
      dataDir: join(rig.dir, "data"),
      passphrase: "rig-passphrase",
      parallelism: 1,
    });
    const stack = plan.infId;

    const events: string[] = [];
    const started = Date.now();
    let engineOutput = "";
    const first = await manager
      .up(stack, () => registerGraph(graphFor(1)), {
        // The Node SDK logs every RegisterResource response (secrets resolved) as debug diagnostics,
        // which the engine forwards: whoever stores engine events must drop debug severity.
        onEvent: (e) => {
          if ((e.diagnosticEvent?.severity as string | undefined) !== "debug") events.push(JSON.stringify(e));
        },
        onOutput: (t) => (engineOutput += t),
      })
      .catch((e: unknown) => {
        const tree = spawnSync("find", [join(rig.master.root, "vartmp", ".im")], { encoding: "utf8" }).stdout;
        throw new Error(`${(e as Error).message}\n${engineOutput}\n${tree}`);
      });
    console.log(`engine contextualization of 2 VMs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const steps = first.outputs.ctxtSteps!.value as Record<string, string>;
    const results = new Map<string, StepResult>();
    for (const [node, stdout] of Object.entries(steps)) {
      const parsed = parseStepOutput(stdout);
      assert.ok(parsed.result, `${node} has no result line:\n${stdout}`);
      assert.equal(parsed.result.ok, true, `${node} failed:\n${stdout}`);
      results.set(node, parsed.result);
    }
    assert.deepEqual([...results.keys()].sort(), [
      "ctxt-vm0-basic",
      "ctxt-vm0-main",
      "ctxt-vm0-step1",
      "ctxt-vm1-basic",
      "ctxt-vm1-main",
      "ctxt-vm1-step2",
    ]);
    assert.match(
      steps["ctxt-vm1-step2"]!,
      /Launch task: wn_wn[\s\S]*TASK \[Say hello\][\s\S]*ok: \[[^\]]+\] => \{[\s\S]*hello from wn-1/,
    );

    const m = rig.master;
    const w = rig.workers[0]!;
    // C1: the server key is authorized, the password rotated, the old one refused
    assert.equal(ssh(["-i", keyFile, `${rig.user}@${m.publicIp}`, "true"]).status, 0);
    assert.equal(ssh([`${rig.user}@${m.publicIp}`, "true"], NEW_PW).status, 0);
    assert.equal(ssh([`${rig.user}@${m.publicIp}`, "true"], rig.masterPassword).status, 5);
    // C2, C4, C6: names, hosts, the recipes' files in the right order
    assert.equal(readFileSync(join(w.root, "etc/hostname"), "utf8").trim(), "wn-1.localdomain");
    assert.match(readFileSync(join(m.root, "etc/hosts"), "utf8"), /wn-1\.localdomain/);
    assert.equal(
      readFileSync(join(w.root, "opt/im-test/wn-configured"), "utf8"),
      "wn-1.localdomain master=front.localdomain",
    );
    assert.equal(
      readFileSync(join(w.root, "opt/im-test/token-from-front"), "utf8"),
      readFileSync(join(m.root, "opt/im-test/token"), "utf8"),
    );
    if (rig.diskDevice)
      assert.equal(rig.exec(w, ["findmnt", "-n", "-o", "FSTYPE", "/opt/im-data"]).stdout.trim(), "ext4");

    // C10: no secret in the state export (without decryption) nor in the engine events
    // The state as the file backend stores it (StackManager.exportState shows secrets decrypted).
    const stateFile = spawnSync(
      "find",
      [join(rig.dir, "data"), "-name", `${stack}.json`, "-path", "*/.pulumi/stacks/*"],
      {
        encoding: "utf8",
      },
    )
      .stdout.trim()
      .split("\n")[0]!;
    const exported = readFileSync(stateFile, "utf8");
    assert.match(exported, /ciphertext/);
    const keyBody = serverKey.privateKey.split("\n")[1]!;
    for (const s of [rig.masterPassword, NEW_PW, rig.workerPassword, keyBody]) {
      const at = exported.indexOf(s);
      assert.equal(
        at,
        -1,
        `a secret is in the exported state: …${exported.slice(Math.max(0, at - 300), at)}…`,
      );
      const leaking = events.find((e) => e.includes(s));
      assert.equal(leaking, undefined, `a secret is in an engine event: ${leaking?.slice(0, 1500)}`);
    }

    // C8: an unrelated up (same generation) re-runs no playbook and creates nothing
    const runDir = join(m.root, "vartmp/.im", stack, "run");
    const stepLog = join(runDir, "1/1/step2.log");
    const before1 = statSync(stepLog).mtimeMs;
    const second = await manager.up(stack, () => registerGraph(graphFor(1)));
    const changes = second.summary.resourceChanges ?? {};
    assert.equal(changes.create ?? 0, 0, JSON.stringify(changes));
    assert.equal(changes.replace ?? 0, 0, JSON.stringify(changes));
    assert.equal(statSync(stepLog).mtimeMs, before1);
    assert.deepEqual(readdirSync(runDir), ["1"]);

    // a new generation (Reconfigure) replaces the nodes and runs every step again
    const third = await manager.up(stack, () => registerGraph(graphFor(2)));
    assert.ok(
      (third.summary.resourceChanges?.replace ?? 0) > 0,
      JSON.stringify(third.summary.resourceChanges),
    );
    assert.equal(JSON.parse(readFileSync(join(runDir, "2/1/step2.json"), "utf8")).ok, true);
    assert.match(readFileSync(join(runDir, "2/1/step2.log"), "utf8"), /Launch task: wn_wn/);
    const steps2 = third.outputs.ctxtSteps!.value as Record<string, string>;
    for (const [node, stdout] of Object.entries(steps2))
      assert.equal(parseStepOutput(stdout).result?.ok, true, `${node}:\n${stdout}`);

    await manager.destroy(stack, { remove: true });
  },
);
