/**
 * Conformance details on a real listening server (Dummy driver, real engine): GetVMProperty of a
 * `contains` feature over REST and XML-RPC (im-api.md §1.3, im-xmlrpc.md GetVMProperty), the
 * OAI-PMH endpoint when its options are set (§1.7.28), and the clear 501 answers for what this
 * server does not implement: TOSCA bodies, the reverse-SSH `command` route (§9.5) and the OAI-PMH
 * record verbs.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "../../api/xmlrpc/index.js";
import { AUTH, send, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let infId: string;
const H = { authorization: AUTH };

const RADL = `network net ()
system web (
  cpu.count >= 1 and
  net_interface.0.connection = 'net' and
  disk.0.image.url = 'mock0://linux/image' and
  disk.0.applications contains (name = 'nginx' and version = '1.2') and
  disk.0.applications contains (name = 'mysql')
)
deploy web 1
`;

before(async () => {
  server = await startTestServer({
    cfg: {
      OAIPMH_REPO_BASE_IDENTIFIER_URL: "https://github.com/grycap/tosca/blob/main/templates/",
      OAIPMH_REPO_NAME: "Probe templates",
      OAIPMH_REPO_DESCRIPTION: "Templates <for> tests",
      OAIPMH_REPO_ADMIN_EMAIL: "admin@example.org",
    },
  });
  const created = await server.request("POST", "/infrastructures", { headers: H, body: RADL });
  assert.equal(created.status, 200, created.body);
  infId = String(created.headers.infid);
});

after(async () => {
  await server?.stop();
});

test("GetVMProperty of a `contains` feature: RADL text, the simple JSON form, an XML-RPC struct", async () => {
  const path = `/infrastructures/${infId}/vms/0/disk.0.applications`;
  const text = await server.request("GET", path, { headers: H });
  assert.equal(text.status, 200, text.body);
  assert.match(text.headers["content-type"] as string, /^text\/plain/);
  assert.equal(
    text.body,
    "disk.0.applications contains (name = 'nginx' and\nversion = '1.2') and\n" +
      "disk.0.applications contains (name = 'mysql')",
  );
  const json = await server.request("GET", path, { headers: { ...H, accept: "application/json" } });
  assert.equal(json.status, 200, json.body);
  assert.equal(json.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(json.body), {
    "disk.0.applications": { nginx: { name: "nginx", version: "1.2" }, mysql: { name: "mysql" } },
  });
  const auth: XmlRpcValue = [
    { type: "InfrastructureManager", username: "alice", password: "Wh1te-Rabbit" },
    { id: "dummy", type: "Dummy" },
  ];
  const rpc = await send(server.servers.xmlrpcUrl!, "POST", "/RPC2", {
    headers: { "content-type": "text/xml" },
    body: encodeMethodCall("GetVMProperty", [infId, "0", "disk.0.applications", auth]),
  });
  assert.equal(rpc.status, 200);
  assert.deepEqual(decodeMethodResponse(rpc.body), {
    fault: false,
    value: [true, { nginx: { name: "nginx", version: "1.2" }, mysql: { name: "mysql" } }],
  });
});

test("TOSCA bodies: 501 naming what is not supported, after the credentials are checked", async () => {
  const tosca = "tosca_definitions_version: tosca_simple_yaml_1_0\ntopology_template: {}\n";
  for (const type of ["text/yaml", "application/yaml", "text/x-yaml; charset=utf-8"]) {
    const res = await server.request("POST", "/infrastructures", {
      headers: { ...H, "content-type": type },
      body: tosca,
    });
    assert.equal(res.status, 501, `${type}: ${res.body}`);
    assert.equal(
      res.body,
      "TOSCA documents (Content-Type: text/yaml) are not supported by this server: send RADL (text/plain) or RADL-JSON (application/json).",
    );
  }
  const add = await server.request("POST", `/infrastructures/${infId}`, {
    headers: { ...H, "content-type": "text/yaml", accept: "application/json" },
    body: tosca,
  });
  assert.equal(add.status, 501);
  assert.equal(JSON.parse(add.body).code, 501);
  const anonymous = await server.request("POST", "/infrastructures", {
    headers: { "content-type": "text/yaml" },
    body: tosca,
  });
  assert.equal(anonymous.status, 401, "auth is checked first");
  const vms = await server.request("GET", `/infrastructures/${infId}`, { headers: H });
  assert.equal(vms.body.split("\n").length, 1, "nothing was added");
});

test("the reverse-SSH command route: 501 naming it; a bad step is 400; an unknown VM is still 404", async () => {
  const res = await server.request("GET", `/infrastructures/${infId}/vms/0/command?step=1`, { headers: H });
  assert.equal(res.status, 501);
  assert.equal(
    res.body,
    "The reverse-SSH command route (SSH_REVERSE_TUNNELS) is not supported by this server (im-api.md §9.5).",
  );
  const bad = await server.request("GET", `/infrastructures/${infId}/vms/0/command?step=x`, { headers: H });
  assert.equal(bad.status, 400);
  assert.equal(bad.body, "Incorrect value in step parameter");
  const unknown = await server.request("GET", `/infrastructures/${infId}/vms/7/command`, { headers: H });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body, "Error Getting VM. property: Invalid VM ID");
});

test("OAI-PMH when enabled: Identify, ListMetadataFormats (POST form), ListSets, badVerb; record verbs 501", async () => {
  const identify = await server.request("GET", "/oai?verb=Identify");
  assert.equal(identify.status, 200, identify.body);
  assert.match(identify.headers["content-type"] as string, /^text\/xml/);
  assert.match(
    identify.body,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<OAI-PMH xmlns="http:\/\/www\.openarchives\.org\/OAI\/2\.0\/"/,
  );
  assert.match(identify.body, /<repositoryName>Probe templates<\/repositoryName>/);
  assert.match(identify.body, new RegExp(`<baseURL>${server.url}/oai</baseURL>`));
  assert.match(identify.body, /<protocolVersion>2\.0<\/protocolVersion>/);
  assert.match(identify.body, /<granularity>YYYY-MM-DD<\/granularity>/);
  assert.match(identify.body, /<deletedRecord>no<\/deletedRecord>/);
  assert.match(identify.body, /<adminEmail>admin@example\.org<\/adminEmail>/);
  assert.match(identify.body, /Templates &#60;for&#62; tests/, "text is escaped");
  const formats = await server.request("POST", "/oai", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "verb=ListMetadataFormats",
  });
  assert.equal(formats.status, 200, formats.body);
  for (const prefix of ["oai_dc", "oai_openaire", "oai_datacite"]) {
    assert.match(formats.body, new RegExp(`<metadataPrefix>${prefix}</metadataPrefix>`));
  }
  const sets = await server.request("GET", "/oai?verb=ListSets");
  assert.match(sets.body, /<error code="noSetHierarchy">/);
  for (const query of ["", "?verb=Dance"]) {
    const bad = await server.request("GET", `/oai${query}`);
    assert.equal(bad.status, 200);
    assert.match(bad.body, /<error code="badVerb">/);
  }
  const extra = await server.request("GET", "/oai?verb=Identify&metadataPrefix=oai_dc");
  assert.match(extra.body, /<error code="badArgument">/);
  for (const verb of ["ListRecords", "ListIdentifiers", "GetRecord"]) {
    const res = await server.request("GET", `/oai?verb=${verb}&metadataPrefix=oai_dc`);
    assert.equal(res.status, 501);
    assert.equal(
      res.body,
      `OAI-PMH ${verb} is not supported by this server: it does not read the TOSCA templates of OAIPMH_REPO_BASE_IDENTIFIER_URL.`,
    );
  }
});
