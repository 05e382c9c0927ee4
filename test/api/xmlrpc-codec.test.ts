import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  escapeXml,
  XmlRpcDateTime,
  XmlRpcDouble,
  XmlRpcMarshalError,
  XmlRpcParseError,
  type XmlRpcValue,
} from "../../api/xmlrpc/index.js";
import { repoRoot } from "../support/paths.js";

const helper = join(repoRoot, "test", "support", "xmlrpc_codec.py");
const python = (args: string[], input?: string) =>
  execFileSync("python3", [helper, ...args], { encoding: "utf8", ...(input !== undefined ? { input } : {}) });

const call = (value: string) =>
  `<?xml version='1.0'?><methodCall><methodName>M</methodName><params><param><value>${value}</value></param></params></methodCall>`;
const one = (value: string) => decodeMethodCall(call(value)).params[0];

describe("XML-RPC codec: decoding requests", () => {
  it("reads every type Python's xmlrpc.client sends (allow_none=True)", () => {
    const decoded = decodeMethodCall(python(["dump"]));
    assert.equal(decoded.methodName, "Everything");
    const [i, neg, t, f, d, s, nil, arr, struct, date, bin, empty] = decoded.params;
    assert.equal(i, 42);
    assert.equal(neg, -7);
    assert.equal(t, true);
    assert.equal(f, false);
    assert.equal(d, 1.5);
    assert.equal(s, "a<b>&c \u00e9\u20ac\u{1F600} line1\nline2");
    assert.equal(nil, null);
    assert.deepEqual(arr, [1, "two", [3]]);
    assert.deepEqual(struct, { k: "v", n: 2 });
    assert.ok(date instanceof XmlRpcDateTime);
    assert.equal(date.text, "20240102T03:04:05");
    assert.ok(Buffer.isBuffer(bin));
    assert.deepEqual(bin, Buffer.from("\x00\x01binary", "latin1"));
    assert.equal(empty, "");
  });

  it("accepts the liberal forms other clients send", () => {
    assert.equal(one("plain text"), "plain text");
    assert.equal(one(""), "");
    assert.equal(decodeMethodCall(call("<string/>")).params[0], "");
    assert.equal(one("<i4> 12 </i4>"), 12);
    assert.equal(one("<i8>9007199254740993</i8>"), 9007199254740993n);
    assert.equal(one("<ex:i8 xmlns:ex='http://ws.apache.org/xmlrpc/namespaces/extensions'>5</ex:i8>"), 5);
    assert.equal(one("<ex:nil xmlns:ex='x'/>"), null);
    assert.equal(one("<boolean>true</boolean>"), true);
    assert.equal(one("<double>-1e3</double>"), -1000);
    assert.deepEqual(one("<array><value>a</value></array>"), ["a"]);
    assert.deepEqual(one("<array><data/></array>"), []);
    assert.deepEqual(
      one(
        "<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct>",
      ),
      { a: "2" },
    );
    assert.equal(one("<string>&#x41;&#66;&lt;&amp;&quot;&apos;<![CDATA[<raw>]]></string>"), "AB<&\"'<raw>");
    assert.equal(one("<string>a\r\nb\rc</string>"), "a\nb\nc");
    const noParams = decodeMethodCall("<methodCall><methodName>GetVersion</methodName></methodCall>");
    assert.deepEqual(noParams, { methodName: "GetVersion", params: [] });
    const pretty = decodeMethodCall(
      "<?xml version='1.0'?>\n<!-- c -->\n<methodCall>\n  <methodName>X</methodName>\n  <params>\n    <param>\n      <value>\n        <int>1</int>\n      </value>\n    </param>\n  </params>\n</methodCall>\n",
    );
    assert.deepEqual(pretty.params, [1]);
  });

  it("honours an ISO-8859-1 declaration and reads anything else as UTF-8", () => {
    const latin = Buffer.concat([
      Buffer.from(
        "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>M</methodName><params><param><value>",
        "latin1",
      ),
      Buffer.from([0xe9]),
      Buffer.from("</value></param></params></methodCall>", "latin1"),
    ]);
    assert.equal(decodeMethodCall(latin).params[0], "\u00e9");
    assert.equal(decodeMethodCall(Buffer.from(call("\u00e9"), "utf8")).params[0], "\u00e9");
  });

  it("rejects garbage with XmlRpcParseError, never another exception", () => {
    const bad = [
      "",
      "not xml",
      "<methodCall>",
      "<methodCall><methodName>A</methodName></methodCall><extra/>",
      "<methodResponse><params/></methodResponse>",
      "<methodCall><params/></methodCall>",
      "<methodCall><methodName></methodName></methodCall>",
      "<methodCall><methodName>A</methodName></methodCal>",
      call("<foo>1</foo>"),
      call("<int>1.5</int>"),
      call("<int></int>"),
      call("<boolean>yes</boolean>"),
      call("<double>NaN</double>"),
      call("<nil>x</nil>"),
      call("<base64>***</base64>"),
      call("<string>a &bogus; b</string>"),
      call("<string>a & b</string>"),
      call("<string>&#0;</string>"),
      call("<int>1</int><int>2</int>"),
      call("<struct><member><value>1</value></member></struct>"),
      call("<array><data>text</data></array>"),
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><methodCall><methodName>&x;</methodName></methodCall>',
      '<!DOCTYPE m SYSTEM "file:///etc/passwd"><methodCall><methodName>A</methodName></methodCall>',
      "<methodCall><methodName a=b>A</methodName></methodCall>",
      "<methodCall><methodName>A</methodName><params>" +
        "<param><value><array><data><value>".repeat(300) +
        "</params></methodCall>",
    ];
    for (const body of bad) {
      assert.throws(() => decodeMethodCall(body), XmlRpcParseError, JSON.stringify(body.slice(0, 80)));
    }
  });

  it("survives deep nesting within the limit and rejects it beyond", () => {
    const depth = 60;
    const nested = "<array><data><value>".repeat(depth) + "x" + "</value></data></array>".repeat(depth);
    let v = one(nested);
    for (let i = 0; i < depth; i++) v = (v as XmlRpcValue[])[0];
    assert.equal(v, "x");
    const tooDeep = "<array><data><value>".repeat(300) + "x" + "</value></data></array>".repeat(300);
    assert.throws(() => one(tooDeep), /nested deeper than/);
  });
});

describe("XML-RPC codec: encoding responses", () => {
  it("writes every result type so Python's xmlrpc.client reads it back exactly", () => {
    const value: XmlRpcValue = [
      true,
      {
        s: "a<b>&c ]]> \u00e9\u{1F600}\tend\n",
        i: -2147483648,
        big: 2147483648,
        bigger: 2n ** 62n,
        d: 0.1,
        forced: new XmlRpcDouble(3),
        f: false,
        list: [[], {}, ""],
      },
    ];
    const out = JSON.parse(python(["load"], encodeMethodResponse(value))) as { value: unknown };
    assert.deepEqual(out.value, {
      array: [
        { bool: true },
        {
          struct: {
            s: { str: "a<b>&c ]]> \u00e9\u{1F600}\tend\n" },
            i: { int: "-2147483648" },
            big: { int: "2147483648" },
            bigger: { int: String(2n ** 62n) },
            d: { double: 0.1 },
            forced: { double: 3 },
            f: { bool: false },
            list: { array: [{ array: [] }, { struct: {} }, { str: "" }] },
          },
        },
      ],
    });
  });

  it("filters characters XML 1.0 cannot hold, so ANSI-coloured logs still parse", () => {
    const log = "\u001b[31mred\u001b[0m \u0000 \uFFFF \uD800 ok";
    const out = JSON.parse(python(["load"], encodeMethodResponse(log))) as { value: { str: string } };
    assert.equal(out.value.str, "\uFFFD[31mred\uFFFD[0m \uFFFD \uFFFD \uFFFD ok");
    assert.equal(escapeXml("\u{1F600}"), "\u{1F600}");
  });

  it("writes faults Python raises as Fault with code and string", () => {
    const out = JSON.parse(
      python(["load"], encodeFault(1, "<class 'Exception'>:method \"X\" is not supported")),
    ) as {
      fault: [number, string];
    };
    assert.deepEqual(out.fault, [1, "<class 'Exception'>:method \"X\" is not supported"]);
    assert.deepEqual(decodeMethodResponse(encodeFault(1, "boom")), {
      fault: true,
      faultCode: 1,
      faultString: "boom",
    });
  });

  it("refuses what XML-RPC cannot carry", () => {
    assert.throws(() => encodeMethodResponse(null), XmlRpcMarshalError);
    assert.throws(() => encodeMethodResponse([1, null]), XmlRpcMarshalError);
    assert.throws(() => encodeMethodResponse(Number.NaN), XmlRpcMarshalError);
    assert.throws(() => encodeMethodResponse(2n ** 64n), XmlRpcMarshalError);
    assert.match(encodeMethodResponse(null, { allowNone: true }), /<nil\/>/);
  });

  it("round-trips calls and responses through its own decoder", () => {
    const params: XmlRpcValue[] = [
      "x&y",
      3,
      -4.25,
      true,
      null,
      ["a", { b: [1, 2n ** 40n] }],
      Buffer.from("hi"),
    ];
    const back = decodeMethodCall(encodeMethodCall("Do", params, { allowNone: true }));
    assert.equal(back.methodName, "Do");
    assert.deepEqual(back.params, [
      "x&y",
      3,
      -4.25,
      true,
      null,
      ["a", { b: [1, 2 ** 40] }],
      Buffer.from("hi"),
    ]);
    assert.deepEqual(decodeMethodResponse(encodeMethodResponse([false, "msg"])), {
      fault: false,
      value: [false, "msg"],
    });
  });
});
