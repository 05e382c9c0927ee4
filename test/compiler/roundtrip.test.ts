/**
 * Round-trip properties of spec radl.md §6.6 on the corpus and on generated IRs:
 * parse∘print is the identity on IRs, printing is idempotent, and RADL → JSON → RADL loses
 * exactly the §5.2 losses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { decodeRadlJson } from "../../compiler/json/decode.js";
import { encodeRadlJson, stringifyRadlJson } from "../../compiler/json/encode.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { parseRadl } from "../../compiler/parse.js";
import { printRadl, RadlUnrepresentableError } from "../../compiler/print.js";
import { corpusDir } from "../support/paths.js";
import { jsonLosses, plainDocument, radlDocumentArb } from "../support/radl-arbitrary.js";

function parseOk(text: string, source: string): RadlDocument {
  const { document, diagnostics } = parseRadl(text, { source });
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error"),
    [],
    `${source} should parse:\n${text}`,
  );
  assert.ok(document);
  return document;
}

function decodeOk(json: unknown): RadlDocument {
  const { document, diagnostics } = decodeRadlJson(json);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.ok(document);
  return document;
}

const corpusFiles = readdirSync(join(corpusDir, "radl")).filter((f) => f.endsWith(".radl"));

test("the corpus is there", () => {
  assert.ok(corpusFiles.length >= 30, `only ${corpusFiles.length} RADL files in ${corpusDir}`);
});

for (const file of corpusFiles) {
  test(`corpus ${file}: print∘parse is the identity, printing is idempotent, JSON keeps it`, (t) => {
    const text = readFileSync(join(corpusDir, "radl", file), "utf8");
    const { document, diagnostics } = parseRadl(text, { source: file });
    if (document === null) {
      // glusterfs.radl is a build error by design (§8.1); nothing to print
      assert.ok(diagnostics.some((d) => d.severity === "error"));
      t.diagnostic(`not printable: ${diagnostics[0]?.code ?? ""}`);
      assert.equal(file, "examples_glusterfs.radl");
      return;
    }
    const printed = printRadl(document);
    const reparsed = parseOk(printed, `${file} (printed)`);
    assert.deepEqual(plainDocument(reparsed), plainDocument(document));
    assert.equal(printRadl(reparsed), printed);
    const viaJson = decodeOk(JSON.parse(stringifyRadlJson(document)));
    assert.deepEqual(plainDocument(viaJson), plainDocument(jsonLosses(document)));
    assert.deepEqual(encodeRadlJson(viaJson), encodeRadlJson(document));
  });
}

test("generated IRs: parse(print(d)) = d and print is idempotent", () => {
  fc.assert(
    fc.property(radlDocumentArb, (d) => {
      const printed = printRadl(d);
      const reparsed = parseOk(printed, "generated");
      assert.deepEqual(plainDocument(reparsed), plainDocument(d));
      assert.equal(printRadl(reparsed), printed);
    }),
    { numRuns: 100 },
  );
});

test("generated IRs: decode(encode(d)) = d minus the §5.2 losses, and encoding is stable", () => {
  fc.assert(
    fc.property(radlDocumentArb, (d) => {
      const json = JSON.parse(stringifyRadlJson(d)) as unknown;
      const decoded = decodeOk(json);
      assert.deepEqual(plainDocument(decoded), plainDocument(jsonLosses(d)));
      assert.equal(stringifyRadlJson(decoded), stringifyRadlJson(d));
    }),
    { numRuns: 100 },
  );
});

test("generated IRs: RADL → JSON → RADL text reads back as the JSON's document", () => {
  fc.assert(
    fc.property(radlDocumentArb, (d) => {
      const decoded = decodeOk(encodeRadlJson(d));
      let text: string;
      try {
        text = printRadl(decoded);
      } catch (e) {
        // a size beyond 2^53-1 bytes (e.g. 9007199254740991G) has no exact integer literal in text
        assert.ok(e instanceof RadlUnrepresentableError && /2\^53/.test(e.message), String(e));
        fc.pre(false);
        return;
      }
      assert.deepEqual(plainDocument(parseOk(text, "via JSON")), plainDocument(decoded));
    }),
    { numRuns: 60 },
  );
});
