import { test } from "node:test";
import assert from "node:assert/strict";
import { printRadl, RadlUnrepresentableError, UNREPRESENTABLE } from "../../compiler/print.js";
import { RadlDocumentError, RadlPulumiError } from "../../compiler/errors.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { decodeRadlJson } from "../../compiler/json/decode.js";
import { stringifyRadlJson } from "../../compiler/json/encode.js";
import { parseRadl } from "../../compiler/parse.js";
import {
  specExampleDocument,
  bound,
  contains,
  contextualize,
  ctxItem,
  doc,
  eq,
  features,
  lit,
  list,
  plainDocument,
  range,
  soft,
  str,
} from "../support/radl-arbitrary.js";

test("§6.5: the §5.8 document prints as REF's text with the canonical fixes", () => {
  const expected = [
    "description lab (name = 'demo-lab')",
    "network pub ( outbound = 'yes' and",
    "outports = '22,8080-80' )",
    "network lan (  )",
    "system head (",
    "cpu.count >= 2 and",
    "cpu.count <= 8 and",
    "memory.size >= 4G and",
    "net_interface.0.connection = 'pub' and",
    "net_interface.0.dns_name = 'head' and",
    "net_interface.1.connection = 'lan' and",
    "disk.0.image.url = ['ost://cloud.example.org/abc','one://one.example.org/7'] and",
    "disk.0.os.name = 'linux' and",
    "disk.0.os.version >= '22.04' and",
    "disk.0.applications contains (name = 'ansible.roles.acme.nfs') and",
    "disk.1.size = 20GiB and",
    "disk.1.device = 'vdb' and",
    "soft 10 ( instance_type = 'm1.large' )",
    ")",
    "",
    "configure head (",
    "@begin",
    "- tasks:",
    '  - debug: msg="hi"',
    "@end",
    ")",
    "contextualize 900 (",
    "option ansible_version = '2.16.3'",
    "system head configure head step 2",
    ")",
    "deploy head 1 site_a",
    "",
  ].join("\n");
  assert.equal(printRadl(specExampleDocument()), expected);
});

test("§6.5: a concrete VM system with a multi-line private key prints line by line", () => {
  const key =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA…\n-----END OPENSSH PRIVATE KEY-----";
  const d = doc({
    networks: [
      {
        id: "pub",
        reference: false,
        features: features(["outbound", str("yes")], ["outports", str("22,8080-80")]),
      },
      { id: "lan", reference: false, features: features() },
    ],
    systems: [
      {
        id: "head",
        reference: false,
        features: features(
          ["cpu.count", eq("4")],
          ["memory.size", eq("8192", "M")],
          ["net_interface.0.connection", str("pub")],
          ["disk.0.os.credentials.private_key", str(key)],
          ["instance_type", str("m1.large")],
        ),
      },
    ],
  });
  assert.equal(
    printRadl(d),
    [
      "network pub ( outbound = 'yes' and",
      "outports = '22,8080-80' )",
      "network lan (  )",
      "system head (",
      "cpu.count = 4 and",
      "memory.size = 8192M and",
      "net_interface.0.connection = 'pub' and",
      `disk.0.os.credentials.private_key = '${key}' and`,
      "instance_type = 'm1.large'",
      ")",
      "",
    ].join("\n"),
  );
});

function system(...items: Parameters<typeof features>): RadlDocument {
  return doc({ systems: [{ id: "s", reference: false, features: features(...items) }] });
}

function body(d: RadlDocument): string {
  const text = printRadl(d);
  const match = /^system s \(\n([\s\S]*)\n\)\n$/.exec(text);
  assert.ok(match, `unexpected layout: ${JSON.stringify(text)}`);
  return match[1] ?? "";
}

function assertUnrepresentable(d: RadlDocument, mentions: RegExp): void {
  assert.throws(
    () => printRadl(d),
    (e: unknown) => {
      assert.ok(e instanceof RadlUnrepresentableError);
      assert.ok(e instanceof RadlDocumentError);
      assert.ok(e instanceof RadlPulumiError);
      assert.equal(e.code, UNREPRESENTABLE);
      assert.equal(e.diagnostics[0]?.code, "E-PRINT-UNREPRESENTABLE");
      assert.match(e.message, mentions);
      return true;
    },
  );
}

test("P1: single quotes are escaped; other backslashes are written as they are", () => {
  assert.equal(body(system(["p", str("it's C:\\dir\\n")])), "p = 'it\\'s C:\\dir\\n'");
});

test("P1: strings the lexer cannot give back are refused, naming the feature", () => {
  assertUnrepresentable(
    system(["disk.0.os.credentials.password", str("a\\'b")]),
    /password.*backslash before a quote/,
  );
  assertUnrepresentable(system(["p", str("ends\\")]), /'p'.*ending with a backslash/);
  assertUnrepresentable(system(["p", str("a\\\nb")]), /backslash before a line break/);
  assertUnrepresentable(system(["p", list(["ok", "bad\\"])]), /ending with a backslash/);
});

test("P2: a value shaped random(N) is refused in simple features but is plain text in lists and options", () => {
  assertUnrepresentable(system(["pw", str("random(8)")]), /'pw'.*random/);
  assertUnrepresentable(system(["d", contains(features(["name", str("random(0)")]))]), /random/);
  assert.equal(body(system(["p", str("random(x)")])), "p = 'random(x)'");
  assert.equal(body(system(["l", list(["random(8)"])])), "l = ['random(8)']");
  const withOption = doc({
    contextualize: contextualize(undefined, [ctxItem("s", "c")], [["pw", { op: "=", value: "random(3)" }]]),
  });
  assert.match(printRadl(withOption), /^option pw = 'random\(3\)'$/m);
});

test("P3: an empty list prints [] and list elements are escaped", () => {
  assert.equal(
    body(system(["l", list([])], ["m", list(["a'b", "c"], ">=")])),
    "l = [] and\nm >= ['a\\'b','c']",
  );
});

test("P4: literals keep their text; other numbers print plainly, floats always with a dot, never an exponent", () => {
  assert.equal(
    body(system(["a", eq("2.")], ["b", eq("007")], ["c", eq("1.50", "G")])),
    "a = 2. and\nb = 007 and\nc = 1.50G",
  );
  const num = (value: number, isFloat: boolean) => ({ value, isFloat, text: "" });
  const d = system(
    ["f", range({ op: "=", num: num(1, true) }, { op: "=", num: num(1, true) })],
    ["g", range({ op: ">=", num: num(1e21, true) })],
    ["h", range({ op: ">=", num: num(1e-7, true) })],
    ["i", range({ op: "<=", num: num(1e15, false) })],
    ["j", range({ op: "<", num: num(0.5, true) })],
  );
  assert.equal(
    body(d),
    "f = 1.0 and\ng >= 1000000000000000000000.0 and\nh >= 0.0000001 and\ni <= 1000000000000000 and\nj < 0.5",
  );
});

test("P4: negative numbers, non-integral integers and integers beyond 2^53-1 are refused", () => {
  assertUnrepresentable(
    system(["n", range({ op: ">=", num: { value: -1, isFloat: false, text: "-1" } })]),
    /negative/,
  );
  assertUnrepresentable(
    system(["n", range({ op: ">=", num: { value: 1.5, isFloat: false, text: "" } })]),
    /integer/,
  );
  assertUnrepresentable(
    system(["n", range({ op: ">=", num: { value: 2 ** 60, isFloat: false, text: "" } })]),
    /2\^53/,
  );
  assertUnrepresentable(
    doc({ deploys: [{ system: "s", count: { value: -2, isFloat: false, text: "-2" } }] }),
    /deploy 's'.*negative/,
  );
});

test("P5: recipes print without gaining blank lines, whatever their ends look like", () => {
  const recipe = (r: string) => printRadl(doc({ configures: [{ id: "c", reference: false, recipe: r }] }));
  assert.equal(recipe("\n- a: 1\n"), "configure c (\n@begin\n- a: 1\n@end\n)\n");
  assert.equal(recipe("- a: 1"), "configure c (\n@begin\n- a: 1\n@end\n)\n");
  assert.equal(recipe("\n\n- a: 1\n\n"), "configure c (\n@begin\n\n- a: 1\n\n@end\n)\n");
  assert.equal(recipe("\n  @end\nx @end\n"), "configure c (\n@begin\n  @end\nx @end\n@end\n)\n");
  assert.equal(
    printRadl(doc({ configures: [{ id: "c", reference: false, recipe: null }] })),
    "configure c ()\n",
  );
  assert.equal(printRadl(doc({ configures: [{ id: "c", reference: true, recipe: null }] })), "configure c\n");
});

test("P5: a recipe with a line starting with @end is refused", () => {
  assertUnrepresentable(
    doc({ configures: [{ id: "c", reference: false, recipe: "\na\n@endpoint: 1\n" }] }),
    /configure 'c'.*@end/,
  );
  assertUnrepresentable(doc({ configures: [{ id: "c", reference: false, recipe: "@end" }] }), /@end/);
});

test("P6/P7: contextualize forms keep the time and have no trailing spaces", () => {
  const ctx = (c: ReturnType<typeof contextualize>) => printRadl(doc({ contextualize: c }));
  assert.equal(ctx(contextualize("300", [])), "contextualize 300 ()\n");
  assert.equal(ctx(contextualize(undefined, [])), "contextualize ()\n");
  assert.equal(
    ctx(
      contextualize(undefined, [
        ctxItem("a", "c"),
        ctxItem("a", "d", "2"),
        ctxItem("b", "c", undefined, "cloud_init"),
        ctxItem("b", "d", "1", "Ansible"),
      ]),
    ),
    "contextualize (\nsystem a configure c\nsystem a configure d step 2\nsystem b configure c with cloud_init\nsystem b configure d step 1 with Ansible\n)\n",
  );
  assert.equal(
    ctx(contextualize("50", [], [["ansible_version", { op: ">=", value: lit("2") }]])),
    "contextualize 50 (\noption ansible_version >= 2\n\n)\n",
  );
});

test("P7/P9: references print as bare headers", () => {
  const d = doc({
    description: { id: "d", reference: true, features: features() },
    networks: [{ id: "n", reference: true, features: features() }],
    systems: [{ id: "s", reference: true, features: features() }],
  });
  assert.equal(printRadl(d), "description d\nnetwork n\nsystem s\n");
});

test("P8: no contextualize section prints nothing; the text ends with one newline; an empty document is empty", () => {
  assert.equal(printRadl(doc({})), "");
  assert.equal(printRadl(doc({ deploys: [{ system: "s", count: lit("2") }] })), "deploy s 2\n");
  assert.equal(printRadl(system()), "system s (\n\n)\n");
  assert.equal(
    printRadl(doc({ description: { id: "d", reference: false, features: features() } })),
    "description d ()\n",
  );
});

test("P10: ids, names, units, clouds and tools that are not identifiers are refused", () => {
  assertUnrepresentable(
    doc({ networks: [{ id: "system", reference: false, features: features() }] }),
    /reserved word/,
  );
  assertUnrepresentable(
    doc({ systems: [{ id: "1node", reference: true, features: features() }] }),
    /"1node".*not a valid identifier/,
  );
  assertUnrepresentable(system(["has space", str("x")]), /feature name/);
  assertUnrepresentable(system(["m", eq("1", "G B")]), /unit/);
  assertUnrepresentable(doc({ deploys: [{ system: "s", count: lit("1"), cloud: "my cloud" }] }), /cloud id/);
  assertUnrepresentable(
    doc({ contextualize: contextualize(undefined, [ctxItem("s", "c", undefined, "with")]) }),
    /tool/,
  );
  assertUnrepresentable(
    doc({ contextualize: contextualize(undefined, [], [["a b", { op: "=", value: "x" }]]) }),
    /option name/,
  );
  assertUnrepresentable(doc({ ansible: [{ id: "a", reference: true, features: features() }] }), /reference/);
});

test("§6.3: soft blocks print together where the first one appeared; contains entries one by one", () => {
  const d = system(
    ["a", eq("1")],
    soft("1", features(["x", str("1")])),
    ["b", eq("2")],
    soft("2.5", features(["y", str("2")], soft("3", features()))),
    ["apps", contains(features(["name", str("r1")], ["version", str("1")]), features(["name", str("r2")]))],
  );
  assert.equal(
    body(d),
    [
      "a = 1 and",
      "soft 1 ( x = '1' ) and",
      "soft 2.5 ( y = '2' and",
      "soft 3 (  ) ) and",
      "b = 2 and",
      "apps contains (name = 'r1' and",
      "version = '1') and",
      "apps contains (name = 'r2')",
    ].join("\n"),
  );
});

test("§6.3: a soft block after the last feature prints last", () => {
  assert.equal(body(system(["a", eq("1")], soft("1", features()))), "a = 1 and\nsoft 1 (  )");
});

test("§6.3: equal `=` bounds print once; a tie between `=` and an open bound prints the upper bound first", () => {
  assert.equal(body(system(["m", range(bound("=", "1000", "M"), bound("=", "1", "G"))])), "m = 1000M");
  assert.equal(body(system(["c", range(bound(">=", "2"), bound("=", "2"))])), "c = 2 and\nc >= 2");
  assert.equal(body(system(["c", range(bound("=", "2"), bound("<=", "2"))])), "c <= 2 and\nc = 2");
  assert.equal(body(system(["c", range(bound(">", "2"), bound("<", "2"))])), "c > 2 and\nc < 2");
});

test("a unit starting with a dot is kept apart from an integer so it is not read as a fraction", () => {
  assert.equal(body(system(["ip", eq("10.0", ".0.1")], ["n", eq("2", ".x")])), "ip = 10.0.0.1 and\nn = 2 .x");
});

const SPEC_5_8_TEXT = `description lab ( name = 'demo-lab' )
network pub ( outbound = 'yes' and outports = '22,8080-80' )
network lan ( )
system head (
  cpu.count >= 2 and cpu.count <= 8 and
  memory.size >= 4G and
  net_interface.0.connection = 'pub' and
  net_interface.0.dns_name = 'head' and
  net_interface.1.connection = 'lan' and
  disk.0.image.url = ['ost://cloud.example.org/abc', 'one://one.example.org/7'] and
  disk.0.os.name = 'linux' and
  disk.0.os.version >= '22.04' and
  disk.0.applications contains (name = 'ansible.roles.acme.nfs') and
  disk.1.size = 20GiB and disk.1.device = 'vdb' and
  soft 10 ( instance_type = 'm1.large' )
)
configure head (
@begin
- tasks:
  - debug: msg="hi"
@end
)
contextualize 900 (
  option ansible_version = '2.16.3'
  system head configure head step 2
)
deploy head 1 site_a
`;

test("§6.5: the §5.8 text, parsed, prints exactly as the hand-built document", () => {
  const { document, diagnostics } = parseRadl(SPEC_5_8_TEXT, { source: "spec-5.8.radl" });
  assert.deepEqual(diagnostics, []);
  assert.ok(document);
  assert.deepEqual(plainDocument(document), plainDocument(specExampleDocument()));
  assert.equal(printRadl(document), printRadl(specExampleDocument()));
});

test("§5.8: decoding the example's JSON and printing it loses units and the string operator", () => {
  const { document } = decodeRadlJson(stringifyRadlJson(specExampleDocument()));
  assert.ok(document);
  const text = printRadl(document);
  assert.ok(
    text.startsWith(
      "description lab (name = 'demo-lab')\nnetwork pub ( outbound = 'yes' and\noutports = '22,8080-80' )\nnetwork lan (  )\nsystem head (\ncpu.count >= 2 and\ncpu.count <= 8 and\nmemory.size >= 4000000000 and\n",
    ),
    text,
  );
  assert.match(text, /\ndisk\.0\.os\.version = '22\.04' and\n/);
  assert.match(text, /\ndisk\.1\.size = 21474836480 and\n/);
});
