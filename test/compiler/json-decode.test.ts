import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { check } from "../../compiler/check.js";
import { decodeRadlJson } from "../../compiler/json/decode.js";
import { encodeRadlJson } from "../../compiler/json/encode.js";
import { formatDiagnostic, type Diagnostic } from "../../compiler/diagnostic.js";
import { loadRadl } from "../../compiler/load.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { printRadl } from "../../compiler/print.js";
import { corpusDir } from "../support/paths.js";

function decodeOk(input: unknown): RadlDocument {
  const { document, diagnostics } = decodeRadlJson(input);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.ok(document);
  return document;
}

function decodeErrors(input: unknown): Array<[string, string | undefined]> {
  const { document, diagnostics } = decodeRadlJson(input, { source: "body.json" });
  assert.equal(document, null, "a document with errors is not returned");
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.ok(errors.length > 0);
  for (const d of errors) {
    assert.equal(d.source, "body.json");
    assert.ok(d.message.length > 0);
  }
  return errors.map((d: Diagnostic) => [d.code, d.pointer]);
}

function printed(input: unknown): string {
  return printRadl(decodeOk(input));
}

test("J1: a top-level object is E-JSON-SHAPE at the root", () => {
  assert.deepEqual(decodeErrors({ class: "system", id: "a" }), [["E-JSON-SHAPE", ""]]);
  assert.deepEqual(decodeErrors('{"class":"system","id":"a"}'), [["E-JSON-SHAPE", ""]]);
});

test("J2: an object without id is E-JSON-SHAPE at that object", () => {
  assert.deepEqual(decodeErrors([{ class: "network", id: "n" }, { class: "system" }]), [
    ["E-JSON-SHAPE", "/1"],
  ]);
  assert.deepEqual(decodeErrors([{ class: "system", id: 5 }]), [["E-JSON-SHAPE", "/0/id"]]);
  assert.deepEqual(decodeErrors([{ id: "a" }]), [["E-JSON-SHAPE", "/0"]]);
  assert.deepEqual(decodeErrors(["system a"]), [["E-JSON-SHAPE", "/0"]]);
});

test("J3: an unknown class is E-JSON-SHAPE at its class", () => {
  assert.deepEqual(decodeErrors([{ class: "foo", id: "a" }]), [["E-JSON-SHAPE", "/0/class"]]);
});

test("J4: an array of strings is a string list for any key", () => {
  assert.equal(
    printed([
      { class: "system", id: "f", "environment.variables": ["a:b", "c"], "input.0.suffix": ["*"], empty: [] },
    ]),
    "system f (\nenvironment.variables = ['a:b','c'] and\ninput.0.suffix = ['*'] and\nempty = []\n)\n",
  );
});

test("J5: booleans, null and objects are E-JSON-VALUE at the feature", () => {
  assert.deepEqual(decodeErrors([{ class: "system", id: "a", x: true }]), [["E-JSON-VALUE", "/0/x"]]);
  assert.deepEqual(
    decodeErrors([
      { class: "system", id: "a", n: null, o: { a: 1 }, r: { class: "network", id: "n" } },
      {
        class: "network",
        id: "b",
        mixed: ["a", { name: "b" }],
        nums: [1, 2],
        refs: [{ class: "system", id: "x" }],
      },
    ]),
    [
      ["E-JSON-VALUE", "/0/n"],
      ["E-JSON-VALUE", "/0/o"],
      ["E-JSON-VALUE", "/0/r"],
      ["E-JSON-VALUE", "/1/mixed"],
      ["E-JSON-VALUE", "/1/nums"],
      ["E-JSON-VALUE", "/1/refs"],
    ],
  );
});

test("J6: `_min` with a non-number is a string feature of that literal name", () => {
  assert.equal(printed([{ class: "system", id: "a", x_min: "s" }]), "system a (\nx_min = 's'\n)\n");
});

test("J7: `_min` and `_max` give both bounds of one feature", () => {
  assert.equal(
    printed([
      { class: "system", id: "a", "cpu.count_min": 1, "memory.size": 1073741824, "cpu.count_max": 4 },
    ]),
    "system a (\ncpu.count >= 1 and\ncpu.count <= 4 and\nmemory.size = 1073741824\n)\n",
  );
});

test("J8: a configure without recipes is E-JSON-SHAPE; recipes null is an empty configure", () => {
  assert.deepEqual(decodeErrors([{ class: "configure", id: "c" }]), [["E-JSON-SHAPE", "/0"]]);
  assert.deepEqual(decodeErrors([{ class: "configure", id: "c", recipes: 3 }]), [
    ["E-JSON-VALUE", "/0/recipes"],
  ]);
  assert.equal(
    printed([
      { class: "configure", id: "c", recipes: null },
      { class: "configure", id: "r", reference: true },
      { class: "configure", id: "y", recipes: "\n- tasks: []\n" },
    ]),
    "configure c ()\nconfigure r\nconfigure y (\n@begin\n- tasks: []\n@end\n)\n",
  );
});

test("J9: any contextualize object, even with only a time, turns contextualization into an explicit plan", () => {
  const d = decodeOk([{ class: "contextualize", max_time: 50 }]);
  assert.equal(d.contextualize.maxTime === 0 ? 0 : d.contextualize.maxTime.value, 50);
  assert.equal(d.contextualize.items?.size, 0);
  assert.equal(d.contextualize.options?.size, 0);
  assert.equal(printRadl(d), "contextualize 50 ()\n");
  const none = decodeOk([]);
  assert.equal(none.contextualize.items, null);
  assert.equal(none.contextualize.options, null);
});

test("J10: a description id written as a number (old IM output) is read as text, with a warning", () => {
  const { document, diagnostics } = decodeRadlJson([{ class: "description", id: 140234, name: "x" }]);
  assert.equal(document?.description?.id, "140234");
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity, d.pointer]),
    [["W-JSON-DESCRIPTION-ID", "warning", "/0/id"]],
  );
  assert.deepEqual(encodeRadlJson(decodeOk([{ class: "description", id: "lab", name: "x" }])), [
    { class: "description", id: "lab", name: "x" },
  ]);
});

test("E-JSON-REFERENCE-CLASS: ansible, contextualize and deploy objects cannot be references", () => {
  assert.deepEqual(
    decodeErrors([
      { class: "ansible", id: "a", reference: true },
      { class: "contextualize", reference: true },
      { class: "deploy", system: "s", vm_number: 1, reference: true },
    ]),
    [
      ["E-JSON-REFERENCE-CLASS", "/0/reference"],
      ["E-JSON-REFERENCE-CLASS", "/1/reference"],
      ["E-JSON-REFERENCE-CLASS", "/2/reference"],
    ],
  );
});

test("deploy: system and vm_number are required; vm_number is a non-negative integer", () => {
  assert.deepEqual(decodeErrors([{ class: "deploy", system: "s" }]), [["E-JSON-SHAPE", "/0"]]);
  assert.deepEqual(decodeErrors([{ class: "deploy", vm_number: 1 }]), [["E-JSON-SHAPE", "/0"]]);
  assert.deepEqual(
    decodeErrors([
      { class: "deploy", system: "s", vm_number: 1.5 },
      { class: "deploy", system: "s", vm_number: -1 },
      { class: "deploy", system: "s", vm_number: "2" },
      { class: "deploy", system: "s", vm_number: 1, cloud: 7 },
    ]),
    [
      ["E-JSON-VALUE", "/0/vm_number"],
      ["E-JSON-VALUE", "/1/vm_number"],
      ["E-JSON-VALUE", "/2/vm_number"],
      ["E-JSON-VALUE", "/3/cloud"],
    ],
  );
  assert.equal(
    printed([
      { class: "deploy", system: "s", vm_number: 0 },
      { class: "deploy", system: "s", vm_number: 2, cloud: "one" },
    ]),
    "deploy s 0\ndeploy s 2 one\n",
  );
});

test("contextualize: items, steps, tools and options; bad parts named by pointer", () => {
  assert.equal(
    printed([
      {
        class: "contextualize",
        max_time: 900,
        options: { ansible_version: "2.16.3", retries_min: 2 },
        items: [
          { system: "a", configure: "a", step: 2 },
          { system: "b", configure: "b", ctxt_tool: "cloud_init" },
          { system: "c", configure: "c", ctxt_tool: "", step: 0 },
        ],
      },
    ]),
    "contextualize 900 (\noption ansible_version = '2.16.3'\noption retries >= 2\nsystem a configure a step 2\nsystem b configure b with cloud_init\nsystem c configure c\n)\n",
  );
  assert.deepEqual(
    decodeErrors([
      {
        class: "contextualize",
        max_time: "x",
        items: [{ system: "a" }, { system: "a", configure: "b", step: "1" }, 3],
        options: { l: ["x"], n: null },
      },
      { class: "contextualize", items: {}, options: [] },
    ]).sort(),
    [
      ["E-JSON-VALUE", "/0/max_time"],
      ["E-JSON-SHAPE", "/0/items/0"],
      ["E-JSON-VALUE", "/0/items/1/step"],
      ["E-JSON-SHAPE", "/0/items/2"],
      ["E-JSON-VALUE", "/0/options/n"],
      ["E-JSON-VALUE", "/0/options/l"],
      ["E-JSON-VALUE", "/1/items"],
      ["E-JSON-VALUE", "/1/options"],
    ].sort(),
  );
});

test("contextualize objects merge like text sections: larger time, later item for the same pair in place", () => {
  const d = decodeOk([
    {
      class: "contextualize",
      max_time: 100,
      items: [
        { system: "a", configure: "c", step: 1 },
        { system: "b", configure: "c" },
      ],
    },
    { class: "contextualize", max_time: 50, items: [{ system: "a", configure: "c", step: 2 }] },
  ]);
  assert.equal(printRadl(d), "contextualize 100 (\nsystem a configure c step 2\nsystem b configure c\n)\n");
});

test("softs: weight and items default; a bad soft block is E-JSON-VALUE", () => {
  assert.equal(
    printed([{ class: "system", id: "s", a: "1", softs: [{ weight: 10, items: { b: 2 } }, {}], c: "3" }]),
    "system s (\na = '1' and\nsoft 10 ( b = 2 ) and\nsoft 0 (  ) and\nc = '3'\n)\n",
  );
  assert.deepEqual(
    decodeErrors([{ class: "system", id: "s", softs: [{ weight: "high" }, 3, { items: [] }] }]),
    [
      ["E-JSON-VALUE", "/0/softs/0/weight"],
      ["E-JSON-VALUE", "/0/softs/1"],
      ["E-JSON-VALUE", "/0/softs/2/items"],
    ],
  );
  assert.deepEqual(decodeErrors([{ class: "system", id: "s", softs: { weight: 1 } }]), [
    ["E-JSON-VALUE", "/0/softs"],
  ]);
});

test("pointers escape `~` and `/` in keys (RFC 6901)", () => {
  assert.deepEqual(decodeErrors([{ class: "system", id: "s", "a/b~c": false }]), [
    ["E-JSON-VALUE", "/0/a~1b~0c"],
  ]);
});

test("text that is not JSON is E-JSON-SHAPE at the root", () => {
  assert.deepEqual(decodeErrors("[{"), [["E-JSON-SHAPE", ""]]);
});

test("§0.3: the text builder's rules apply — contains entries merge by name, duplicates and conflicts are build errors", () => {
  assert.equal(
    printed([
      {
        class: "system",
        id: "s",
        "disk.0.applications": [{ name: "a" }, { name: "b", version: "1" }, { name: "a", version: "2" }],
      },
    ]),
    "system s (\ndisk.0.applications contains (name = 'a' and\nversion = '2') and\ndisk.0.applications contains (name = 'b' and\nversion = '1')\n)\n",
  );
  const codes = (input: unknown) => decodeErrors(input).map(([code]) => code);
  assert.deepEqual(
    decodeErrors([
      { class: "system", id: "s" },
      { class: "system", id: "s", reference: true },
    ]),
    [["E-BUILD-DUPLICATE-ID", "/1"]],
  );
  assert.deepEqual(codes([{ class: "system", id: "s", "cpu.count_min": 4, "cpu.count_max": 2 }]), [
    "E-BUILD-DISJOINT",
  ]);
  assert.deepEqual(
    codes([
      {
        class: "system",
        id: "s",
        apps: [
          { name: "a", version: "1" },
          { name: "a", version: "2" },
        ],
      },
    ]),
    ["E-BUILD-CONFLICT"],
  );
  assert.deepEqual(codes([{ class: "system", id: "s", x_min: 1, x: "one" }]), ["E-BUILD-TYPE-MIX"]);
  assert.deepEqual(
    decodeErrors([
      { class: "description", id: "a" },
      { class: "description", id: "b" },
    ]),
    [["E-BUILD-DUPLICATE-DESCRIPTION", "/1"]],
  );
});

test("corpus json/test_simple.json decodes without diagnostics and re-encodes to the same objects", () => {
  const text = readFileSync(join(corpusDir, "json", "test_simple.json"), "utf8");
  const original = JSON.parse(text) as Array<Record<string, unknown>>;
  const { document, diagnostics } = decodeRadlJson(text, { source: "test_simple.json" });
  assert.deepEqual(diagnostics, []);
  assert.ok(document);
  assert.deepEqual(
    document.systems.map((s) => s.id),
    ["front", "wn"],
  );
  assert.equal(document.deploys.length, 2);
  assert.deepEqual(check(document), [], "valid (§8.1)");
  const encoded = encodeRadlJson(document);
  assert.deepEqual(encoded, original);
  // compact insertion order: class, id, then the features in the order read
  assert.deepEqual(Object.keys(encoded[2] ?? {}), [
    "class",
    "id",
    "cpu.arch",
    "cpu.count_min",
    "disk.0.image.url",
    "disk.0.os.name",
    "memory.size_min",
    "net_interface.0.connection",
    "net_interface.1.connection",
  ]);
});

test("check() findings on RADL-JSON text name the line, column and pointer of the offending value", () => {
  const text = [
    "[",
    '  {"class": "network", "id": "pub", "outbound": "yes"},',
    '  {"class": "system", "id": "front",',
    '   "net_interface.0.connection": "nowhere",',
    '   "cpu.count_min": 1},',
    '  {"class": "deploy", "system": "ghost", "vm_number": 1}',
    "]",
  ].join("\n");
  const { document, diagnostics } = loadRadl(text, { source: "inf.json" });
  assert.equal(document, null);
  const net = diagnostics.find((d) => d.message.includes("nowhere"));
  assert.ok(net, JSON.stringify(diagnostics));
  assert.deepEqual([net.span?.line, net.span?.column, net.pointer], [4, 34, "/1/net_interface.0.connection"]);
  assert.match(formatDiagnostic(net), /^inf\.json:4:34: /);
  const deploy = diagnostics.find((d) => d.message.includes("ghost"));
  assert.ok(deploy, JSON.stringify(diagnostics));
  assert.deepEqual([deploy.span?.line, deploy.span?.column, deploy.pointer], [6, 3, "/2"]);
});

test("a parsed JSON value (no text) still gives pointers, and no invented positions", () => {
  const { document } = decodeRadlJson([{ class: "system", id: "a", "cpu.count": 1 }]);
  assert.ok(document);
  assert.equal(document.systems[0]!.span, undefined);
});
