/**
 * Server options on a real loopback server: REST_ROOT_PATH (routes under the prefix and bare,
 * generated URIs with the prefix), ENABLE_CORS headers on every response (§7 rows 11-12), and
 * dry_run estimates that create nothing (§7 row 34), REST_BLOCKING_CALL_TIMEOUT (504, the operation goes on).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AUTH, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;

before(async () => {
  server = await startTestServer({
    cfg: {
      REST_ROOT_PATH: "/im",
      ENABLE_CORS: true,
      CORS_ORIGIN: "https://dash.example.org",
      REST_BLOCKING_CALL_TIMEOUT: 2,
    },
  });
});

after(async () => {
  await server?.stop();
});

test("REST_ROOT_PATH: routes answer under the prefix and without it; URIs carry the prefix", async () => {
  const created = await server.request("POST", "/im/infrastructures", { headers: { authorization: AUTH } });
  assert.equal(created.status, 200, created.body);
  const id = String(created.headers.infid);
  assert.equal(created.body, `${server.url}/im/infrastructures/${id}`);
  const bare = await server.request("GET", "/infrastructures", { headers: { authorization: AUTH } });
  assert.equal(bare.body, `${server.url}/im/infrastructures/${id}`);
  assert.equal((await server.request("GET", "/im/version")).status, 200);
  assert.equal(
    (await server.request("GET", "/im//infrastructures/", { headers: { authorization: AUTH } })).status,
    200,
  );
});

test("ENABLE_CORS: the Access-Control headers are on successes, errors and OPTIONS", async () => {
  for (const res of [
    await server.request("GET", "/im/version"),
    await server.request("GET", "/im/infrastructures"),
    await server.request("OPTIONS", "/im/infrastructures"),
  ]) {
    assert.equal(res.headers["access-control-allow-origin"], "https://dash.example.org");
    assert.equal(res.headers["access-control-allow-methods"], "PUT, GET, POST, DELETE, OPTIONS");
    assert.equal(res.headers["access-control-allow-headers"], "Origin, Accept, Content-Type, Authorization");
    assert.equal(res.headers["access-control-expose-headers"], "InfID");
  }
});

test("dry_run estimates per cloud id and creates nothing, with no InfID", async () => {
  const before = await server.servers.store.listInfrastructures({ includeDeleted: true });
  const res = await server.request("POST", "/im/infrastructures?dry_run=yes", {
    headers: { authorization: AUTH },
    body: "network pub (outbound = 'yes')\nsystem web (cpu.count >= 2 and memory.size >= 2g and net_interface.0.connection = 'pub')\ndeploy web 2",
  });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(res.headers.infid, undefined);
  const estimate = JSON.parse(res.body) as Record<
    string,
    { cloudType: string; compute: unknown[]; storage: unknown[] }
  >;
  assert.deepEqual(Object.keys(estimate), ["dummy"]);
  assert.equal(estimate.dummy!.cloudType, "Dummy");
  // 2g is 2·10^9 bytes: RADL ≥ 1.3.4 units are decimal (spec radl.md §1.8), so 2000 MB.
  assert.deepEqual(estimate.dummy!.compute, [
    { cpuCores: 2, memoryInMegabytes: 2000 },
    { cpuCores: 2, memoryInMegabytes: 2000 },
  ]);
  const empty = await server.request("POST", "/im/infrastructures?dry_run=1", {
    headers: { authorization: AUTH },
    body: "system web",
  });
  assert.deepEqual(JSON.parse(empty.body), {});
  assert.deepEqual(await server.servers.store.listInfrastructures({ includeDeleted: true }), before);
});

test(
  "REST_BLOCKING_CALL_TIMEOUT: a create slower than the limit answers 504 and still completes",
  { timeout: 180_000 },
  async () => {
    const H = { authorization: AUTH };
    const res = await server.request("POST", "/im/infrastructures", {
      headers: H,
      body: "network pub (outbound = 'yes')\nsystem web (net_interface.0.connection = 'pub')\ndeploy web 1",
    });
    assert.equal(res.status, 504, res.body);
    assert.equal(res.body, "Operation timed out");
    let id: string | undefined;
    const end = Date.now() + 120_000;
    for (;;) {
      const ids = (await server.servers.store.listInfrastructures()).map((s) => s.id);
      for (const candidate of ids) {
        const st = await server.request("GET", `/im/infrastructures/${candidate}/state`, { headers: H });
        if (
          st.status === 200 &&
          (JSON.parse(st.body) as { state: { state: string } }).state.state === "configured"
        ) {
          id = candidate;
        }
      }
      if (id || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(id, "the create went on after the 504 and ended configured");
    const del = await server.request("DELETE", `/im/infrastructures/${id}?async=yes`, { headers: H });
    assert.equal(del.status, 200, del.body);
    await server.servers.service.idle();
  },
);
