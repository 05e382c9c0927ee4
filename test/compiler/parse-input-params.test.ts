// Spec radl.md §1.12: `@input.NAME@` is substituted before parsing, never by the parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findInputParams, substituteInputParams } from "../../compiler/input-params.js";
import { parseRadl } from "../../compiler/parse.js";

const TEXT =
  "system node ( disk.0.image.url = '@input.Image@' )\ndeploy node @input.NumNodes@ @input.Cloud@\n# @input.NumNodes@";

test("placeholders are found in first-appearance order, once each", () => {
  assert.deepEqual(findInputParams(TEXT), ["Image", "NumNodes", "Cloud"]);
  assert.deepEqual(findInputParams("no placeholders @ here"), []);
});

test("substitution is raw text; unknown placeholders stay and the parser rejects them", () => {
  const out = substituteInputParams(TEXT, { Image: "one://h/1", NumNodes: "3", Cloud: "one" });
  assert.equal(out, "system node ( disk.0.image.url = 'one://h/1' )\ndeploy node 3 one\n# 3");
  const doc = parseRadl(out).document;
  assert.deepEqual([doc?.deploys[0]?.count.value, doc?.deploys[0]?.cloud], [3, "one"]);

  const partial = substituteInputParams(TEXT, { NumNodes: "2" });
  assert.ok(partial.includes("@input.Image@") && partial.includes("deploy node 2 @input.Cloud@"));
  const r = parseRadl(partial);
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-LEX-ILLEGAL-CHAR@2:15", "E-LEX-ILLEGAL-CHAR@2:27"],
  );
});
