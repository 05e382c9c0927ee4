import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthFormatError,
  AuthIdError,
  AuthLineError,
  authItemsFromJson,
  authItemsFromXmlRpc,
  cloudsFromAuth,
  parseAuthHeader,
  parseAuthLine,
  parseAuthText,
} from "../../compiler/auth/index.js";

test("a plain line gives one item; spaces around = and ; are optional", () => {
  assert.deepEqual(
    parseAuthLine("id = one; type = OpenNebula; host = one.example.org:2633; username =u;password='p'"),
    {
      id: "one",
      type: "OpenNebula",
      host: "one.example.org:2633",
      username: "u",
      password: "p",
    },
  );
  assert.deepEqual(parseAuthLine("type=Dummy;"), { type: "Dummy" });
});

test("blank and comment lines give nothing", () => {
  assert.equal(parseAuthLine("   "), null);
  assert.equal(parseAuthLine("  # id = x; type = EC2"), null);
  assert.deepEqual(parseAuthText("\n# comment\n type = Dummy \n\n"), [{ type: "Dummy" }]);
});

test("quotes protect ; and = and the other kind of quote, and are removed", () => {
  const item = parseAuthLine(
    `type = EC2; password = 'a;b'; token = "it's"; mix = "a'b;c"; b64 = 'QUJD=='; pad = '  x  '`,
  );
  assert.deepEqual(item, {
    type: "EC2",
    password: "a;b",
    token: "it's",
    mix: "a'b;c",
    b64: "QUJD==",
    pad: "x",
  });
});

test("escaped newlines become newlines: a PEM key on one line", () => {
  const pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAK\\n-----END RSA PRIVATE KEY-----";
  const item = parseAuthLine(`type = Kubernetes; host = https://k8s:6443; private_key = '${pem}'`);
  assert.equal(
    item?.private_key,
    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----",
  );
});

test("values naming files or commands are kept verbatim, never read", () => {
  const item = parseAuthLine(
    "type = OpenStack; proxy = file(/etc/passwd); password = command(cat /etc/shadow)",
  );
  assert.equal(item?.proxy, "file(/etc/passwd)");
  assert.equal(item?.password, "command(cat /etc/shadow)");
});

test("strict mode: an unquoted = names the line and the field", () => {
  assert.throws(
    () => parseAuthText("type = Dummy\nid = ec2; type = EC2; username = AK; password = abc==\n"),
    (e: unknown) =>
      e instanceof AuthLineError &&
      e.code === "E-AUTH-LINE" &&
      e.line === 2 &&
      e.field === "password" &&
      /line 2: the value of 'password' contains '=' outside quotes/.test(e.message),
  );
});

test("strict mode: other bad lines are clear errors", () => {
  const cases: [string, number, string, RegExp][] = [
    ["type = EC2; username", 1, "username", /expected 'key = value' but found 'username'/],
    ["type = EC2;; username = u", 1, "", /empty entry/],
    ["type = EC2; = u", 1, "", /no key before '='/],
    ["type = EC2; password = it's; x = 1", 1, "password", /opens a quote that is never closed/],
    ["username = u; password = p", 1, "type", /has no 'type'/],
    ["type = EC2; type = OpenStack", 1, "type", /given twice/],
  ];
  for (const [line, lineNo, field, message] of cases) {
    assert.throws(
      () => parseAuthLine(line, { line: lineNo, source: "auth.dat" }),
      (e: unknown) =>
        e instanceof AuthLineError &&
        e.field === field &&
        message.test(e.message) &&
        /^auth\.dat:line 1:/.test(e.message),
      line,
    );
  }
});

test("lenient mode reproduces the reference: a bad entry ends the item, a lone quote swallows the rest", () => {
  assert.deepEqual(
    parseAuthLine("type = EC2; username = AK; password = abc==; region = x", { strict: false }),
    {
      type: "EC2",
      username: "AK",
    },
  );
  assert.deepEqual(parseAuthLine("type = EC2; password = it's; region = x", { strict: false }), {
    type: "EC2",
    password: "its; region = x",
  });
  assert.deepEqual(parseAuthLine("type = EC2;; username = u", { strict: false }), { type: "EC2" });
  assert.deepEqual(parseAuthLine("username = u", { strict: false }), { username: "u" });
  assert.deepEqual(parseAuthLine("type = EC2; type = OpenStack", { strict: false }), { type: "OpenStack" });
});

test("an invalid id rejects the whole auth data with the IM's message; an empty id is allowed", () => {
  assert.throws(
    () => parseAuthText("id = 1cloud; type = Dummy"),
    (e: unknown) => e instanceof AuthIdError && e.message === "Incorrect value in auth item id: 1cloud",
  );
  assert.throws(() => parseAuthText("id = 'a b'; type = Dummy"), AuthIdError);
  assert.deepEqual(parseAuthText("id = ; type = Dummy\nid = _x.y-z9; type = Dummy\nid = .ñú; type = Dummy"), [
    { id: "", type: "Dummy" },
    { id: "_x.y-z9", type: "Dummy" },
    { id: ".ñú", type: "Dummy" },
  ]);
});

test("the JSON form is accepted in files and headers", () => {
  const json =
    '[{"type": "InfrastructureManager", "username": "u", "password": "p"}, {"id": "one", "type": "Dummy", "n": 3}]';
  const expected = [
    { type: "InfrastructureManager", username: "u", password: "p" },
    { id: "one", type: "Dummy", n: "3" },
  ];
  assert.deepEqual(parseAuthText(json), expected);
  assert.deepEqual(parseAuthHeader(json), expected);
  assert.throws(() => authItemsFromJson([{ type: "Dummy", x: { a: 1 } }]), /item 0, key 'x' is not a string/);
  assert.throws(() => authItemsFromJson({ type: "Dummy" }), AuthFormatError);
  assert.throws(() => authItemsFromJson([{ id: "9", type: "Dummy" }]), AuthIdError);
});

test("the REST header: literal \\n separates lines and \\\\n is a newline inside a value", () => {
  const header =
    "type = InfrastructureManager; username = u; password = p\\nid = k; type = Kubernetes; host = https://k:6443; token = 'a\\\\nb'";
  assert.deepEqual(parseAuthHeader(header), [
    { type: "InfrastructureManager", username: "u", password: "p" },
    { id: "k", type: "Kubernetes", host: "https://k:6443", token: "a\nb" },
  ]);
});

test("the REST header shortcuts Basic and Bearer give one IM item", () => {
  assert.deepEqual(parseAuthHeader(`Basic ${Buffer.from("alice:pa:ss").toString("base64")}`), [
    { type: "InfrastructureManager", username: "alice", password: "pa:ss" },
  ]);
  assert.deepEqual(parseAuthHeader("Bearer eyJhbGciOi.x.y "), [
    { type: "InfrastructureManager", token: "eyJhbGciOi.x.y" },
  ]);
  assert.throws(() => parseAuthHeader(`Basic ${Buffer.from("nocolon").toString("base64")}`), AuthFormatError);
  assert.throws(() => parseAuthHeader("  "), /No authentication data provided/);
});

test("XML-RPC structs are used as they are, newlines included", () => {
  assert.deepEqual(authItemsFromXmlRpc([{ type: "Dummy", private_key: "a\nb" }]), [
    { type: "Dummy", private_key: "a\nb" },
  ]);
  assert.throws(() => authItemsFromXmlRpc("type = Dummy"), /XML-RPC auth data is not a list/);
});

test("clouds: one per cloud item, id or <type><index>, host parsed", () => {
  const clouds = cloudsFromAuth(
    parseAuthText(
      [
        "type = InfrastructureManager; username = u; password = p",
        "id = ost; type = OpenStack; host = https://keystone.example.org:5000/v3; username = u; password = p; tenant = t",
        "type = Dummy",
        "type = OpenNebula; host = one.example.org:2633; username = u; password = p",
        "type = VMRC; host = http://vmrc; username = u; password = p",
      ].join("\n"),
    ),
  );
  assert.deepEqual(clouds, [
    {
      id: "ost",
      type: "OpenStack",
      index: 1,
      host: "https://keystone.example.org:5000/v3",
      protocol: "https",
      server: "keystone.example.org",
      port: 5000,
      path: "/v3",
    },
    { id: "Dummy2", type: "Dummy", index: 2, port: -1 },
    {
      id: "OpenNebula3",
      type: "OpenNebula",
      index: 3,
      host: "one.example.org:2633",
      server: "one.example.org",
      port: 2633,
    },
  ]);
});
