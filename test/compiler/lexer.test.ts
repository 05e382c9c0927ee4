// Spec radl.md §7.1 (lexical) and §7.2 (strings): every row, with the IR value or the diagnostic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";
import { lexRadl } from "../../compiler/lexer.js";
import type { FeatureValue, RadlDocument } from "../../compiler/ir.js";

function ok(text: string): RadlDocument {
  const r = parseRadl(text);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === "error"),
    [],
    `expected ${JSON.stringify(text)} to parse`,
  );
  assert.ok(r.document);
  return r.document;
}

/** The error diagnostics as `CODE@line:col`. */
function errors(text: string): string[] {
  const r = parseRadl(text);
  const errs = r.diagnostics.filter((d) => d.severity === "error");
  assert.equal(r.document, null, `expected ${JSON.stringify(text)} to fail`);
  assert.ok(errs.length > 0);
  return errs.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`);
}

function feature(doc: RadlDocument, name: string, system = 0): FeatureValue | undefined {
  return doc.systems[system]?.features.features.get(name);
}

function stringValue(text: string): string {
  const v = feature(ok(`system a ( p = ${text} )`), "p");
  assert.equal(v?.kind, "string");
  return v.value;
}

test("L1: trailing comment without a final newline", () => {
  const doc = ok("system a ( p = 1 ) # trailing comment");
  assert.equal(feature(doc, "p")?.kind, "number");
});

test("L2: only a comment is an empty document", () => {
  const doc = ok("# only a comment");
  assert.equal(doc.systems.length + doc.networks.length + doc.deploys.length, 0);
  assert.equal(doc.contextualize.items, null);
});

test("L3: empty text, spaces and newlines are an empty document", () => {
  for (const t of ["", "   \n\n  \t\n"]) {
    const doc = ok(t);
    assert.equal(doc.systems.length, 0);
  }
});

test("L4: CRLF everywhere; CR is whitespace and lines count once", () => {
  const doc = ok("system a (\r\n p = 1 and\r\n q = 'x'\r\n)");
  const q = feature(doc, "q");
  assert.equal(q?.kind === "string" && q.value, "x");
  assert.equal(q?.span?.line, 3);
  assert.equal(q?.span?.column, 2);
});

test("L5: a comment inside a body", () => {
  const doc = ok("system a (\n p = 1\n # commented = 2\n)");
  assert.deepEqual(doc.systems[0]?.features.order, ["p"]);
});

test("L6: '#' inside a string is not a comment", () => {
  assert.equal(stringValue("'a#b'"), "a#b");
});

test("L7: dots and dashes in ids", () => {
  const doc = ok("network public.1718000000 ()\nsystem my-node.v2 ()");
  assert.equal(doc.networks[0]?.id, "public.1718000000");
  assert.equal(doc.systems[0]?.id, "my-node.v2");
});

test("L8: an id cannot start with a digit", () => {
  assert.deepEqual(errors("system 2nodes ()"), ["E-PARSE-SYNTAX@1:8"]);
});

test("L9: keywords are case-sensitive (SYSTEM is an identifier)", () => {
  assert.deepEqual(errors("SYSTEM a ()"), ["E-PARSE-SYNTAX@1:1"]);
});

test("L10: keywords cannot be names", () => {
  assert.deepEqual(errors("system a ( step = 1 )"), ["E-PARSE-SYNTAX@1:12"]);
  assert.deepEqual(errors("system with ()"), ["E-PARSE-SYNTAX@1:8"]);
  assert.deepEqual(errors("deploy a 1 with"), ["E-PARSE-SYNTAX@1:12"]);
  assert.match(parseRadl("system with ()").diagnostics[0]!.message, /reserved/);
});

test("L11: '!' is an illegal character", () => {
  assert.deepEqual(errors("system a ( p != 1 )"), ["E-LEX-ILLEGAL-CHAR@1:14"]);
});

test("L12: '-' before a number is an illegal character (no negative literals)", () => {
  assert.deepEqual(errors("system a ( cpu.count >= -2 )"), ["E-LEX-ILLEGAL-CHAR@1:25"]);
  assert.match(parseRadl("system a ( cpu.count >= -2 )").diagnostics[0]!.message, /negative/);
});

test("L13: ';' is an illegal character", () => {
  assert.deepEqual(errors("system a ( p = 1 ); system b ()"), ["E-LEX-ILLEGAL-CHAR@1:19"]);
});

test("L14: an identifier cannot start with a non-ASCII letter", () => {
  assert.deepEqual(errors("system école ()"), ["E-LEX-ILLEGAL-CHAR@1:8"]);
});

test("L15: non-ASCII letters after the first character", () => {
  assert.equal(ok("system café ()").systems[0]?.id, "café");
});

test("L16: NBSP is whitespace", () => {
  const doc = ok("system a (\u00a0p = 1 )");
  assert.deepEqual(doc.systems[0]?.features.order, ["p"]);
});

test("L17: '=>' and '==' are not operators", () => {
  assert.deepEqual(errors("system a ( p => 1 )"), ["E-PARSE-SYNTAX@1:15"]);
  assert.deepEqual(errors("system a ( p == 1 )"), ["E-PARSE-SYNTAX@1:15"]);
});

test("L18: a whole document on one line", () => {
  const doc = ok("network n () system s ( net_interface.0.connection = 'n' ) deploy s 2");
  assert.equal(doc.networks.length, 1);
  assert.equal(doc.systems.length, 1);
  assert.deepEqual(
    doc.deploys.map((d) => [d.system, d.count.value]),
    [["s", 2]],
  );
});

test("L19: 'and' needs no space after a string or a number", () => {
  const doc = ok("system a ( p = 'x'and q = 1and r = 2 )");
  assert.deepEqual(doc.systems[0]?.features.order, ["p", "q", "r"]);
  const q = feature(doc, "q");
  assert.equal(q?.kind === "number" && q.lower?.unit, undefined);
});

test("L20: '=' at top level is a syntax error", () => {
  assert.deepEqual(errors("deploy a = 2"), ["E-PARSE-SYNTAX@1:10"]);
});

test("S1: \\' is an escaped quote", () => {
  assert.equal(stringValue("'it\\'s'"), "it's");
});

test("S2: other backslashes are kept", () => {
  assert.equal(stringValue("'C:\\dir\\x'"), "C:\\dir\\x");
});

test("S3: two backslashes stay two backslashes", () => {
  assert.equal(stringValue("'a\\\\b'"), "a\\\\b");
});

test("S4: \\n stays backslash + n", () => {
  const v = stringValue("'a\\nb'");
  assert.equal(v.length, 4);
  assert.equal(v, "a\\nb");
});

test("S5: a raw newline in a string; later line numbers are right", () => {
  const doc = ok("system a (\n p = 'line1\nline2' and\n q = 1\n)");
  const p = feature(doc, "p");
  assert.equal(p?.kind === "string" && p.value, "line1\nline2");
  assert.equal(feature(doc, "q")?.span?.line, 4);
});

test("S6: double-quoted strings are accepted", () => {
  assert.equal(stringValue('"net"'), "net");
  assert.equal(stringValue('"say \\"hi\\" it\\\'s"'), 'say "hi" it\\\'s');
});

test('S7: cpu.count = "2" is the string 2 (not a number)', () => {
  const v = feature(ok('system a ( cpu.count = "2" )'), "cpu.count");
  assert.deepEqual(v?.kind === "string" && [v.op, v.value], ["=", "2"]);
});

test("S8: an unterminated string", () => {
  assert.deepEqual(errors("system a ( p = 'unterminated )"), ["E-LEX-UNTERMINATED-STRING@1:16"]);
});

test("S9: a backslash before a line break", () => {
  assert.deepEqual(errors("system a ( p = 'ends with \\\nmore' )"), ["E-LEX-BACKSLASH-NEWLINE@1:27"]);
  assert.deepEqual(errors("system a ( p = 'crlf \\\r\nmore' )"), ["E-LEX-BACKSLASH-NEWLINE@1:22"]);
});

const fixedRandom = (max: number) => 7 % max; // 'H'

test("S10: 'random(5)' is 5 random alphanumerics from the injected source", () => {
  const r = parseRadl("system a ( p = 'random(5)' )", { randomInt: fixedRandom });
  const v = r.document?.systems[0]?.features.features.get("p");
  assert.equal(v?.kind, "string");
  assert.equal(v.value, "HHHHH");
  assert.equal(v.generated, "random");
  const real = parseRadl("system a ( p = 'random(5)' )").document?.systems[0]?.features.features.get("p");
  assert.match(real?.kind === "string" ? real.value : "", /^[A-Za-z0-9]{5}$/);
});

test("S11: 'random(12)' gives 12 characters; 0 gives ''; above 1024 is E-LEX-NUMBER-RANGE", () => {
  assert.match(stringValue("'random(12)'"), /^[A-Za-z0-9]{12}$/);
  assert.equal(stringValue("'random(0)'"), "");
  assert.equal(stringValue("'random(1024)'").length, 1024);
  assert.deepEqual(errors("system a ( p = 'random(1025)' )"), ["E-LEX-NUMBER-RANGE@1:16"]);
});

test("S12: 'random(3)' inside a list is a plain string", () => {
  const v = feature(ok("system a ( p = ['random(3)'] )"), "p");
  assert.deepEqual(v?.kind === "list" && v.value, ["random(3)"]);
});

test("S13: other shapes are plain strings", () => {
  assert.equal(stringValue("'random( 5)'"), "random( 5)");
  assert.equal(stringValue("'Random(5)'"), "Random(5)");
});

test("S14: an empty list", () => {
  const v = feature(ok("system a ( p = [] )"), "p");
  assert.deepEqual(v?.kind === "list" && v.value, []);
});

test("S15: trailing comma and numbers in lists are syntax errors", () => {
  assert.deepEqual(errors("system a ( p = ['a',] )"), ["E-PARSE-SYNTAX@1:21"]);
  assert.deepEqual(errors("system a ( p = [1, 2] )"), ["E-PARSE-SYNTAX@1:17"]);
});

test("S16: Unicode in strings", () => {
  assert.equal(stringValue("'café ☃'"), "café ☃");
});

test("a leading BOM is ignored; one elsewhere is illegal", () => {
  assert.equal(ok("\uFEFFsystem a ()").systems[0]?.id, "a");
  assert.deepEqual(errors("system a ()\uFEFF"), ["E-LEX-ILLEGAL-CHAR@1:12"]);
});

test("@input.NAME@ is not RADL: an illegal character with a hint", () => {
  const r = parseRadl("deploy node @input.NumNodes@");
  assert.equal(r.document, null);
  assert.equal(r.diagnostics[0]?.code, "E-LEX-ILLEGAL-CHAR");
  assert.match(r.diagnostics[0]!.message, /@input/);
});

test("integers above 2^53-1 are E-LEX-NUMBER-RANGE", () => {
  assert.deepEqual(errors("system a ( p = 9007199254740992 )"), ["E-LEX-NUMBER-RANGE@1:16"]);
  assert.ok(ok("system a ( p = 9007199254740991 )"));
});

test("the lexer keeps the two modes apart: '#' and quotes are recipe content", () => {
  const { tokens, diagnostics } = lexRadl("configure c (\n@begin\n# x 'y\n@end\n)");
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    tokens.map((t) => t.tokenType.name),
    ["Configure", "Identifier", "LParen", "RecipeBegin", "RecipeLine", "RecipeLine", "RecipeEnd", "RParen"],
  );
});

test("lenient mode drops what the reference lexer drops, as warnings", () => {
  const r = parseRadl("system école ( p != 1 and cpu.count >= -2 )\ndeploy cole = 2;", { lenient: true });
  assert.ok(r.document, JSON.stringify(r.diagnostics));
  assert.equal(r.document.systems[0]?.id, "cole");
  const cpu = r.document.systems[0]?.features.features.get("cpu.count");
  assert.equal(cpu?.kind === "number" && cpu.lower?.num.value, 2);
  assert.equal(r.document.deploys[0]?.count.value, 2);
  assert.ok(r.diagnostics.length >= 5);
  assert.ok(r.diagnostics.every((d) => d.severity === "warning" && d.code === "W-LEX-DROPPED-CHAR"));
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.span?.line}:${d.span?.column}`),
    ["1:8", "1:18", "1:40", "2:13", "2:16"],
  );
});
