/**
 * Failure cases of spec contextualization.md §4 on the rig, through the generated run-step tools on the
 * master: a playbook failing on one VM of a shared run (F3: recorded, its later step skipped, other VMs go on), the
 * maximum contextualization time (F4: killed, reported, nothing left running), and kill-gen (cancel).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { dynamicFiles, genDir, sharedRunFiles, staticFiles } from "../../runtime/contextualize/bundle.js";
import { parseStepOutput } from "../../runtime/contextualize/contmsg.js";
import { selectMaster } from "../../runtime/contextualize/master.js";
import { DEFAULT_SETTINGS, type CtxtInfrastructure } from "../../runtime/contextualize/model.js";
import { contextualizationPlan, type ContextualizationPlan } from "../../runtime/contextualize/stages.js";
import { inventoryHost, vmFromSystem } from "../../runtime/contextualize/vms.js";
import {
  installGeneration,
  radlDocument,
  requireRig,
  rigFixture,
  rigLeftovers,
  runStepOnMaster,
  startRig,
  type Rig,
} from "../support/rig.js";

let rig: Rig;

before(async () => {
  requireRig();
  rig = await startRig({ workers: 2 });
});

after(async () => {
  if (rig) {
    const id = rig.id;
    await rig.down();
    assert.deepEqual(rigLeftovers(id), []);
  }
});

function infrastructure(
  extraConfigures: Record<string, string>,
  items: { system: string; configure: string; step: number }[],
): CtxtInfrastructure {
  const spec = rigFixture(rig);
  const w2 = rig.workers[1]!;
  spec.systems.wn2 = {
    ...spec.systems.wn,
    "net_interface.0.ip": w2.privateIp,
    "net_interface.0.dns_name": "wn2-#N#",
  };
  delete spec.systems.wn2["disk.0.applications"];
  spec.configures = { ...spec.configures, ...extraConfigures };
  spec.deploys = { front: 1, wn: 1, wn2: 1 };
  spec.items = items;
  const doc = radlDocument(spec);
  return {
    id: "inf-fail",
    doc,
    vms: [vmFromSystem(doc, "front", 0), vmFromSystem(doc, "wn", 1), vmFromSystem(doc, "wn2", 2)],
    settings: { ...DEFAULT_SETTINGS, playbookRetries: 1 },
  };
}

function ansibleProcessesOnMaster(): string[] {
  // The rig has no PID namespace: only this infrastructure's playbooks count (other rigs may run).
  const out = rig.exec(rig.master, [
    "sh",
    "-c",
    "ps -eo pid,args | grep '[a]nsible-playbook.*/var/tmp/.im/inf-fail/' || true",
  ]);
  return out.stdout.split("\n").filter((l) => l.trim() !== "");
}

type StepResults = Map<string, { ok: boolean; skipped: boolean; log: string }>;

/** Runs every stage's run-steps on the master, the VMs of a stage at once; results by `<vm>-<stage>`. */
async function runStages(
  inf: CtxtInfrastructure,
  plan: Extract<ContextualizationPlan, { disabled: false }>,
  g: string,
  afterStage?: (stage: string, results: StepResults) => void,
): Promise<StepResults> {
  const results: StepResults = new Map();
  for (const stage of plan.stages) {
    await Promise.all(
      stage.perVm.map(async (p) => {
        const vm = inf.vms.find((v) => v.id === p.vmId)!;
        const r = await runStepOnMaster(rig, g, p.vmId, inventoryHost(vm)!, stage.name, p.tasks);
        assert.equal(
          r.status,
          0,
          `run-step exits 0 once the step is recorded (${stage.name}, vm ${p.vmId}): ${r.stderr}`,
        );
        const parsed = parseStepOutput(r.stdout);
        assert.ok(parsed.result, r.stdout);
        results.set(`${p.vmId}-${stage.name}`, {
          ok: parsed.result.ok,
          skipped: parsed.result.skipped,
          log: parsed.log,
        });
      }),
    );
    afterStage?.(stage.name, results);
  }
  return results;
}

test(
  "F3: a playbook failing on one VM of a shared run is recorded, its later step skipped, the others configured",
  { timeout: 600_000 },
  async () => {
    // wn and wn2 run the same `shared` recipe, so one ansible-playbook serves both (stages/*.json);
    // it fails on VM 2 only.
    const inf = infrastructure(
      {
        shared:
          "- tasks:\n  - name: Fail on VM 2\n    command: /bin/false\n    when: IM_NODE_NUM | int == 2\n" +
          "  - name: Mark the worker\n    file: path=/opt/im-test state=directory\n" +
          "  - copy: dest=/opt/im-test/shared-{{IM_NODE_NUM}} content=x\n",
        wn2later: "- tasks:\n  - name: Never here\n    copy: dest=/opt/im-test/wn2-later content=x\n",
      },
      [
        { system: "front", configure: "front", step: 1 },
        { system: "wn", configure: "shared", step: 1 },
        { system: "wn2", configure: "shared", step: 1 },
        { system: "wn", configure: "wn", step: 2 },
        { system: "wn2", configure: "wn2later", step: 2 },
      ],
    );
    const plan = contextualizationPlan(inf.doc, inf.vms);
    assert.ok(!plan.disabled);
    if (plan.disabled) return;
    const master = selectMaster(inf.vms);
    const g = genDir(inf, 1);
    const shared = sharedRunFiles(inf, plan, () => true);
    const step1 = JSON.parse(shared["stages/step1.json"]!.content) as { groups: { vms: { vm: number }[] }[] };
    assert.deepEqual(
      step1.groups.map((gr) => gr.vms.map((v) => v.vm)),
      [[0], [1, 2]],
    );
    installGeneration(
      rig,
      g,
      { ...staticFiles(inf, plan, 1), ...dynamicFiles(inf, plan, master, 1), ...shared },
      600,
    );
    const results = await runStages(inf, plan, g);
    const host2 = inventoryHost(inf.vms[2]!)!;
    const failed = results.get("2-step1")!;
    assert.equal(failed.ok, false);
    assert.match(failed.log, /TASK \[Fail on VM 2\]/);
    assert.ok(failed.log.includes(`fatal: [${host2}]`), failed.log);
    assert.match(failed.log, /Launch task: shared_wn2/);
    assert.match(failed.log, /Contextualization failed at task shared_wn2/);
    // VM 1's share of the same run: its own lines, not VM 2's failure
    const sibling = results.get("1-step1")!;
    assert.equal(sibling.ok, true, sibling.log);
    assert.match(sibling.log, /Launch task: shared_wn\n/);
    assert.ok(!sibling.log.includes(`[${host2}]`) && !sibling.log.includes("fatal"), sibling.log);
    const conf = join(rig.master.root, "vartmp", g.slice("/var/tmp/".length), "..");
    assert.ok(existsSync(join(conf, "run", "1", "batch-step1", "stage.pid")), "step1 ran as a shared run");
    assert.equal(existsSync(join(rig.workers[0]!.root, "opt/im-test/shared-1")), true);
    const later = results.get("2-step2")!;
    assert.deepEqual([later.ok, later.skipped], [false, true]);
    assert.match(later.log, /skipped: step step1 failed/);
    assert.equal(existsSync(join(rig.workers[1]!.root, "opt/im-test/wn2-later")), false);
    for (const key of ["0-basic", "1-basic", "2-basic", "0-main", "1-main", "0-step1", "1-step2"])
      assert.equal(results.get(key)?.ok, true, `${key}: ${results.get(key)?.log}`);
    assert.equal(
      readFileSync(join(rig.workers[0]!.root, "opt/im-test/wn-configured"), "utf8"),
      "wn-1.localdomain master=front.localdomain",
    );
  },
);

test(
  "F4: the maximum contextualization time stops a step and leaves no ansible-playbook behind",
  { timeout: 300_000 },
  async () => {
    const inf = infrastructure({ slow: "- tasks:\n  - name: Take too long\n    pause: seconds=120\n" }, [
      { system: "front", configure: "slow", step: 1 },
    ]);
    const plan = contextualizationPlan(inf.doc, inf.vms);
    assert.ok(!plan.disabled);
    if (plan.disabled) return;
    const master = selectMaster(inf.vms)!;
    const g = genDir(inf, 2);
    installGeneration(rig, g, { ...staticFiles(inf, plan, 2), ...dynamicFiles(inf, plan, master, 2) }, 15);
    const started = Date.now();
    const r = await runStepOnMaster(rig, g, 0, inventoryHost(master)!, "step1", ["slow_front"]);
    const seconds = (Date.now() - started) / 1000;
    const parsed = parseStepOutput(r.stdout);
    assert.equal(parsed.result?.ok, false, r.stdout);
    assert.equal(parsed.result?.tasks[0]?.rc, 124);
    assert.match(parsed.log, /ERROR: Max contextualization time passed\./);
    assert.ok(seconds < 60, `stopped after ${seconds} s`);
    assert.deepEqual(ansibleProcessesOnMaster(), []);
    // A step started after the deadline does not run at all.
    const late = await runStepOnMaster(rig, g, 0, inventoryHost(master)!, "step9", ["slow_front"]);
    assert.match(late.stdout, /ERROR: Max contextualization time passed\./);
    assert.equal(parseStepOutput(late.stdout).result?.tasks.length, 0);
  },
);

test("cancel: kill-gen ends a running step's process group on the master", { timeout: 300_000 }, async () => {
  const inf = infrastructure({ slow: "- tasks:\n  - name: Take too long\n    pause: seconds=120\n" }, [
    { system: "front", configure: "slow", step: 1 },
  ]);
  const plan = contextualizationPlan(inf.doc, inf.vms);
  assert.ok(!plan.disabled);
  if (plan.disabled) return;
  const master = selectMaster(inf.vms)!;
  const g = genDir(inf, 3);
  installGeneration(rig, g, { ...staticFiles(inf, plan, 3), ...dynamicFiles(inf, plan, master, 3) }, 600);
  const running = runStepOnMaster(rig, g, 0, inventoryHost(master)!, "step1", ["slow_front"]);
  const deadline = Date.now() + 60_000;
  while (ansibleProcessesOnMaster().length === 0 && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 500));
  assert.ok(ansibleProcessesOnMaster().length > 0, "the step started");
  const conf = g.slice(0, g.lastIndexOf("/"));
  const kill = rig.exec(rig.master, ["su", rig.user, "-c", `sh ${g}/bin/kill-gen ${conf} 3`]);
  assert.match(kill.stdout, /killed step session/);
  const r = await running;
  assert.notEqual(r.status, 0, "the interrupted step has no recorded result");
  assert.match(r.stderr, /ended without recording a result/);
  assert.deepEqual(ansibleProcessesOnMaster(), []);
});

test(
  "F7: a VM whose SSH dies after basic fails UNREACHABLE; the master's later steps do not fail because of it",
  { timeout: 600_000 },
  async () => {
    const inf = infrastructure(
      {
        f7front: "- tasks:\n  - name: Front step 1\n    copy: dest=/opt/im-test/f7-front-1 content=one\n",
        f7wn2: "- tasks:\n  - name: Worker step 1\n    copy: dest=/opt/im-test/f7-wn2 content=x\n",
        f7front2: "- tasks:\n  - name: Front step 2\n    copy: dest=/opt/im-test/f7-front-2 content=two\n",
      },
      [
        { system: "front", configure: "f7front", step: 1 },
        { system: "wn2", configure: "f7wn2", step: 1 },
        { system: "front", configure: "f7front2", step: 2 },
      ],
    );
    const plan = contextualizationPlan(inf.doc, inf.vms);
    assert.ok(!plan.disabled);
    if (plan.disabled) return;
    const master = selectMaster(inf.vms);
    const g = genDir(inf, 5);
    installGeneration(rig, g, { ...staticFiles(inf, plan, 5), ...dynamicFiles(inf, plan, master, 5) }, 900);
    const results = await runStages(inf, plan, g, (stage, sofar) => {
      if (stage === "basic") {
        assert.equal(sofar.get("2-basic")?.ok, true, sofar.get("2-basic")?.log);
        // wn2 goes away: its sshd and every session it serves (the master's ControlPersist link too)
        const ns = rig.workers[1]!.ns;
        const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout.trim().split(/\s+/);
        for (const pid of pids)
          if (pid !== "" && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sshd")
            process.kill(Number(pid), "SIGKILL");
      }
    });
    const lost = results.get("2-main")!;
    assert.equal(lost.ok, false);
    assert.match(lost.log, /UNREACHABLE!/);
    assert.match(lost.log, /Contextualization failed at task main_.* \(exit 4\)/);
    assert.deepEqual([results.get("2-step1")?.ok, results.get("2-step1")?.skipped], [false, true]);
    for (const key of ["0-main", "0-step1", "0-step2", "1-main"])
      assert.equal(
        results.get(key)?.ok,
        true,
        `${key} must not fail because of wn2:\n${results.get(key)?.log}`,
      );
    assert.equal(readFileSync(join(rig.master.root, "opt/im-test/f7-front-2"), "utf8"), "two");
  },
);
