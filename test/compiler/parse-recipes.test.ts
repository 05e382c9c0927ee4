// Spec radl.md §7.4 (recipes). R10/R11 are check() errors (YAML): here the recipe text must reach
// the IR byte for byte. R16 (print/parse/print) is the printer's row; here: parse gives the exact value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";
import type { RadlDocument } from "../../compiler/ir.js";

function ok(text: string): RadlDocument {
  const r = parseRadl(text);
  assert.ok(r.document, JSON.stringify(r.diagnostics));
  return r.document;
}

function recipe(text: string): string | null | undefined {
  return ok(text).configures[0]?.recipe;
}

function errorCodes(text: string): string[] {
  const r = parseRadl(text);
  assert.equal(r.document, null);
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`);
}

test("R1: the value starts with the LF after @begin and ends with the LF before @end", () => {
  assert.equal(recipe("configure c (\n@begin\n- a: 1\n@end\n)"), "\n- a: 1\n");
});

test("R2: text after @begin on the same line is kept", () => {
  assert.equal(recipe("configure c ( @begin - a: 1\n@end )"), " - a: 1\n");
});

test("R3: an empty recipe is one LF", () => {
  assert.equal(recipe("configure c (\n@begin\n@end\n)"), "\n");
});

test("R4: @end not at the start of a line never closes the recipe", () => {
  assert.deepEqual(errorCodes("configure c ( @begin @end )"), ["E-PARSE-UNTERMINATED-RECIPE@1:15"]);
  assert.deepEqual(errorCodes("configure c (\n@begin\n- a: 1\n"), ["E-PARSE-UNTERMINATED-RECIPE@2:1"]);
  // At least one recipe line is required.
  assert.deepEqual(errorCodes("configure c ( @begin@end )"), ["E-PARSE-SYNTAX@1:21"]);
});

test("R5: an indented @end is recipe content", () => {
  assert.equal(recipe("configure c (\n@begin\n  @end\n@end\n)"), "\n  @end\n");
});

test("R6: @endpoint at column 1 ends the recipe, then 'point' is a syntax error", () => {
  assert.deepEqual(errorCodes("configure c (\n@begin\n- a\n@endpoint: x\n)"), [
    "E-PARSE-SYNTAX@4:5",
    "E-LEX-ILLEGAL-CHAR@4:10",
  ]);
});

test("R7: '#' lines inside a recipe are content", () => {
  assert.equal(recipe("configure c (\n@begin\n#!/bin/bash\n# c\n@end\n)"), "\n#!/bin/bash\n# c\n");
});

test("R8: ')' right after @end", () => {
  assert.equal(recipe("configure c (\n@begin\nx\n@end)"), "\nx\n");
});

test("R9: CRLF recipes keep their CRs", () => {
  assert.equal(recipe("configure c (\r\n@begin\r\n- a: 1\r\n@end\r\n)"), "\r\n- a: 1\r\n");
});

test("R10: two YAML documents reach the IR unchanged", () => {
  assert.equal(
    recipe("configure c (\n@begin\n---\n- a: 1\n---\n- b: 2\n@end\n)"),
    "\n---\n- a: 1\n---\n- b: 2\n",
  );
});

test("R11: TAB-indented YAML reaches the IR unchanged", () => {
  assert.equal(recipe("configure c (\n@begin\n- a:\n\tb: 1\n@end\n)"), "\n- a:\n\tb: 1\n");
});

test("R12: an Ansible Vault blob", () => {
  const blob = "$ANSIBLE_VAULT;1.1;AES256\n66336431\n";
  assert.equal(recipe(`configure c (\n@begin\n${blob}@end\n)`), `\n${blob}`);
});

test("R13: configure c () has a null recipe", () => {
  const c = ok("configure c ()").configures[0];
  assert.deepEqual([c?.recipe, c?.reference], [null, false]);
});

test("R14: configure c is a reference", () => {
  const c = ok("configure c").configures[0];
  assert.deepEqual([c?.recipe, c?.reference], [null, true]);
});

test("R15: reference and definition of one configure is a duplicate id", () => {
  assert.deepEqual(errorCodes("configure c\nconfigure c (\n@begin\nx\n@end\n)"), [
    "E-BUILD-DUPLICATE-ID@2:11",
  ]);
});

test("R16: parsing a recipe gives its exact text (no growth on re-parse)", () => {
  const once = recipe("configure c (\n@begin\n- a: 1\n@end\n)")!;
  const twice = recipe(`configure c (\n@begin${once}@end\n)`);
  assert.equal(twice, once);
});

test("line numbers advance inside recipes and multi-line strings (no drift)", () => {
  const text = [
    "configure c (", // 1
    "@begin", // 2
    "- a: 1", // 3
    "- b: 'x'", // 4
    "@end", // 5
    ")", // 6
    "system s (", // 7
    "  key = 'l1", // 8
    "l2", // 9
    "l3' and", // 10
    "  cpu.count = 1", // 11
    ")", // 12
    "deploy s 1", // 13
  ].join("\n");
  const doc = ok(text);
  assert.equal(doc.systems[0]?.span?.line, 7);
  const cpu = doc.systems[0]?.features.features.get("cpu.count");
  assert.deepEqual([cpu?.span?.line, cpu?.span?.column], [11, 3]);
  assert.equal(doc.deploys[0]?.span?.line, 13);
  assert.equal(doc.configures[0]?.span?.line, 1);
  // The same after an error: the position of a later error is exact.
  const bad = parseRadl(text.replace("deploy s 1", "deploy s 1 ;"));
  assert.deepEqual(
    bad.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-LEX-ILLEGAL-CHAR@13:12"],
  );
  assert.equal(text.slice(cpu!.span!.offset, cpu!.span!.offset + cpu!.span!.length), "cpu.count = 1");
});
