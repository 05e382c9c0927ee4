// Bad input: several errors per pass, each with line:col, expected tokens and an Appendix C code;
// nothing escapes as an exception, whatever the input.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRadl, parseRadlOrThrow } from "../../compiler/parse.js";
import { RadlDocumentError, RadlPulumiError } from "../../compiler/errors.js";

const APPENDIX_C =
  /^(E-LEX-(ILLEGAL-CHAR|UNTERMINATED-STRING|BACKSLASH-NEWLINE|NUMBER-RANGE)|E-PARSE-(SYNTAX|UNTERMINATED-RECIPE)|E-BUILD-(DUPLICATE-ID|DUPLICATE-DESCRIPTION|DISJOINT|CONFLICT|TYPE-MIX)|W-CONTAINS-NO-NAME|W-CTX-DUPLICATE-ITEM|W-LEX-DROPPED-CHAR)$/;

test("several syntax errors in one pass, each with position and expected tokens", () => {
  const text = [
    "system a ( p = = 1 )", // 1: value expected
    "network n ( outbound = 'yes' )",
    "system b ( q = 1 and )", // 3: feature expected
    "deploy a x", // 4: number expected
    "system c ( r = 'ok' )",
  ].join("\n");
  const r = parseRadl(text, { source: "bad.radl" });
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-PARSE-SYNTAX@1:16", "E-PARSE-SYNTAX@3:22", "E-PARSE-SYNTAX@4:10"],
  );
  assert.deepEqual(r.diagnostics[0]?.expected, ["number", "string", "'['"]);
  assert.deepEqual(r.diagnostics[1]?.expected, ["'soft'", "identifier"]);
  assert.deepEqual(r.diagnostics[2]?.expected, ["number"]);
  assert.ok(r.diagnostics.every((d) => d.source === "bad.radl" && d.severity === "error"));
  assert.match(r.diagnostics[2]!.message, /expected number but found identifier "x"/);
  // After a skipped optional part the closing ')' is not the only thing that fits.
  assert.deepEqual(parseRadl("system a ( step = 1 )").diagnostics[0]?.expected, [
    "identifier",
    "'soft'",
    "')'",
  ]);
  assert.deepEqual(parseRadl("system a ( p = 'x' q = 1 )").diagnostics[0]?.expected, ["'and'", "')'"]);
  assert.deepEqual(parseRadl("contextualize ( x )").diagnostics[0]?.expected, [
    "'option'",
    "'system'",
    "')'",
  ]);
});

test("lexical and build errors are reported together", () => {
  const r = parseRadl("system a ( p = 1 and ; q = 'x' and q = 'y' )\nsystem a ()\ndeploy a 1 !");
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    [
      "E-LEX-ILLEGAL-CHAR@1:22",
      "E-BUILD-CONFLICT@1:36",
      "E-BUILD-DUPLICATE-ID@2:8",
      "E-LEX-ILLEGAL-CHAR@3:12",
    ],
  );
});

test("errors in later sections are found after a section that cannot be resynchronised", () => {
  const r = parseRadl("system a ( p = 1 ) ) ) system b ( x = ) network n ( y = 'z' and )");
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-PARSE-SYNTAX@1:20", "E-PARSE-SYNTAX@1:39", "E-PARSE-SYNTAX@1:65"],
  );
});

test("parseRadlOrThrow throws RadlDocumentError with every diagnostic", () => {
  assert.throws(
    () => parseRadlOrThrow("system a ( p = 'x' and p = 'y' and q = 1 and q = 2 )", { source: "x.radl" }),
    (e: unknown) => {
      assert.ok(e instanceof RadlDocumentError);
      assert.ok(e instanceof RadlPulumiError);
      assert.equal(e.code, "E-BUILD-CONFLICT");
      assert.deepEqual(
        e.diagnostics.map((d) => d.code),
        ["E-BUILD-CONFLICT", "E-BUILD-DISJOINT"],
      );
      return true;
    },
  );
  assert.equal(parseRadlOrThrow("system a ()").systems[0]?.id, "a");
});

test("warnings alone keep the document", () => {
  const r = parseRadl("system a ( x contains (a = 1) )");
  assert.ok(r.document);
  assert.deepEqual(
    r.diagnostics.map((d) => d.code),
    ["W-CONTAINS-NO-NAME"],
  );
});

const GARBAGE = [
  "\u0000\u0001\u0002\u00ff\ufffd",
  Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x27, 0x0a, 0x40]).toString("latin1"),
  "'",
  '"',
  "system a ( p = 'never closed",
  "system a ( p = 'x\\",
  "configure c (\n@begin\nno end",
  "configure c ( @begin",
  "@",
  "@begin",
  "@end",
  "@input.x@",
  "(".repeat(5000),
  ")".repeat(5000),
  `system a ( ${"soft 1 ( ".repeat(3000)}x = 1${" )".repeat(3000)} )`,
  `system a ( ${"x contains ( ".repeat(150)}y = 1${" )".repeat(150)} )`,
  "system a ( p = [ 'a' 'b' ] )",
  "contextualize ( system a configure b step 1 step 2 )",
  "deploy",
  "system",
  "and and and",
  "💩 system 💩 ( p = '💩' )",
  "\ud800 unpaired surrogate",
  // Sub-rules that recover return nothing: found by the corpus fuzzer.
  "contextualize ( option a 'b' )",
  "contextualize (\n  option ansiboyo' and\ndisk.0.os.name = 'linux'\n)",
  "contextualize ( option a = )",
  "system a ( p 'x' and q = 1 )",
  "system a ( p = and q = 1 )",
];

test("garbage input never throws, always gives a positioned diagnostic with an Appendix C code", () => {
  for (const text of GARBAGE) {
    const r = parseRadl(text);
    for (const d of r.diagnostics) {
      assert.match(d.code, APPENDIX_C, `${JSON.stringify(text.slice(0, 40))}: ${d.code} ${d.message}`);
      assert.ok(d.span && d.span.line >= 1 && d.span.column >= 1, JSON.stringify(d));
    }
    if (r.document === null) assert.ok(r.diagnostics.some((d) => d.severity === "error"));
    assert.ok(!r.diagnostics.some((d) => d.message.includes("internal")), JSON.stringify(r.diagnostics));
  }
});

test("nesting: 150 levels parse; thousands are one clear error", () => {
  const ok = parseRadl(`system a ( ${"x contains ( ".repeat(150)}y = 1${" )".repeat(150)} )`);
  assert.ok(ok.document, JSON.stringify(ok.diagnostics.slice(0, 2)));
  const deep = parseRadl(`system a ( ${"soft 1 ( ".repeat(3000)}x = 1${" )".repeat(3000)} )`);
  assert.equal(deep.document, null);
  assert.deepEqual(
    deep.diagnostics.map((d) => d.code),
    ["E-PARSE-SYNTAX"],
  );
  assert.match(deep.diagnostics[0]!.message, /nest/);
});

test("random strings never throw", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => {
      const r = parseRadl(text);
      assert.equal(
        r.document === null,
        r.diagnostics.some((d) => d.severity === "error"),
      );
      for (const d of r.diagnostics) assert.match(d.code, APPENDIX_C);
      assert.ok(!r.diagnostics.some((d) => d.message.includes("internal")), JSON.stringify(r.diagnostics));
    }),
    { numRuns: 500, seed: 99 },
  );
});
