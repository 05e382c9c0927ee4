/**
 * Transport, negotiation and bad input against a real listening server (im-api §1, §7 rows 1-12,
 * 28-37, 49-52, 62, 68, 71-75). Only infrastructures without deploys are created here, so no
 * engine run is needed; each refusal leaves the store as it was.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AUTH, OTHER_AUTH, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let infId: string;

before(async () => {
  server = await startTestServer();
  const created = await server.request("POST", "/infrastructures", { headers: { authorization: AUTH } });
  assert.equal(created.status, 200, created.body);
  infId = String(created.headers.infid);
});

after(async () => {
  await server?.stop();
});

const get = (path: string, headers: Record<string, string | undefined> = {}) =>
  server.request("GET", path, { headers: { authorization: AUTH, ...headers } });

async function storedIds(): Promise<string[]> {
  return (await server.servers.store.listInfrastructures({ includeDeleted: true })).map((s) => s.id);
}

test("GET /version: no auth, text by default, JSON {version} with exactly application/json", async () => {
  const text = await server.request("GET", "/version");
  assert.equal(text.status, 200);
  assert.equal(text.headers["content-type"], "text/plain");
  assert.match(text.body, /^\d+\.\d+\.\d+$/);
  const json = await server.request("GET", "/version", { headers: { accept: "application/json" } });
  assert.equal(json.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(json.body), { version: text.body });
});

test("GET / serves the OpenAPI description generated from the route table", async () => {
  const res = await server.request("GET", "/");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/json");
  const doc = JSON.parse(res.body) as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, object>;
  };
  assert.equal(doc.openapi, "3.0.3");
  assert.equal(doc.servers[0]!.url, server.url);
  assert.ok(doc.paths["/infrastructures/{infId}/state"]);
  assert.ok(doc.paths["/infrastructures/{infId}/vms/{vmId}"]);
});

test("missing auth: 401 `No authentication data provided` before the body is looked at, in the three formats", async () => {
  const before = await storedIds();
  const plain = await server.request("POST", "/infrastructures", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "a=b",
  });
  assert.equal(plain.status, 401);
  assert.equal(plain.headers["content-type"], "text/plain");
  assert.equal(plain.body, "No authentication data provided");
  const json = await server.request("GET", "/infrastructures", { headers: { accept: "application/json" } });
  assert.equal(json.status, 401);
  assert.equal(json.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(json.body), { message: "No authentication data provided", code: 401 });
  const html = await server.request("GET", "/infrastructures", { headers: { accept: "text/html" } });
  assert.equal(html.headers["content-type"], "text/html");
  assert.match(html.body, /Code: 401\./);
  assert.match(html.body, /No authentication data provided/);
  assert.deepEqual(await storedIds(), before);
});

test("malformed auth lines and a missing IM item are refused with 401", async () => {
  const malformed = await get("/infrastructures", { authorization: "id = 1abc; type = Dummy" });
  assert.equal(malformed.status, 401, malformed.body);
  const noIm = await get("/infrastructures", { authorization: "id = dummy; type = Dummy" });
  assert.equal(noIm.status, 401);
  assert.equal(noIm.body, "Error Getting Inf. List: No credentials provided for the InfrastructureManager.");
  const openid = await get("/infrastructures", {
    authorization: "type = InfrastructureManager; username = __OPENID__x; password = y",
  });
  assert.equal(openid.status, 401);
  assert.match(openid.body, /Invalid username used for the InfrastructureManager\./);
});

test("an HTML error page escapes the message (§8.2)", async () => {
  const res = await get("/infrastructures", { accept: "text/html, image/<script>" });
  assert.equal(res.status, 415);
  assert.equal(res.headers["content-type"], "text/html");
  assert.ok(!res.body.includes("<script>"));
  assert.match(res.body, /&lt;script&gt;/);
});

test("list: caller's URIs, JSON uri-list, another owner sees none, a 40 KiB header is accepted", async () => {
  const text = await get("/infrastructures");
  assert.equal(text.status, 200);
  assert.equal(text.headers["content-type"], "text/uri-list");
  assert.equal(text.body, `${server.url}/infrastructures/${infId}`);
  const json = await get("/infrastructures", { accept: "application/json" });
  assert.deepEqual(JSON.parse(json.body), {
    "uri-list": [{ uri: `${server.url}/infrastructures/${infId}` }],
  });
  const other = await get("/infrastructures", { authorization: OTHER_AUTH, accept: "application/json" });
  assert.deepEqual(JSON.parse(other.body), { "uri-list": [] });
  const otherText = await get("/infrastructures", { authorization: OTHER_AUTH });
  assert.equal(otherText.body, "");
  const pem = `-----BEGIN RSA PRIVATE KEY-----\\n${"A".repeat(64)}\\n`.repeat(600);
  const big = `${AUTH}\\nid = ost; type = OpenStack; host = https://k.example.org:5000; username = u; password = p; tenant = t; proxy = '${pem}'`;
  assert.ok(big.length > 40 * 1024);
  const large = await get("/infrastructures", { authorization: big });
  assert.equal(large.status, 200, large.body.slice(0, 200));
  assert.equal(large.body, text.body);
});

test("duplicate and trailing slashes, forwarded headers and a filter", async () => {
  assert.equal((await get("//infrastructures")).body, `${server.url}/infrastructures/${infId}`);
  assert.equal((await get("/infrastructures/")).body, `${server.url}/infrastructures/${infId}`);
  const proxied = await get("/infrastructures", {
    "x-forwarded-proto": "https",
    "x-forwarded-host": "im.example.org",
    "x-forwarded-prefix": "/im",
  });
  assert.equal(proxied.body, `https://im.example.org/im/infrastructures/${infId}`);
  assert.equal((await get("/infrastructures?filter=nothing-matches-this")).body, "");
});

test("Accept negotiation: order wins, */* and text/* give the default, nothing acceptable is 415", async () => {
  const list = await get("/infrastructures", { accept: "image/png, application/json;q=0.1" });
  assert.equal(list.headers["content-type"], "application/json");
  assert.equal((await get("/infrastructures", { accept: "*/*" })).headers["content-type"], "text/uri-list");
  assert.equal(
    (await get("/infrastructures", { accept: "text/*" })).headers["content-type"],
    "text/uri-list",
  );
  const bad = await get("/infrastructures", { accept: "image/png" });
  assert.equal(bad.status, 415);
  assert.equal(bad.body, "Unsupported Accept Media Types: image/png");
  const state = await get(`/infrastructures/${infId}/state`, { accept: "text/plain" });
  assert.equal(state.status, 415);
  assert.match(state.body, /^Unsupported Accept Media Types: \['text\/plain'\]$/);
});

test("an infrastructure without deploy reads failed, says so in contmsg, and has no VMs", async () => {
  const state = await get(`/infrastructures/${infId}/state`);
  assert.equal(state.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(state.body), { state: { state: "failed", vm_states: {} } });
  const contmsg = await get(`/infrastructures/${infId}/contmsg`);
  assert.match(contmsg.body, /Infrastructure without any deploy\. Exiting\./);
  assert.equal((await get(`/infrastructures/${infId}`)).body, "");
  const radl = await get(`/infrastructures/${infId}/radl`, { accept: "application/json" });
  assert.deepEqual(JSON.parse(radl.body), { radl: "" });
});

test("another owner's infrastructure is 403 and unknown ids are 404, with the route prefix", async () => {
  const forbidden = await get(`/infrastructures/${infId}/radl`, { authorization: OTHER_AUTH });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body, "Error Getting Inf. prop: Access to this infrastructure not granted.");
  const del = await server.request("DELETE", `/infrastructures/${infId}`, {
    headers: { authorization: OTHER_AUTH },
  });
  assert.equal(del.status, 403);
  const unknown = await get("/infrastructures/does-not-exist/radl", { accept: "application/json" });
  assert.equal(unknown.status, 404);
  assert.deepEqual(JSON.parse(unknown.body), {
    message: "Error Getting Inf. prop: Invalid infrastructure ID or access not granted.",
    code: 404,
  });
  assert.equal((await get(`/infrastructures/${infId}/nonsense`)).status, 404);
  assert.equal((await get(`/infrastructures/${infId}/nonsense`)).body, "Incorrect infrastructure property");
  const vm = await get(`/infrastructures/${infId}/vms/abc`);
  assert.equal(vm.status, 404);
  assert.equal(vm.body, "Error Getting VM. info: Invalid VM ID");
  const op = await server.request("PUT", `/infrastructures/${infId}/vms/0/explode`, {
    headers: { authorization: AUTH },
  });
  assert.equal(op.status, 404);
  assert.equal((await get(`/infrastructures/${infId}/tosca`)).status, 403);
  assert.equal((await get(`/infrastructures/${infId}/outputs`)).status, 403);
  assert.equal((await server.request("PATCH", "/infrastructures")).status, 405);
  assert.equal((await server.request("GET", "/nothing/here")).status, 404);
});

test("bad RADL is 400 with line and column; wrong content types 415; bad booleans 400; store unchanged", async () => {
  const before = await storedIds();
  const radl = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH },
    body: "network pub (outbound = 'yes')\nsystem web (\n  cpu.count >= \n)\n",
  });
  assert.equal(radl.status, 400);
  assert.match(radl.body, /^Error Creating Inf\.: <api>:\d+:\d+: error E-/);
  const json = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH, "content-type": "application/json" },
    body: '[{"class": "system", "id": 3}]',
  });
  assert.equal(json.status, 400);
  assert.match(json.body, /^Error Creating Inf\.: /);
  const form = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH, "content-type": "application/x-www-form-urlencoded" },
    body: "system x",
  });
  assert.equal(form.status, 415);
  assert.equal(form.body, "Unsupported Media Type ['application/x-www-form-urlencoded']");
  const importForm = await server.request("PUT", "/infrastructures", {
    headers: { authorization: AUTH, "content-type": "text/plain" },
    body: "{}",
  });
  assert.equal(importForm.status, 415);
  const maybe = await server.request("POST", "/infrastructures?async=maybe", {
    headers: { authorization: AUTH },
  });
  assert.equal(maybe.status, 400);
  assert.equal(maybe.body, "Incorrect value in async parameter");
  const badImport = await server.request("PUT", "/infrastructures", {
    headers: { authorization: AUTH },
    body: "{",
  });
  assert.equal(badImport.status, 400);
  assert.match(
    badImport.body,
    /^Error Importing Inf\.: Error importing the infrastructure, incorrect data: /,
  );
  assert.deepEqual(await storedIds(), before);
});

test("an oversized body is 413 and creates nothing", async () => {
  const before = await storedIds();
  const res = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH },
    body: Buffer.alloc(17 * 1024 * 1024, 0x20),
  });
  assert.equal(res.status, 413);
  assert.deepEqual(await storedIds(), before);
});

test("empty JSON body is an empty RADL; owners: list, append, overwrite", async () => {
  const created = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH, "content-type": "application/json", accept: "application/json" },
    body: "",
  });
  assert.equal(created.status, 200, created.body);
  assert.equal(created.headers["content-type"], "application/json");
  const id = String(created.headers.infid);
  assert.deepEqual(JSON.parse(created.body), { uri: `${server.url}/infrastructures/${id}` });
  assert.equal((await get(`/infrastructures/${id}/authorization`)).body, "alice");
  const add = await server.request("POST", `/infrastructures/${id}/authorization`, {
    headers: { authorization: AUTH },
    body: JSON.stringify({ username: "bob", password: "Qu33n" }),
  });
  assert.equal(add.status, 200, add.body);
  assert.equal(add.body, "");
  const owners = await get(`/infrastructures/${id}/authorization`, { accept: "application/json" });
  assert.deepEqual(JSON.parse(owners.body), { authorization: ["alice", "bob"] });
  assert.equal((await get(`/infrastructures/${id}/radl`, { authorization: OTHER_AUTH })).status, 200);
  const over = await server.request("POST", `/infrastructures/${id}/authorization?overwrite=1`, {
    headers: { authorization: AUTH },
    body: JSON.stringify({ username: "bob", password: "Qu33n" }),
  });
  assert.equal(over.status, 200);
  assert.equal((await get(`/infrastructures/${id}/radl`)).status, 403, "alice lost access");
  const bad = await server.request("POST", `/infrastructures/${id}/authorization`, {
    headers: { authorization: OTHER_AUTH, "content-type": "text/plain" },
    body: "{}",
  });
  assert.equal(bad.status, 415);
});

test("export then import keeps the id; export with delete makes it 404", async () => {
  const created = await server.request("POST", "/infrastructures", {
    headers: { authorization: AUTH },
    body: "description d (name = 'exported')",
  });
  const id = String(created.headers.infid);
  const exported = await get(`/infrastructures/${id}/data?delete=yes`);
  assert.equal(exported.status, 200, exported.body);
  assert.equal(exported.headers["content-type"], "application/json");
  const data = (JSON.parse(exported.body) as { data: string }).data;
  const parsed = JSON.parse(data) as Record<string, unknown>;
  for (const key of ["id", "auth", "radl", "extra_info", "vm_list", "cont_out", "deleted", "creation_date"]) {
    assert.ok(key in parsed, key);
  }
  assert.equal((await get(`/infrastructures/${id}/radl`)).status, 404);
  const imported = await server.request("PUT", "/infrastructures", {
    headers: { authorization: OTHER_AUTH },
    body: data,
  });
  assert.equal(imported.status, 200, imported.body);
  assert.equal(imported.body, `${server.url}/infrastructures/${id}`);
  assert.equal(
    (await get(`/infrastructures/${id}/authorization`, { authorization: OTHER_AUTH })).body,
    "bob",
  );
  assert.match(
    (await get(`/infrastructures/${id}/radl`, { authorization: OTHER_AUTH })).body,
    /name = 'exported'/,
  );
  const again = await server.request("PUT", "/infrastructures", {
    headers: { authorization: OTHER_AUTH },
    body: data,
  });
  assert.equal(again.status, 400);
  assert.equal(again.body, "Error Importing Inf.: Trying to add an existing infrastructure ID.");
});

test("clouds: Dummy images and quotas, filters, unknown cloud id; stats JSON and CSV", async () => {
  const images = await get("/clouds/dummy/images?filters=region=r1");
  assert.equal(images.status, 200, images.body);
  const list = (JSON.parse(images.body) as { images: { uri: string; name: string }[] }).images;
  assert.ok(list.length > 0 && list.every((i) => typeof i.uri === "string" && typeof i.name === "string"));
  assert.equal((await get("/clouds/dummy/images?filters=bad")).body, "Invalid format in filters parameter.");
  assert.equal((await get("/clouds/dummy/images", { accept: "text/plain" })).status, 415);
  const quotas = await get("/clouds/dummy/quotas");
  assert.deepEqual((JSON.parse(quotas.body) as { quotas: { cores: unknown } }).quotas.cores, {
    used: 1,
    limit: 10,
  });
  const unknown = await get("/clouds/nope/quotas");
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body, "Error getting cloud info: Cloud ID nope not found.");
  const stats = await get("/stats");
  const records = (JSON.parse(stats.body) as { stats: { inf_id: string; deleted: boolean }[] }).stats;
  assert.ok(records.some((r) => r.inf_id === infId && r.deleted === false));
  const csv = await get("/stats", { accept: "text/csv" });
  assert.equal(csv.headers["content-type"], "text/csv");
  assert.equal(
    csv.body.split("\r\n")[0],
    "creation_date,tosca_name,vm_count,cpu_count,memory_size,cloud_type,cloud_host,hybrid,deleted,im_user,inf_id,last_date",
  );
  assert.equal((await get("/stats?init_date=2024-13-01")).status, 400);
  assert.equal((await get("/stats", { accept: "image/png" })).status, 415);
});

test("OPTIONS answers 200; /oai without its options is 400; reconfigure vm_list is checked", async () => {
  assert.equal((await server.request("OPTIONS", "/infrastructures/x/y")).status, 200);
  const oai = await server.request("GET", "/oai");
  assert.equal(oai.status, 400);
  assert.equal(oai.body, "OAI-PMH not enabled.");
  const bad = await server.request("PUT", `/infrastructures/${infId}/reconfigure?vm_list=a`, {
    headers: { authorization: AUTH },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body, "Error reconfiguring infrastructure: Incorrect vm_list format.");
  // the RADL is parsed before the infrastructure is looked up: its error wins over an unknown id
  const unparsable = await server.request("PUT", "/infrastructures/no-such-id/reconfigure", {
    headers: { authorization: AUTH },
    body: "system web (\n  cpu.count >= \n)\n",
  });
  assert.equal(unparsable.status, 400, unparsable.body);
  assert.match(unparsable.body, /^Error reconfiguring infrastructure: <api>:\d+:\d+: error E-/);
  const ok = await server.request("PUT", `/infrastructures/${infId}/reconfigure`, {
    headers: { authorization: AUTH },
  });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.headers.infid, infId);
});
