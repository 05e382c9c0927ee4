/**
 * The IM server contextualizes for real (spec contextualization.md §2.6, §2.9, §2.11): a listening
 * server (REST on loopback, real engine, SQLite) creates the rig's DeployedNode infrastructure; the
 * contextualization job runs in the background, GET contmsg grows while the state reads `running`,
 * both VMs reach `configured`. A Reconfigure that changes the worker's recipe re-runs it.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { printRadl } from "../../compiler/print.js";
import {
  WN_RECIPE,
  radlDocument,
  requireRig,
  rigFixture,
  rigLeftovers,
  startRig,
  type Rig,
} from "../support/rig.js";
import { startTestServer, type TestServer } from "../support/server.js";

let rig: Rig;
let server: TestServer | undefined;
const H = {
  authorization:
    "id = im; type = InfrastructureManager; username = alice; password = Wh1te-Rabbit\\nid = dn; type = DeployedNode",
  "content-type": "text/plain",
};

before(async () => {
  requireRig();
  rig = await startRig({ workers: 1 });
});

after(async () => {
  await server?.stop();
  if (!rig) return;
  const id = rig.id;
  await rig.down();
  assert.deepEqual(rigLeftovers(id), []);
});

interface Observed {
  state: string;
  vmStates: Record<string, string>;
  /** contmsg lengths seen while the infrastructure read `running`. */
  runningLengths: number[];
  /** The last line of VM 1's contmsg each time it was read while running. */
  vmLastLines: string[];
}

async function waitConfigured(id: string, timeoutMs = 600_000): Promise<Observed> {
  const end = Date.now() + timeoutMs;
  const runningLengths: number[] = [];
  const vmLastLines: string[] = [];
  for (;;) {
    const res = await server!.request("GET", `/infrastructures/${id}/state`, { headers: H });
    assert.equal(res.status, 200, res.body);
    const s = (JSON.parse(res.body) as { state: { state: string; vm_states: Record<string, string> } }).state;
    if (s.state !== "running" && s.state !== "pending")
      return { state: s.state, vmStates: s.vm_states, runningLengths, vmLastLines };
    const msg = await server!.request("GET", `/infrastructures/${id}/contmsg`, { headers: H });
    if (s.state === "running") {
      runningLengths.push(msg.body.length);
      const vm = await server!.request("GET", `/infrastructures/${id}/vms/1/contmsg`, { headers: H });
      const last = vm.body.trimEnd().split("\n").pop();
      if (last) vmLastLines.push(last);
    }
    if (Date.now() > end) assert.fail(`state of ${id} is still ${s.state}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test(
  "REST create contextualizes the rig to configured with a growing contmsg; Reconfigure re-runs a changed recipe",
  { timeout: 1_200_000 },
  async () => {
    server = await startTestServer({
      cfg: { UPDATE_CTXT_LOG_INTERVAL: 1, WAIT_SSH_ACCCESS_TIMEOUT: 30 },
    });
    const radl = printRadl(radlDocument(rigFixture(rig, { newMasterPassword: "N3w+Master" })));
    const started = Date.now();
    const created = await server.request("POST", "/infrastructures", { headers: H, body: radl });
    assert.equal(created.status, 200, created.body);
    const id = String(created.headers.infid);

    const first = await waitConfigured(id);
    console.log(`REST create + contextualization of 2 VMs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const contmsg = (await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
    assert.equal(first.state, "configured", contmsg);
    assert.deepEqual(first.vmStates, { "0": "configured", "1": "configured" });
    // the log grew while it ran: several different lengths, each one shorter than the final log
    const distinct = [...new Set(first.runningLengths.filter((n) => n > 0))];
    assert.ok(
      distinct.length >= 2,
      `contmsg did not grow while running: ${JSON.stringify(first.runningLengths)}`,
    );
    assert.ok(Math.max(...distinct) < contmsg.length);
    // VM 1's log grew inside its steps, not only when a step ended: a step's finished output
    // always ends with its PLAY RECAP line, the lines followed on the master stop anywhere
    assert.ok(
      first.vmLastLines.some((l) => !/ok=\d+\s+changed=\d+/.test(l)),
      `VM 1's contmsg only grew by whole steps: ${JSON.stringify(first.vmLastLines)}`,
    );
    assert.match(contmsg, /Select master VM/);
    assert.match(contmsg, /Ansible successfully configured in the master VM\./);
    assert.match(contmsg, /Contextualization finished\./);
    const vm1 = (await server.request("GET", `/infrastructures/${id}/vms/1/contmsg`, { headers: H })).body;
    assert.match(vm1, /Launch task: wn_wn[\s\S]*TASK \[Say hello\][\s\S]*ok: \[[^\]]+\] => \{/);
    assert.match(vm1, /Contextualization finished successfully\./);

    const w = rig.workers[0]!;
    const marker = join(w.root, "opt/im-test/wn-configured");
    assert.equal(readFileSync(marker, "utf8"), "wn-1.localdomain master=front.localdomain");
    const runDir = join(rig.master.root, "vartmp/.im", id, "run");

    // Reconfigure with a changed recipe for wn: a new generation re-runs it
    const changed = WN_RECIPE(w.privateIp, rig.master.privateIp).replace(
      'marker: "{{IM_NODE_FQDN}} master=',
      'marker: "v2 {{IM_NODE_FQDN}} master=',
    );
    const body = printRadl(
      radlDocument({ networks: {}, systems: {}, configures: { wn: changed }, deploys: {}, items: null }),
    );
    const reconf = await server.request("PUT", `/infrastructures/${id}/reconfigure`, { headers: H, body });
    assert.equal(reconf.status, 200, reconf.body);
    const second = await waitConfigured(id);
    const contmsg2 = (await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
    assert.equal(second.state, "configured", contmsg2);
    assert.equal(readFileSync(marker, "utf8"), "v2 wn-1.localdomain master=front.localdomain");
    assert.match(readFileSync(join(runDir, "2/1/step2.log"), "utf8"), /Launch task: wn_wn/);

    // Reconfigure of VM 0 only: every VM's basic and main run again (one shared run each), the
    // worker's recipe step does not
    const markerTime = statSync(marker).mtimeMs;
    const only0 = await server.request("PUT", `/infrastructures/${id}/reconfigure?vm_list=0`, {
      headers: H,
      body,
    });
    assert.equal(only0.status, 200, only0.body);
    const third = await waitConfigured(id);
    const contmsg3 = (await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
    assert.equal(third.state, "configured", contmsg3);
    assert.equal(statSync(marker).mtimeMs, markerTime, "the worker's recipe ran again");
    assert.equal(existsSync(join(runDir, "3/1/step2.log")), false);
    assert.match(readFileSync(join(runDir, "3/1/main.log"), "utf8"), /Launch task: main_wn/);
    assert.equal(existsSync(join(runDir, "3/batch-main")), true, "main ran as one shared run");

    const destroyed = await server.request("DELETE", `/infrastructures/${id}`, { headers: H });
    assert.equal(destroyed.status, 200, destroyed.body);
  },
);
