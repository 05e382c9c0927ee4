/**
 * The generated playbooks run for real (spec contextualization.md §3): plain `ansible-playbook` on the
 * rig's master, driven through the generated `bin/run-step`, against the master itself and a worker
 * reachable only through the master. Checks hostnames, /etc/hosts, files, a served page, step order,
 * the data disk, the contmsg line shapes and that teardown leaves nothing behind.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { dynamicFiles, genDir, staticFiles } from "../../runtime/contextualize/bundle.js";
import { DEFAULT_SETTINGS, type CtxtInfrastructure } from "../../runtime/contextualize/model.js";
import { selectMaster } from "../../runtime/contextualize/master.js";
import { parseStepOutput } from "../../runtime/contextualize/contmsg.js";
import { contextualizationPlan } from "../../runtime/contextualize/stages.js";
import { vmFromSystem } from "../../runtime/contextualize/vms.js";
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
  rig = await startRig({ workers: 1, diskMb: 32 });
});

after(async () => {
  if (rig) {
    const id = rig.id;
    await rig.down();
    assert.deepEqual(rigLeftovers(id), []);
    assert.equal(existsSync(rig.dir), false);
  }
});

test(
  "generated playbooks configure the master and a private worker through run-step",
  { timeout: 600_000 },
  async () => {
    const m = rig.master;
    const w = rig.workers[0]!;
    const doc = radlDocument(rigFixture(rig));
    const inf: CtxtInfrastructure = {
      id: "inf-rig",
      doc,
      vms: [vmFromSystem(doc, "front", 0), vmFromSystem(doc, "wn", 1)],
      settings: { ...DEFAULT_SETTINGS, playbookRetries: 1 },
    };
    const plan = contextualizationPlan(doc, inf.vms);
    assert.equal(plan.disabled, false);
    if (plan.disabled) return;
    const master = selectMaster(inf.vms);
    assert.equal(master?.id, 0);

    // What ctxt-bootstrap/ctxt-tool/ctxt-bundle/ctxt-activate do, done here from the server side.
    const g = genDir(inf, 1);
    installGeneration(rig, g, { ...staticFiles(inf, plan, 1), ...dynamicFiles(inf, plan, master, 1) }, 600);
    // recipe services write under /opt/im-test
    for (const vm of [m, w]) assert.equal(rig.exec(vm, ["mkdir", "-p", "/opt/im-test"]).status, 0);

    const hosts = new Map(
      inf.vms.map((v) => [v.id, `${v.nics.find((n) => n.isPublic)?.ip ?? v.nics[0]!.ip}_${v.id}`]),
    );
    const logs = new Map<number, string>();
    const started = Date.now();
    for (const stage of plan.stages) {
      await Promise.all(
        stage.perVm.map(async (p) => {
          const r = await runStepOnMaster(rig, g, p.vmId, hosts.get(p.vmId)!, stage.name, p.tasks);
          assert.equal(r.status, 0, `run-step ${stage.name} vm ${p.vmId}: ${r.stderr}`);
          const parsed = parseStepOutput(r.stdout);
          assert.ok(parsed.result, `no result line for ${stage.name} vm ${p.vmId}:\n${r.stdout}`);
          assert.equal(parsed.result.ok, true, `${stage.name} failed on vm ${p.vmId}:\n${r.stdout}`);
          logs.set(p.vmId, (logs.get(p.vmId) ?? "") + parsed.log);
        }),
      );
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`rig contextualization of 2 VMs: ${seconds.toFixed(1)} s`);

    // C2: host names and /etc/hosts
    assert.equal(readFileSync(join(w.root, "etc/hostname"), "utf8").trim(), "wn-1.localdomain");
    for (const vm of [m, w]) {
      const hostsFile = readFileSync(join(vm.root, "etc/hosts"), "utf8");
      assert.ok(hostsFile.startsWith("127.0.0.1 localhost\n127.0.1.1 "), hostsFile);
      assert.match(hostsFile, new RegExp(`${m.publicIp!.replaceAll(".", "\\.")} front\\.localdomain front`));
      assert.match(hostsFile, new RegExp(`${w.privateIp.replaceAll(".", "\\.")} wn-1\\.localdomain wn-1`));
    }
    // C3: the master's ansible_key is authorized on the worker
    const pub = readFileSync(join(m.root, "vartmp/.im", inf.id, "ansible_key.pub"), "utf8").trim();
    assert.ok(readFileSync(join(w.root, "home", rig.user, ".ssh/authorized_keys"), "utf8").includes(pub));
    // C4: the recipe ran with IM variables; the disk is formatted and mounted in the worker's namespace
    assert.equal(
      readFileSync(join(w.root, "opt/im-test/wn-configured"), "utf8"),
      "wn-1.localdomain master=front.localdomain",
    );
    if (rig.diskDevice) {
      const mnt = rig.exec(w, ["findmnt", "-n", "-o", "SOURCE,FSTYPE", "/opt/im-data"]);
      assert.equal(mnt.stdout.trim(), `${rig.diskDevice} ext4`);
    }
    // C5: the service the recipe started answers, from the master
    const page = rig.exec(m, ["curl", "-s", "--max-time", "5", `http://${w.privateIp}:8080/wn-configured`]);
    assert.equal(page.stdout, "wn-1.localdomain master=front.localdomain");
    // C6: step 2 on wn ran after step 1 on front
    assert.equal(
      readFileSync(join(w.root, "opt/im-test/token-from-front"), "utf8"),
      readFileSync(join(m.root, "opt/im-test/token"), "utf8"),
    );
    // C7: line shapes the TOSCA ctxt-log parser reads
    const wnLog = logs.get(1)!;
    assert.match(wnLog, /Launch task: wn_wn/);
    assert.match(wnLog, /TASK \[Say hello\]/);
    assert.match(wnLog, /ok: \[[^\]]+\] => \{[\s\S]*hello from wn-1/);
    assert.match(wnLog, /PLAY RECAP/);
    // The worker is private: the server has no route to it (only the master can reach it).
    assert.doesNotMatch(
      spawnSync("ip", ["route", "get", w.privateIp], { encoding: "utf8" }).stdout,
      new RegExp(`dev rig${rig.id}`),
    );

    // A second run of the same step reports the recorded result instead of running the playbook again.
    const markerBefore = statSync(join(w.root, "opt/im-test/wn-configured")).mtimeMs;
    const again = await runStepOnMaster(rig, g, 1, hosts.get(1)!, "step2", ["wn_wn"]);
    assert.equal(parseStepOutput(again.stdout).result?.ok, true);
    assert.match(again.stdout, /Launch task: wn_wn/);
    assert.equal(statSync(join(w.root, "opt/im-test/wn-configured")).mtimeMs, markerBefore);
  },
);
