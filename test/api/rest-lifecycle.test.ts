/**
 * The IM lifecycle through REST on a real loopback server with the Dummy driver and the real
 * engine (im-api §7 rows 28-29, 32, 38-39, 42-43, 45-46, 53, 56-58, 60-67, 74): create sync and
 * async, list, VM list, state, contmsg, radl, VM info and properties, add, remove, alter, power,
 * destroy; then a restart of the same data directory in BOOT_MODE 1 and 2.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AUTH, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
let dataDir: string | undefined;

after(async () => {
  await server?.stop();
});

const H = { authorization: AUTH };
const RADL = `network pub (outbound = 'yes')
system web (
  cpu.count >= 1 and
  memory.size >= 512m and
  net_interface.0.connection = 'pub'
)
deploy web 2`;

async function state(id: string): Promise<{ state: string; vm_states: Record<string, string> }> {
  const res = await server!.request("GET", `/infrastructures/${id}/state`, { headers: H });
  assert.equal(res.status, 200, res.body);
  return (JSON.parse(res.body) as { state: { state: string; vm_states: Record<string, string> } }).state;
}

async function waitFor(id: string, wanted: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(id);
    if (s.state === wanted) return;
    if (Date.now() > end) assert.fail(`state of ${id} is ${s.state}, expected ${wanted}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test(
  "create → list → VMs → state → contmsg → radl → VM info → add → remove → alter → power → destroy",
  { timeout: 600_000 },
  async () => {
    server = await startTestServer();
    dataDir = server.dataDir;
    const request = server.request.bind(server);

    // create, synchronous
    const created = await request("POST", "/infrastructures", { headers: H, body: RADL });
    assert.equal(created.status, 200, created.body);
    assert.equal(created.headers["content-type"], "text/uri-list");
    const id = String(created.headers.infid);
    assert.equal(created.body, `${server.url}/infrastructures/${id}`);

    // list and VM list
    assert.ok(
      (await request("GET", "/infrastructures", { headers: H })).body.split("\n").includes(created.body),
    );
    const vms = await request("GET", `/infrastructures/${id}`, { headers: H });
    assert.equal(vms.body, [0, 1].map((n) => `${created.body}/vms/${n}`).join("\n"));

    // state, contmsg, radl
    assert.deepEqual(await state(id), {
      state: "configured",
      vm_states: { "0": "configured", "1": "configured" },
    });
    const contmsg = await request("GET", `/infrastructures/${id}/contmsg`, { headers: H });
    assert.match(contmsg.body, /VM 0:\n/);
    const header = await request("GET", `/infrastructures/${id}/contmsg?headeronly=yes`, {
      headers: { ...H, accept: "application/json" },
    });
    assert.doesNotMatch((JSON.parse(header.body) as { contmsg: string }).contmsg, /VM 0:/);
    const radl = await request("GET", `/infrastructures/${id}/radl`, { headers: H });
    assert.match(radl.body, /^network pub \(/);
    assert.match(radl.body, /system web \(/);

    // VM info and properties
    const info = await request("GET", `/infrastructures/${id}/vms/0`, { headers: H });
    assert.equal(info.status, 200, info.body);
    assert.match(info.body, /state = 'configured'/);
    assert.match(info.body, /net_interface\.0\.ip = '10\.0\.0\.1'/);
    assert.match(info.body, /disk\.0\.os\.credentials\.username = '/);
    assert.match(info.body, /disk\.0\.os\.credentials\.password = '/);
    const infoJson = await request("GET", `/infrastructures/${id}/vms/0`, {
      headers: { ...H, accept: "application/json" },
    });
    const aspects = (JSON.parse(infoJson.body) as { radl: { class: string }[] }).radl;
    assert.ok(aspects.some((a) => a.class === "system"));
    assert.equal(
      (await request("GET", `/infrastructures/${id}/vms/1/state`, { headers: H })).body,
      "configured",
    );
    const ip = await request("GET", `/infrastructures/${id}/vms/1/net_interface.0.ip`, {
      headers: { ...H, accept: "application/json" },
    });
    assert.deepEqual(JSON.parse(ip.body), { "net_interface.0.ip": "10.0.0.1" });
    // sizes come back in the base unit, as the reference's getValue: 512m → bytes (M is decimal)
    const memory = await request("GET", `/infrastructures/${id}/vms/1/memory.size`, { headers: H });
    assert.equal(memory.body, String(512e6));
    const memoryJson = await request("GET", `/infrastructures/${id}/vms/1/memory.size`, {
      headers: { ...H, accept: "application/json" },
    });
    assert.deepEqual(JSON.parse(memoryJson.body), { "memory.size": 512e6 });
    const missing = await request("GET", `/infrastructures/${id}/vms/1/no.such.feature`, { headers: H });
    assert.equal(missing.status, 404);
    assert.equal(missing.body, "Incorrect property no.such.feature for VM ID 1");
    assert.equal((await request("GET", `/infrastructures/${id}/vms/7`, { headers: H })).status, 404);

    // add one VM by reference, without contextualization: it stays running and gets id 2
    const added = await request("POST", `/infrastructures/${id}?context=0`, {
      headers: H,
      body: "network pub\nsystem web\ndeploy web 1",
    });
    assert.equal(added.status, 200, added.body);
    assert.equal(added.body, `${created.body}/vms/2`);
    assert.equal(added.headers.infid, undefined);
    assert.equal((await state(id)).vm_states["2"], "running");
    // a bare deploy of a stored system is enough (im-api §1.7.7): it gets id 3
    const bare = await request("POST", `/infrastructures/${id}?context=0`, {
      headers: H,
      body: "deploy web 1",
    });
    assert.equal(bare.status, 200, bare.body);
    assert.equal(bare.body, `${created.body}/vms/3`);
    const unknownRef = await request("POST", `/infrastructures/${id}`, {
      headers: H,
      body: "system nothere\ndeploy nothere 1",
    });
    assert.equal(unknownRef.status, 400);
    assert.match(unknownRef.body, /Unknown reference in RADL/);

    // remove 0, 2 and 3: ids are never reused
    const removed = await request("DELETE", `/infrastructures/${id}/vms/0,2,3?context=0`, { headers: H });
    assert.equal(removed.status, 200, removed.body);
    assert.equal(removed.body, "");
    assert.equal(
      (await request("GET", `/infrastructures/${id}`, { headers: H })).body,
      `${created.body}/vms/1`,
    );
    const deleted = await request("GET", `/infrastructures/${id}/vms/0`, { headers: H });
    assert.equal(deleted.status, 404);
    assert.equal(deleted.body, "Error Getting VM. info: Deleted VM.");

    // alter: same system name resizes, another name is 400
    const altered = await request("PUT", `/infrastructures/${id}/vms/1`, {
      headers: H,
      body: "system web (cpu.count >= 2)",
    });
    assert.equal(altered.status, 200, altered.body);
    assert.match(altered.body, /cpu\.count >= 2/);
    const wrong = await request("PUT", `/infrastructures/${id}/vms/1`, {
      headers: H,
      body: "system other (cpu.count >= 2)",
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body, "Error modifying resources: Incorrect RADL no system with name web provided.");

    // power
    assert.equal((await request("PUT", `/infrastructures/${id}/vms/1/stop`, { headers: H })).status, 200);
    assert.equal((await state(id)).vm_states["1"], "stopped");
    assert.equal((await request("PUT", `/infrastructures/${id}/start`, { headers: H })).status, 200);
    assert.equal((await state(id)).vm_states["1"], "configured");
    assert.equal((await request("PUT", `/infrastructures/${id}/vms/1/reboot`, { headers: H })).status, 200);
    const snap = await request(
      "PUT",
      `/infrastructures/${id}/vms/1/disks/0/snapshot?image_name=x&auto_delete=yes`,
      { headers: H },
    );
    assert.equal(snap.status, 200, snap.body);
    assert.match(snap.body, /x$/);
    assert.equal(
      (await request("PUT", `/infrastructures/${id}/vms/1/disks/0/snapshot`, { headers: H })).body,
      "Parameter image_name required.",
    );

    // async create reads pending at once, then configured
    const t0 = Date.now();
    const asyncCreated = await request("POST", "/infrastructures?async=yes", {
      headers: { ...H, accept: "application/json" },
      body: RADL.replace("deploy web 2", "deploy web 1"),
    });
    assert.equal(asyncCreated.status, 200, asyncCreated.body);
    assert.ok(Date.now() - t0 < 5_000, `async create took ${Date.now() - t0} ms`);
    const asyncId = String(asyncCreated.headers.infid);
    assert.deepEqual(JSON.parse(asyncCreated.body), { uri: `${server.url}/infrastructures/${asyncId}` });
    assert.equal((await state(asyncId)).state, "pending");
    await waitFor(asyncId, "configured");

    // destroy: sync for one, async for the other (deleting, then 404)
    const destroyed = await request("DELETE", `/infrastructures/${id}`, { headers: H });
    assert.equal(destroyed.status, 200, destroyed.body);
    assert.equal(destroyed.body, "");
    assert.equal((await request("GET", `/infrastructures/${id}/state`, { headers: H })).status, 404);
    assert.equal(await server.servers.stacks.stackExists(id), false);
    const asyncDestroy = await request("DELETE", `/infrastructures/${asyncId}?async=1`, { headers: H });
    assert.equal(asyncDestroy.status, 200);
    const during = await request("GET", `/infrastructures/${asyncId}/state`, { headers: H });
    if (during.status === 200)
      assert.equal((JSON.parse(during.body) as { state: { state: string } }).state.state, "deleting");
    await server.servers.service.idle();
    assert.equal((await request("GET", `/infrastructures/${asyncId}/state`, { headers: H })).status, 404);
    const jobs = await server.servers.store.listJobs({ states: ["queued", "running"] });
    assert.deepEqual(jobs, [], "no job left unfinished");
  },
);

test(
  "restart on the same data in BOOT_MODE 1 and 2: reads work, changes are refused, delete only in mode 2",
  { timeout: 300_000 },
  async () => {
    assert.ok(server && dataDir);
    const created = await server.request("POST", "/infrastructures", {
      headers: H,
      body: "description d (name = 'kept')",
    });
    const id = String(created.headers.infid);
    const handedOver = await server.request("POST", "/infrastructures", {
      headers: H,
      body: "description d (name = 'handed over')",
    });
    const id2 = String(handedOver.headers.infid);
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir, cfg: { BOOT_MODE: 1 } });
    const request = server.request.bind(server);
    assert.ok(
      (await request("GET", "/infrastructures", { headers: H })).body.includes(id),
      "kept across the restart",
    );
    assert.equal((await request("GET", `/infrastructures/${id}/state`, { headers: H })).status, 200);
    const refusals: [string, string, string][] = [
      ["POST", "/infrastructures", "Error Creating Inf.: "],
      ["POST", `/infrastructures/${id}`, "Error Adding resources: "],
      ["DELETE", `/infrastructures/${id}/vms/0`, "Error Removing resources: "],
      ["PUT", `/infrastructures/${id}/start`, "Error in start operation: "],
      ["PUT", `/infrastructures/${id}/reconfigure`, "Error reconfiguring infrastructure: "],
      ["PUT", "/infrastructures", "Error Importing Inf.: "],
      ["DELETE", `/infrastructures/${id}`, "Error Destroying Inf: "],
    ];
    const before = await server.servers.store.listInfrastructures({ includeDeleted: true });
    // The gate comes before the credential check (im-api §5.7): bad credentials are refused as disabled too.
    const badCredentials = "id = dummy; type = Dummy";
    assert.equal(
      (await request("GET", "/infrastructures", { headers: { authorization: badCredentials } })).status,
      401,
    );
    for (const [method, path, prefix] of refusals) {
      for (const authorization of [AUTH, badCredentials]) {
        const res = await request(method, path, {
          headers: { authorization },
          body: method === "PUT" && path === "/infrastructures" ? "{}" : "",
        });
        assert.equal(res.status, 403, `${method} ${path}: ${res.body}`);
        assert.equal(res.body, `${prefix}Function currently disabled.`);
      }
    }
    // Export with delete: DisabledFunction is 400 on the property routes (im-api §1.4.3); plain export works
    const exportDelete = await request("GET", `/infrastructures/${id2}/data?delete=yes`, { headers: H });
    assert.equal(exportDelete.status, 400, exportDelete.body);
    assert.equal(exportDelete.body, "Error Getting Inf. prop: Function currently disabled.");
    assert.equal((await request("GET", `/infrastructures/${id2}/data`, { headers: H })).status, 200);
    assert.deepEqual(await server.servers.store.listInfrastructures({ includeDeleted: true }), before);
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir, cfg: { BOOT_MODE: 2 } });
    assert.equal((await server.request("POST", "/infrastructures", { headers: H })).status, 403);
    const handOver = await server.request("GET", `/infrastructures/${id2}/data?delete=yes`, { headers: H });
    assert.equal(handOver.status, 200, handOver.body);
    assert.equal((await server.request("GET", `/infrastructures/${id2}/state`, { headers: H })).status, 404);
    const del = await server.request("DELETE", `/infrastructures/${id}`, { headers: H });
    assert.equal(del.status, 200, del.body);
    assert.equal((await server.request("GET", `/infrastructures/${id}/state`, { headers: H })).status, 404);
  },
);
