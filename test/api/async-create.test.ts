/**
 * Async CreateInfrastructure (im-api.md §1.7.4, §4.7) against a real listening server: the request
 * answers parse, check and cloud errors as the sync create does, and otherwise returns the id at
 * once; planning runs in a persisted `create` job, whose failure ends the infrastructure `failed`
 * with the cause in its contmsg; a create job a stopped server left before planning is failed on
 * restart (the cloud credentials it needs are not stored); a server stopped during a burst plans the
 * queued creates, cuts the running launch and leaves them all to its next start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseAuthHeader } from "../../compiler/auth/index.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { ownersOf } from "../../api/auth/index.js";
import { loadConfig } from "../../api/config/index.js";
import { openConfiguredStore } from "../../api/store/index.js";
import { toJson, type InfData } from "../../api/operations/record.js";
import { DummyDriver } from "../../providers/dummy/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { AUTH, startTestServer, type TestServer } from "../support/server.js";

/** The Dummy driver, except that it cannot place a system named `broken`. */
class PickyDriver extends DummyDriver {
  override async planVm(vm: PlannedVm, ctx: { infId: string }): Promise<Record<string, JsonValue>> {
    if (vm.system === "broken") throw new Error("no flavour of the picky cloud fits system 'broken'");
    return super.planVm(vm, ctx);
  }
}

const drivers = () => driverRegistry([new PickyDriver()]);
const H = { authorization: AUTH };
const BROKEN =
  "network pub (outbound = 'yes')\nsystem broken (net_interface.0.connection = 'pub')\ndeploy broken 1";
let server: TestServer;

before(async () => {
  server = await startTestServer({ drivers: drivers() });
});
after(async () => {
  await server?.stop();
});

async function stateOf(id: string): Promise<{ state: string; vm_states: Record<string, string> }> {
  const res = await server.request("GET", `/infrastructures/${id}/state`, { headers: H });
  assert.equal(res.status, 200, res.body);
  return (JSON.parse(res.body) as { state: { state: string; vm_states: Record<string, string> } }).state;
}

async function listed(): Promise<string> {
  return (await server.request("GET", "/infrastructures", { headers: H })).body;
}

test("parse, check and cloud errors are answered by the async request itself, as by the sync one", async () => {
  const before = await listed();
  const cases: { body: string; auth?: string; expected: RegExp }[] = [
    { body: "system web (cpu.count >= 1\ndeploy web 1", expected: /<api>:\d+:\d+/ },
    { body: "deploy ghost 1", expected: /ghost/ },
    {
      body: "system web (cpu.count >= 1)\ndeploy web 1",
      auth: "id = im; type = InfrastructureManager; username = alice; password = Wh1te-Rabbit",
      expected: /No cloud credentials were given in the auth data/,
    },
    {
      body: "system web (cpu.count >= 1)\ndeploy web 1 elsewhere",
      expected: /No auth data for cloud with ID: elsewhere/,
    },
  ];
  for (const c of cases) {
    const headers = { authorization: c.auth ?? AUTH };
    const sync = await server.request("POST", "/infrastructures", { headers, body: c.body });
    const async = await server.request("POST", "/infrastructures?async=yes", { headers, body: c.body });
    assert.equal(sync.status, 400, sync.body);
    assert.match(sync.body, c.expected);
    assert.equal(async.status, 400, async.body);
    assert.equal(async.body, sync.body, "async and sync answer the same error");
  }
  assert.equal(await listed(), before, "nothing was stored");
});

test("a planning error of an async create ends the infrastructure failed with the cause in contmsg", async () => {
  const sync = await server.request("POST", "/infrastructures", { headers: H, body: BROKEN });
  assert.equal(sync.status, 400, sync.body);
  assert.match(sync.body, /no flavour of the picky cloud fits system 'broken'/);

  const res = await server.request("POST", "/infrastructures?async=yes", { headers: H, body: BROKEN });
  assert.equal(res.status, 200, res.body);
  const id = String(res.headers.infid);
  assert.ok((await listed()).split("\n").includes(`${server.url}/infrastructures/${id}`));
  await server.servers.service.idle();
  assert.deepEqual(await stateOf(id), { state: "failed", vm_states: {} });
  const contmsg = await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H });
  assert.match(
    contmsg.body,
    /Error creating the infrastructure: no flavour of the picky cloud fits system 'broken'/,
  );
  const jobs = await server.servers.store.listJobs({ infId: id });
  assert.deepEqual(
    jobs.map((j) => [j.kind, j.state, j.error]),
    [["create", "failed", "no flavour of the picky cloud fits system 'broken'"]],
  );
  assert.equal(await server.servers.stacks.stackExists(id), false, "nothing was launched");
});

test("an async create is planned and launched by its jobs", async () => {
  const res = await server.request("POST", "/infrastructures?async=yes", {
    headers: H,
    body: BROKEN.replaceAll("broken", "web").replace("deploy web 1", "deploy web 2"),
  });
  assert.equal(res.status, 200, res.body);
  const id = String(res.headers.infid);
  await server.servers.service.idle();
  assert.deepEqual(await stateOf(id), {
    state: "configured",
    vm_states: { "0": "configured", "1": "configured" },
  });
  const jobs = await server.servers.store.listJobs({ infId: id });
  assert.deepEqual(
    jobs.filter((j) => j.kind !== "ctxt").map((j) => [j.kind, j.state]),
    [
      ["create", "succeeded"],
      ["launch", "succeeded"],
    ],
  );
  assert.equal((await server.request("DELETE", `/infrastructures/${id}`, { headers: H })).status, 200);
});

test("a create job left unplanned by a stopped server ends failed on restart, saying why", async () => {
  const store = server.servers.store;
  const ctx = await server.servers.service.authenticate(parseAuthHeader(AUTH));
  const id = "interrupted-create";
  const data: InfData = {
    id,
    radl: "network pub (outbound = 'yes')\nsystem web (net_interface.0.connection = 'pub')\ndeploy web 1\n",
    extra_info: {},
    cont_out: "",
    configured: null,
    deleting: false,
    adding: false,
    deleted: false,
    creation_date: Math.floor(Date.now() / 1000),
    vm_master: null,
    vm_id: 0,
    system_counter: 0,
    private_networks: {},
    snapshots: [],
    vm_list: [],
  };
  await store.createInfrastructure({
    id,
    owners: await ownersOf(ctx, store.ownerHasher),
    data: toJson(data),
  });
  await store.createJob({ infId: id, kind: "create", holder: "a-server-that-is-gone", state: "running" });
  assert.equal((await stateOf(id)).state, "pending");

  const dataDir = server.dataDir;
  await server.stop({ keepData: true });
  server = await startTestServer({ dataDir, drivers: drivers() });
  await server.servers.service.idle();
  assert.deepEqual(await stateOf(id), { state: "failed", vm_states: {} });
  const contmsg = await server.request("GET", `/infrastructures/${id}/contmsg`, { headers: H });
  assert.match(contmsg.body, /Interrupted by a server restart before its VMs were planned/);
  const [job] = await server.servers.store.listJobs({ infId: id });
  assert.equal(job!.state, "failed");
  assert.match(job!.error ?? "", /cloud credentials are not stored/);
});

test("a server stopped during a burst of async creates leaves the queued launches to its next start", async () => {
  const ONE_VM =
    "network pub (outbound = 'yes')\nsystem web (net_interface.0.connection = 'pub')\ndeploy web 1";
  let burst = await startTestServer({ drivers: drivers(), cfg: { ENGINE_PARALLELISM: 1 } });
  const dataDir = burst.dataDir;
  try {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await burst.request("POST", "/infrastructures?async=yes", { headers: H, body: ONE_VM });
      assert.equal(res.status, 200, res.body);
      ids.push(String(res.headers.infid));
    }
    // stop while the first launch is in the engine and the others wait for its slot
    const store = burst.servers.store;
    for (let i = 0; i < 600; i++) {
      const jobs = await store.listJobs({ states: ["running"] });
      if (jobs.some((j) => j.kind === "launch")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await burst.stop({ keepData: true });

    const config = loadConfig({
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        IM_CONFIG_FILE: join(dataDir, "im.cfg"),
        IM_PATH: dataDir,
      },
      systemFile: join(dataDir, "no-system.cfg"),
    });
    const stopped = await openConfiguredStore(config);
    try {
      const launches = (await stopped.listJobs()).filter((j) => j.kind === "launch");
      assert.equal(launches.length, 5, "every create was planned, with its launch job recorded");
      const unfinished = launches.filter((j) => j.state === "queued" || j.state === "running");
      assert.ok(
        unfinished.length >= 4,
        `the stop waited for launches: ${JSON.stringify(launches.map((j) => j.state))}`,
      );
      assert.ok(!launches.some((j) => j.state === "failed"), "a launch cut by the stop is not failed");
      for (const id of ids) {
        const record = await stopped.getInfrastructure(id);
        assert.equal((record!.data as unknown as InfData).vm_list.length, 1, "the plan's VM is stored");
        assert.equal(typeof record!.secrets.plan, "string", "the plan is stored");
      }
    } finally {
      await stopped.close();
    }

    burst = await startTestServer({ dataDir, drivers: drivers(), cfg: { ENGINE_PARALLELISM: 1 } });
    await burst.servers.service.idle();
    for (const id of ids) {
      const res = await burst.request("GET", `/infrastructures/${id}/state`, { headers: H });
      assert.deepEqual(
        JSON.parse(res.body).state,
        { state: "configured", vm_states: { "0": "configured" } },
        id,
      );
    }
    const jobs = (await burst.servers.store.listJobs()).filter((j) => j.kind !== "ctxt");
    assert.deepEqual(
      jobs.filter((j) => j.state !== "succeeded").map((j) => [j.kind, j.state, j.error]),
      [],
      "every create and launch job ended succeeded",
    );
  } finally {
    await burst.stop();
  }
});
