/**
 * The XML-RPC API on a real loopback listener over the real ImService (Dummy driver, real engine,
 * SQLite): Python's standard xmlrpc.client calls every method (test/support/xmlrpc_calls.py), and
 * raw HTTP checks the transport rules of im-xmlrpc.md §3.2 and §6 (paths, 404/501, content types,
 * gzip, faults on garbage), then TLS and the boot modes.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "../../api/xmlrpc/index.js";
import { run, startXmlRpcTestServer, type XmlRpcTestServer } from "../support/imclient-servers.js";
import { repoRoot } from "../support/paths.js";

const script = join(repoRoot, "test", "support", "xmlrpc_calls.py");
const AUTH: XmlRpcValue = [
  { type: "InfrastructureManager", username: "alice", password: "s3cr;et=1" },
  { id: "dummy", type: "Dummy" },
];

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(
  url: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers:
          body === undefined ? headers : { "content-length": String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const xmlCall = (name: string, params: XmlRpcValue[] = []) =>
  encodeMethodCall(name, params, { allowNone: true });
const answer = (res: Raw) => decodeMethodResponse(res.body);

describe("XML-RPC server with the Dummy driver", { timeout: 600_000 }, () => {
  let srv: XmlRpcTestServer;
  let out: Record<string, unknown>;

  before(async () => {
    srv = await startXmlRpcTestServer();
    const result = await run("python3", [script, srv.xmlrpc.url], { timeoutMs: 500_000 });
    assert.equal(result.code, 0, result.stderr);
    out = JSON.parse(result.stdout) as Record<string, unknown>;
  });
  after(async () => {
    await srv?.stop();
  });

  it("answers GetVersion on /RPC2 and / without auth, also to a client without allow_none", () => {
    for (const key of ["version", "version_root", "version_strict_client"]) {
      const [ok, version] = out[key] as [boolean, string];
      assert.equal(ok, true);
      assert.match(version, /^\d+\.\d+\.\d+/);
    }
  });

  it("creates, lists and reads an infrastructure with the spec's shapes", () => {
    const [ok, id] = out.create as [boolean, string];
    assert.equal(ok, true, String(id));
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(id, /^\d+$/);
    assert.deepEqual(out.list, [true, [id]]);
    assert.deepEqual(out.list_nil, [true, [id]]);
    assert.deepEqual(out.list_match, [true, [id]]);
    assert.deepEqual(out.list_nomatch, [true, []]);
    assert.equal((out.list_bad_regex as unknown[])[0], false);
    assert.deepEqual(out.info, [true, ["0"]]);
    assert.deepEqual(out.state, [true, { state: "configured", vm_states: { "0": "configured" } }]);
    const [radlOk, radl] = out.radl as [boolean, string];
    assert.equal(radlOk, true);
    assert.match(radl, /system web \(/);
    assert.deepEqual(out.owners, [true, ["alice"]]);
  });

  it("applies Python truthiness to headeronly: True and 'false' hide VM blocks, nil shows them", () => {
    const full = (out.contmsg as [boolean, string])[1];
    assert.match(full, /VM 0:\n[\s\S]*\n\*{75}\n$/);
    assert.doesNotMatch((out.contmsg_header as [boolean, string])[1], /VM 0:/);
    assert.doesNotMatch((out.contmsg_false_text as [boolean, string])[1], /VM 0:/);
    assert.equal((out.contmsg_nil as [boolean, string])[1], full);
  });

  it("reads VMs by string or int id, properties, and VM logs", () => {
    const [ok, info] = out.vminfo as [boolean, string];
    assert.equal(ok, true);
    assert.match(info, /state = 'configured'/);
    assert.deepEqual(out.vminfo_int, out.vminfo);
    assert.deepEqual(out.vminfo_bad, [false, "Invalid VM ID"]);
    assert.deepEqual(out.vmprop_state, [true, "configured"]);
    const [memOk, memory] = out.vmprop_memory as [boolean, unknown];
    assert.equal(memOk, true);
    // xmlrpc_calls.py deploys `memory.size >= 2g`: the value comes back in bytes (G is decimal)
    assert.equal(memory, 2e9);
    assert.deepEqual(out.vmprop_absent, [false, "Incorrect property no.such.feature for VM ID 0"]);
    assert.match((out.vmcontmsg as [boolean, string])[1], /VM configured/);
  });

  it("adds and removes VMs: new ids as ints, counts, one bad id removes nothing", () => {
    assert.deepEqual(out.add_nil_ctxt, [true, [1]]);
    assert.deepEqual(out.add_default, [true, [2]]);
    // nil is false for `context` (§1.1.4): only the add without the flag rewrites the
    // contextualization log (new timestamps); after the nil add it is untouched.
    assert.deepEqual(out.contmsg_after_nil_add, out.contmsg_header);
    assert.notDeepEqual(out.contmsg_after_default_add, out.contmsg_after_nil_add);
    assert.match((out.contmsg_after_default_add as [boolean, string])[1], /Contextualization started/);
    const [badOk, badMsg] = out.add_bad_radl as [boolean, string];
    assert.equal(badOk, false);
    assert.match(badMsg, /:3:1: /);
    assert.deepEqual(out.remove_unknown, [false, "Invalid VM ID"]);
    assert.deepEqual(out.remove_str, [true, 1]);
    assert.deepEqual(out.remove_list, [true, 1]);
    assert.deepEqual(out.remove_bad_type, [
      false,
      "Incorrect parameter type to RemoveResource function: expected: str, int or list of str.",
    ]);
    assert.deepEqual(out.info_after, [true, ["0"]]);
  });

  it("alters, powers, snapshots and reconfigures", () => {
    const [ok, altered] = out.alter as [boolean, string];
    assert.equal(ok, true, altered);
    assert.match(altered, /cpu\.count >= 2/);
    for (const key of ["stop", "start", "stopvm", "startvm", "rebootvm", "reconfigure", "reconfigure_list"]) {
      assert.deepEqual(out[key], [true, ""], key);
    }
    const [snapOk, url] = out.snapshot as [boolean, string];
    assert.equal(snapOk, true);
    assert.match(url, /img1$/);
  });

  it("lists cloud images and quotas, estimates, and reports stats (alias included)", () => {
    const [ok, images] = out.images as [boolean, { uri: string; name: string }[]];
    assert.equal(ok, true);
    assert.ok(
      images.length > 0 && images.every((i) => typeof i.uri === "string" && typeof i.name === "string"),
    );
    assert.deepEqual(out.images_unknown, [false, "Cloud ID nope not found."]);
    const [qOk, quotas] = out.quotas as [boolean, Record<string, { used: number; limit: number }>];
    assert.equal(qOk, true);
    assert.equal(typeof quotas.cores?.limit, "number");
    const [eOk, estimate] = out.estimate as [boolean, Record<string, { compute: unknown[] }>];
    assert.equal(eOk, true);
    assert.equal(estimate.dummy?.compute.length, 1);
    const [sOk, stats] = out.stats as [boolean, { inf_id: string }[]];
    assert.equal(sOk, true);
    assert.ok(stats.some((s) => s.inf_id === (out.create as [boolean, string])[1]));
    assert.deepEqual(out.stats_alias, out.stats);
    assert.equal((out.stats_bad_date as unknown[])[0], false);
  });

  it("keeps other users out and shares through ChangeInfrastructureAuth with a bare struct", () => {
    assert.deepEqual(out.other_user, [false, "Access to this infrastructure not granted."]);
    assert.deepEqual(out.change_auth, [true, ""]);
    assert.deepEqual(out.owners_after, [true, ["alice", "bob"]]);
    assert.equal((out.bob_state as unknown[])[0], true);
    assert.deepEqual(out.change_auth_bad, [
      false,
      "Invalid new infrastructure data provided: No credentials provided for the InfrastructureManager.",
    ]);
  });

  it("answers bad auth with the fixed texts, never a fault", () => {
    assert.deepEqual(out.auth_no_im, [false, "No credentials provided for the InfrastructureManager."]);
    assert.deepEqual(out.auth_password_only, [false, "No username nor token for the InfrastructureManager."]);
    assert.deepEqual(out.auth_openid, [false, "Invalid username used for the InfrastructureManager."]);
    assert.deepEqual(out.auth_bad_id, [false, "Incorrect value in auth item id: 1abc"]);
    assert.deepEqual(out.auth_string, [false, "No credentials provided for the InfrastructureManager."]);
    assert.deepEqual(out.auth_nil, [false, "No credentials provided for the InfrastructureManager."]);
  });

  it("answers unknown ids (string or int) on every infId method with the same pair", () => {
    const unknown = out.unknown as Record<string, unknown>;
    assert.equal(Object.keys(unknown).length, 21);
    for (const [name, value] of Object.entries(unknown)) {
      assert.deepEqual(value, [false, "Invalid infrastructure ID or access not granted."], name);
    }
    assert.deepEqual(out.unknown_int_id, [false, "Invalid infrastructure ID or access not granted."]);
  });

  it("returns invalid RADL as [false, message with line:col], and dispatch problems as faults", () => {
    const [ok, msg] = out.create_bad_radl as [boolean, string];
    assert.equal(ok, false);
    assert.match(msg, /:3:1: .*E-PARSE/);
    assert.equal((out.create_unknown_deploy as unknown[])[0], false);
    const fault = (key: string) => (out[key] as { fault: [number, string] }).fault;
    assert.deepEqual(fault("fault_unknown"), [
      1,
      `<class 'Exception'>:method "NoSuchMethod" is not supported`,
    ]);
    assert.equal(fault("fault_introspection")[0], 1);
    assert.deepEqual(fault("fault_arity_many"), [
      1,
      "<class 'TypeError'>:GetVersion() takes 0 positional arguments but 1 was given",
    ]);
    assert.equal(fault("fault_arity_missing")[0], 1);
    assert.match(fault("fault_arity_missing")[1], /'auth_data'/);
    assert.match(
      fault("fault_arity_missing3")[1],
      /missing 3 required positional arguments: 'image_name', 'auto_delete', and 'auth_data'$/,
    );
  });

  it("exports with delete, imports the same id back, and destroys", () => {
    const id = (out.create as [boolean, string])[1];
    assert.equal((out.export as unknown[])[0], true);
    JSON.parse((out.export as [boolean, string])[1]);
    assert.equal((out.export_delete as unknown[])[0], true);
    assert.deepEqual(out.info_exported, [false, "Invalid infrastructure ID or access not granted."]);
    assert.deepEqual(out.import, [true, id]);
    assert.match(
      (out.import_bad as [boolean, string])[1],
      /^Error importing the infrastructure, incorrect data: /,
    );
    assert.equal((out.state_imported as unknown[])[0], true);
    assert.deepEqual(out.destroy, [true, ""]);
    assert.deepEqual(out.info_destroyed, [false, "Invalid infrastructure ID or access not granted."]);
  });

  it("speaks HTTP as the reference listener: paths, methods, content types, gzip, garbage", async () => {
    const url = srv.xmlrpc.url;
    const version = xmlCall("GetVersion");
    assert.equal((await raw(url, "POST", "/elsewhere", version)).status, 404);
    assert.equal((await raw(url, "GET", "/RPC2")).status, 501);
    for (const type of ["application/xml", "text/xml; charset=utf-8", undefined]) {
      const res = await raw(url, "POST", "/RPC2", version, type ? { "content-type": type } : {});
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], "text/xml");
      const a = answer(res);
      assert.ok(!a.fault && Array.isArray(a.value) && a.value[0] === true);
    }
    const zipped = await raw(url, "POST", "/", gzipSync(version), { "content-encoding": "gzip" });
    assert.equal(answer(zipped).fault, false);
    assert.equal((await raw(url, "POST", "/", version, { "content-encoding": "br" })).status, 501);
    for (const garbage of [
      "<methodCall>",
      "hello",
      "<!DOCTYPE x [<!ENTITY a 'b'>]><methodCall/>",
      "<foo/>",
      xmlCall("GetVersion").replace("<params>", "<params><param><value><weird/></value></param>"),
    ]) {
      const res = await raw(url, "POST", "/RPC2", garbage);
      assert.equal(res.status, 200);
      const a = answer(res);
      assert.ok(a.fault && a.faultCode === 1, garbage);
    }
    // A large answer is gzipped for a client that accepts it; the text survives the round trip.
    const longName = "Nope" + "x".repeat(5000);
    const res = await raw(url, "POST", "/RPC2", xmlCall(longName), { "accept-encoding": "gzip" });
    assert.equal(res.headers["content-encoding"], "gzip");
    const unzipped = decodeMethodResponse(gunzipSync(res.body));
    assert.ok(unzipped.fault && unzipped.faultString.includes(longName));
    // A 30 MiB argument is read (and rejected by the operation, not by the transport).
    const huge = await raw(
      url,
      "POST",
      "/RPC2",
      xmlCall("ImportInfrastructure", ["{" + "x".repeat(30 * 1024 * 1024), AUTH]),
    );
    assert.equal(huge.status, 200);
    const hugeAnswer = answer(huge);
    assert.ok(!hugeAnswer.fault);
    assert.match(
      String((hugeAnswer.value as unknown[])[1]),
      /^Error importing the infrastructure, incorrect data: /,
    );
    // No infrastructure was left behind by any of the above.
    const list = answer(await raw(url, "POST", "/RPC2", xmlCall("GetInfrastructureList", [AUTH])));
    assert.deepEqual(list, { fault: false, value: [true, []] });
  });
});

describe("XML-RPC server boot modes and TLS", { timeout: 300_000 }, () => {
  it("BOOT_MODE 1 disables writes before checking credentials, reads still work", async () => {
    const srv = await startXmlRpcTestServer({ cfg: { BOOT_MODE: 1 } });
    try {
      const call = async (name: string, params: XmlRpcValue[]) =>
        answer(await raw(srv.xmlrpc.url, "POST", "/RPC2", xmlCall(name, params)));
      const bad = [{ type: "InfrastructureManager", username: "__OPENID__x" }];
      const disabled = { fault: false, value: [false, "Function currently disabled."] };
      assert.deepEqual(await call("CreateInfrastructure", ["", bad]), disabled);
      assert.deepEqual(await call("DestroyInfrastructure", ["x", AUTH]), disabled);
      assert.deepEqual(await call("ExportInfrastructure", ["x", true, AUTH]), disabled);
      assert.deepEqual(await call("ExportInfrastructure", ["x", false, AUTH]), {
        fault: false,
        value: [false, "Invalid infrastructure ID or access not granted."],
      });
      assert.deepEqual(await call("GetInfrastructureList", [AUTH]), { fault: false, value: [true, []] });
    } finally {
      await srv.stop();
    }
  });

  it("serves TLS to a Python client with an unverified context", async () => {
    const dir = await mkdtemp(join(tmpdir(), "xmlrpc-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const srv = await startXmlRpcTestServer({
        xmlrpc: {
          tls: { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) },
        },
      });
      try {
        assert.match(srv.xmlrpc.url, /^https:/);
        const py = `import ssl, sys, json\nfrom xmlrpc.client import ServerProxy\ns = ServerProxy(sys.argv[1], allow_none=True, context=ssl._create_unverified_context())\nprint(json.dumps(s.GetVersion()))`;
        const result = await run("python3", ["-c", py, srv.xmlrpc.url]);
        assert.equal(result.code, 0, result.stderr);
        const [ok] = JSON.parse(result.stdout) as [boolean, string];
        assert.equal(ok, true);
      } finally {
        await srv.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
