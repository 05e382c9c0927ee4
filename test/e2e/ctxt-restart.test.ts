/**
 * F5 and F6 of spec contextualization.md §3.7 (one rig; the master's password is not rotated so both
 * infrastructures can make first contact with it).
 *
 * F5 (§2.11): RemoveResource of the worker while its 60 s recipe runs: the run is cancelled, its
 * processes on the master are ended, a new generation configures the master alone, and the removed
 * VM's log stays in DATA_DB.
 *
 * F6 (§2.13): the server is killed (SIGKILL of its whole process
 * group: node, engine, providers) while the worker's 60 s recipe runs on the master; the recipe
 * appended one line to a file before sleeping. A server restarted on the same data resumes the
 * contextualization job: the step attaches to the playbook still running on the master instead of
 * running it again, so the file has exactly one line, the VM ends configured, and its log has the
 * lines written before and after the restart.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { printRadl } from "../../compiler/print.js";
import { radlDocument, requireRig, rigFixture, rigLeftovers, startRig, type Rig } from "../support/rig.js";
import { startTestServer, type TestServer } from "../support/server.js";

let rig: Rig;
let server: TestServer | undefined;
const AUTH =
  "id = im; type = InfrastructureManager; username = alice; password = Wh1te-Rabbit\\nid = dn; type = DeployedNode";
const H = { authorization: AUTH, "content-type": "text/plain" };
const CFG = { UPDATE_CTXT_LOG_INTERVAL: 1, WAIT_SSH_ACCCESS_TIMEOUT: 30 };

const SLOW_RECIPE = `
- tasks:
  - name: Make the test directory
    file: path=/opt/im-test state=directory mode=0755
  - name: Append one line
    shell: echo appended >> /opt/im-test/appended
  - name: Take a minute
    shell: sleep 60
  - name: Say done
    debug: msg="done after the wait"
`;

const CHILD = `
const { startTestServer } = await import(process.env.SUPPORT_URL);
const s = await startTestServer({ dataDir: process.env.TEST_DATA_DIR, cfg: JSON.parse(process.env.TEST_CFG) });
const res = await s.request("POST", "/infrastructures", {
  headers: JSON.parse(process.env.TEST_HEADERS),
  body: process.env.TEST_RADL,
});
process.stdout.write("ID " + res.status + " " + res.headers.infid + "\\n");
setInterval(() => {}, 1000);
`;

/** Waits (up to 10 min) until the worker's recipe has left `marker`. */
async function recipeStarted(marker: string): Promise<void> {
  const end = Date.now() + 600_000;
  while (!existsSync(marker)) {
    if (Date.now() > end) assert.fail("the worker's recipe never started");
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The infrastructure's state once it is neither running nor pending (undefined after 10 min). */
async function settledState(
  s: TestServer,
  id: string,
): Promise<{ state: string; vm_states: Record<string, string> } | undefined> {
  const end = Date.now() + 600_000;
  while (Date.now() < end) {
    const res = await s.request("GET", `/infrastructures/${id}/state`, { headers: H });
    assert.equal(res.status, 200, res.body);
    const state = (JSON.parse(res.body) as { state: { state: string; vm_states: Record<string, string> } })
      .state;
    if (state.state !== "running" && state.state !== "pending") return state;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}

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

test(
  "SIGKILL of the server during a 60 s recipe: the restarted server resumes, the recipe ran once",
  {
    timeout: 1_200_000,
  },
  async () => {
    const dataDir = join(rig.dir, "server-data");
    mkdirSync(dataDir);
    const w = rig.workers[0]!;
    const radl = printRadl(radlDocument(rigFixture(rig, { recipes: { wn: SLOW_RECIPE } })));
    const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "-e", CHILD], {
      env: {
        ...process.env,
        SUPPORT_URL: new URL("../support/server.js", import.meta.url).href,
        TEST_DATA_DIR: dataDir,
        TEST_CFG: JSON.stringify(CFG),
        TEST_HEADERS: JSON.stringify(H),
        TEST_RADL: radl,
      },
      stdio: ["ignore", "pipe", "inherit"],
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    try {
      const id = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /ID (\d+) (\S+)\n/.exec(out);
          if (m?.[1] === "200") resolve(m[2]!);
          else if (m) reject(new Error(out));
        });
        child.on("exit", (code) => reject(new Error(`server exited with ${code} before creating: ${out}`)));
      });
      // the recipe appended its line and sleeps: kill the whole server while it does
      const appended = join(w.root, "opt/im-test/appended");
      await recipeStarted(appended);
      await new Promise((r) => setTimeout(r, 3000));
      killGroup();
      await new Promise((r) => setTimeout(r, 1000));
      // the step's detached worker on the master outlived the server
      const pidFile = join(rig.master.root, "vartmp/.im", id, "run/1/1/step2.pid");
      const workerPid = readFileSync(pidFile, "utf8").split(" ")[0]!;
      assert.ok(existsSync(`/proc/${workerPid}`), "the playbook on the master died with the server");

      server = await startTestServer({ dataDir, cfg: CFG });
      const final = await settledState(server, id);
      const contmsg = (await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
      assert.ok(final, `still running after the restart:\n${contmsg}`);
      assert.equal(final.state, "configured", contmsg);
      assert.deepEqual(final.vm_states, { "0": "configured", "1": "configured" });
      assert.equal(readFileSync(appended, "utf8"), "appended\n", "the recipe ran twice");
      // before the restart: the phase lines; after: the resumption and the end of the recipe
      assert.match(contmsg, /Select master VM[\s\S]*Contextualization resumed after a server restart/);
      const vm1 = (await server.request("GET", `/infrastructures/${id}/vms/1/contmsg`, { headers: H })).body;
      assert.match(vm1, /TASK \[Append one line\][\s\S]*TASK \[Say done\][\s\S]*done after the wait/);
      assert.match(vm1, /Contextualization finished successfully\./);
      await server.request("DELETE", `/infrastructures/${id}`, { headers: H });
    } finally {
      killGroup();
    }
  },
);

test(
  "stopping the server during a 60 s recipe returns in seconds; the next start resumes the run, the recipe runs once",
  { timeout: 1_200_000 },
  async () => {
    const dataDir = join(rig.dir, "server-data-stop");
    mkdirSync(dataDir);
    const w = rig.workers[0]!;
    const appended = join(w.root, "opt/im-test/appended");
    rmSync(appended, { force: true });
    const radl = printRadl(radlDocument(rigFixture(rig, { recipes: { wn: SLOW_RECIPE } })));
    const first = await startTestServer({ dataDir, cfg: CFG });
    const created = await first.request("POST", "/infrastructures", { headers: H, body: radl });
    assert.equal(created.status, 200, created.body);
    const id = String(created.headers.infid);
    await recipeStarted(appended);
    const stopping = Date.now();
    await first.stop({ keepData: true });
    const seconds = (Date.now() - stopping) / 1000;
    assert.ok(seconds < 30, `stopping waited ${seconds} s for the recipe`);
    const pidFile = join(rig.master.root, "vartmp/.im", id, "run/1/1/step2.pid");
    const workerPid = readFileSync(pidFile, "utf8").split(" ")[0]!;
    assert.ok(existsSync(`/proc/${workerPid}`), "the playbook on the master ended with the server");

    const second = await startTestServer({ dataDir, cfg: CFG });
    try {
      const final = await settledState(second, id);
      const contmsg = (await second.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
      assert.equal(final?.state, "configured", contmsg);
      assert.equal(readFileSync(appended, "utf8"), "appended\n", "the recipe ran twice");
      assert.match(contmsg, /Contextualization resumed after a server restart/);
      assert.doesNotMatch(contmsg, /Contextualization cancelled/);
      await second.request("DELETE", `/infrastructures/${id}`, { headers: H });
    } finally {
      await second.stop();
    }
  },
);

const F5_RECIPE = `
- tasks:
  - name: Make the test directory
    file: path=/opt/im-test state=directory mode=0755
  - name: Mark the start
    shell: touch /opt/im-test/f5-started
  - name: Take a minute
    shell: sleep 60
`;

test(
  "RemoveResource of a VM during contextualization: its processes end, the rest is configured, its log is kept",
  {
    timeout: 1_200_000,
  },
  async () => {
    const w = rig.workers[0]!;
    server ??= await startTestServer({ cfg: CFG });
    const radl = printRadl(radlDocument(rigFixture(rig, { recipes: { wn: F5_RECIPE } })));
    const created = await server.request("POST", "/infrastructures", { headers: H, body: radl });
    assert.equal(created.status, 200, created.body);
    const id = String(created.headers.infid);
    const started = join(w.root, "opt/im-test/f5-started");
    await recipeStarted(started);
    const pidFile = join(rig.master.root, "vartmp/.im", id, "run/1/1/step2.pid");
    const workerPid = readFileSync(pidFile, "utf8").split(" ")[0]!;
    assert.ok(existsSync(`/proc/${workerPid}`));

    const removed = await server.request("DELETE", `/infrastructures/${id}/vms/1`, { headers: H });
    assert.equal(removed.status, 200, removed.body);
    assert.ok(!existsSync(`/proc/${workerPid}`), "the removed VM's playbook still runs on the master");

    const final = await settledState(server, id);
    const contmsg = (await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H })).body;
    assert.ok(final, contmsg);
    assert.deepEqual(final, { state: "configured", vm_states: { "0": "configured" } }, contmsg);
    // the new generation ran on the master only
    const run2 = join(rig.master.root, "vartmp/.im", id, "run/2");
    assert.ok(existsSync(join(run2, "0/basic.json")), "generation 2 did not run on the master");
    assert.ok(!existsSync(join(run2, "1")), "generation 2 ran on the removed VM");
    // the removed VM's log is still in DATA_DB
    const record = await server.servers.store.getInfrastructure(id);
    const vm1 = (record!.data as { vm_list: { im_id: number; cont_out: string }[] }).vm_list.find(
      (v) => v.im_id === 1,
    )!;
    // (the output of its finished steps is not in it yet: step stdout reaches the engine events
    // only as a secret, and a cancelled up returns no outputs)
    assert.match(vm1.cont_out, /Contextualization not finished\./);
    await server.request("DELETE", `/infrastructures/${id}`, { headers: H });
  },
);
