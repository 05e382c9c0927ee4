import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeRadlJson, stringifyRadlJson } from "../../compiler/json/encode.js";
import { RadlUnrepresentableError } from "../../compiler/print.js";
import {
  bound,
  contextualize,
  ctxItem,
  doc,
  eq,
  features,
  lit,
  range,
  soft,
  specExampleDocument,
  str,
} from "../support/radl-arbitrary.js";

test("§5.8: the example document encodes with both bounds, base units and the real description id", () => {
  assert.deepEqual(encodeRadlJson(specExampleDocument()), [
    { class: "network", id: "pub", outbound: "yes", outports: "22,8080-80" },
    { class: "network", id: "lan" },
    {
      class: "system",
      id: "head",
      "cpu.count_min": 2,
      "cpu.count_max": 8,
      "memory.size_min": 4000000000,
      "net_interface.0.connection": "pub",
      "net_interface.0.dns_name": "head",
      "net_interface.1.connection": "lan",
      "disk.0.image.url": ["ost://cloud.example.org/abc", "one://one.example.org/7"],
      "disk.0.os.name": "linux",
      "disk.0.os.version": "22.04",
      "disk.0.applications": [{ name: "ansible.roles.acme.nfs" }],
      "disk.1.size": 21474836480,
      "disk.1.device": "vdb",
      softs: [{ weight: 10, items: { instance_type: "m1.large" } }],
    },
    { class: "configure", id: "head", recipes: '\n- tasks:\n  - debug: msg="hi"\n' },
    { class: "deploy", system: "head", vm_number: 1, cloud: "site_a" },
    {
      class: "contextualize",
      max_time: 900,
      items: [{ system: "head", configure: "head", step: 2 }],
      options: { ansible_version: "2.16.3" },
    },
    { class: "description", id: "lab", name: "demo-lab" },
  ]);
});

test("§5.7: the compact text keeps insertion order (class, id, features; deploy and contextualize keys)", () => {
  const text = stringifyRadlJson(specExampleDocument());
  assert.ok(
    text.startsWith(
      '[{"class":"network","id":"pub","outbound":"yes","outports":"22,8080-80"},{"class":"network","id":"lan"},' +
        '{"class":"system","id":"head","cpu.count_min":2,"cpu.count_max":8,"memory.size_min":4000000000,',
    ),
    text,
  );
  assert.ok(text.includes('{"class":"deploy","system":"head","vm_number":1,"cloud":"site_a"}'));
  assert.ok(text.includes('{"class":"contextualize","max_time":900,"items":['));
  assert.equal(stringifyRadlJson(specExampleDocument()), text, "the same IR gives the same text");
  const pretty = stringifyRadlJson(specExampleDocument(), { indent: 2, sortKeys: true });
  assert.ok(pretty.includes('{\n    "class": "network",\n    "id": "pub",\n    "outbound": "yes",'), pretty);
  assert.ok(pretty.indexOf('"cpu.count_max"') < pretty.indexOf('"cpu.count_min"'), "pretty mode sorts keys");
});

test("J10: a description encodes its own id, last", () => {
  const encoded = encodeRadlJson(
    doc({
      description: { id: "d1", reference: false, features: features(["name", str("x")]) },
      systems: [{ id: "s", reference: true, features: features() }],
    }),
  );
  assert.deepEqual(encoded, [
    { class: "system", id: "s", reference: true },
    { class: "description", id: "d1", name: "x" },
  ]);
});

test("§5.2: numbers go to base units; equality needs two `=` bounds with the same value; floats stay exact", () => {
  const encoded = encodeRadlJson(
    doc({
      systems: [
        {
          id: "s",
          reference: false,
          features: features(
            ["a", eq("1.1", "G")],
            ["b", range(bound(">=", "1", "G"), bound("<=", "1", "Gi"))],
            ["c", range(bound(">", "2"), bound("<", "2"))],
            ["d", range(undefined, bound("<", "512", "m"))],
            ["e", eq("1.5")],
            ["f", range(bound("=", "1000", "M"), bound("=", "1", "G"))],
          ),
        },
      ],
    }),
  );
  assert.deepEqual(encoded[0], {
    class: "system",
    id: "s",
    a: 1100000000,
    b_min: 1000000000,
    b_max: 1073741824,
    c_min: 2,
    c_max: 2,
    d_max: 512000000,
    e: 1.5,
    f: 1000000000,
  });
});

test("§5.2: soft blocks go where the first one appeared; contains entries are objects", () => {
  const encoded = encodeRadlJson(
    doc({
      networks: [
        {
          id: "n",
          reference: false,
          features: features(
            ["a", str("1")],
            soft("5", features(["b", eq("2")])),
            ["c", str("3")],
            soft("0.5", features()),
          ),
        },
      ],
    }),
  );
  assert.deepEqual(Object.keys(encoded[0] ?? {}), ["class", "id", "a", "softs", "c"]);
  assert.deepEqual(encoded[0]?.softs, [
    { weight: 5, items: { b: 2 } },
    { weight: 0.5, items: {} },
  ]);
});

test("§5.4: contextualize drops zero time and steps, absent tools and empty parts; options use the feature keys", () => {
  const ctx = (c: ReturnType<typeof contextualize>) => encodeRadlJson(doc({ contextualize: c }));
  assert.deepEqual(ctx(contextualize(undefined, [])), [{ class: "contextualize" }]);
  assert.deepEqual(ctx(contextualize("0", [ctxItem("a", "b", "0")])), [
    { class: "contextualize", items: [{ system: "a", configure: "b" }] },
  ]);
  assert.deepEqual(
    ctx(
      contextualize(
        "50",
        [ctxItem("a", "b", undefined, "cloud_init")],
        [
          ["x", { op: ">=", value: lit("2") }],
          ["y", { op: "<", value: lit("3") }],
          ["z", { op: ">=", value: "v" }],
          ["w", { op: "=", value: lit("1") }],
        ],
      ),
    ),
    [
      {
        class: "contextualize",
        max_time: 50,
        items: [{ system: "a", configure: "b", ctxt_tool: "cloud_init" }],
        options: { x_min: 2, y_max: 3, z: "v", w: 1 },
      },
    ],
  );
  assert.deepEqual(encodeRadlJson(doc({})), [], "no contextualize section, no object");
});

test("§5.3/§5.5: configure forms and deploys", () => {
  assert.deepEqual(
    encodeRadlJson(
      doc({
        configures: [
          { id: "r", reference: true, recipe: null },
          { id: "e", reference: false, recipe: null },
        ],
        deploys: [{ system: "s", count: lit("3") }],
      }),
    ),
    [
      { class: "configure", id: "r", reference: true },
      { class: "configure", id: "e", recipes: null },
      { class: "deploy", system: "s", vm_number: 3 },
    ],
  );
});

test("names the JSON form would read back differently are refused", () => {
  const sys = (...items: Parameters<typeof features>) =>
    doc({ systems: [{ id: "s", reference: false, features: features(...items) }] });
  const refused = (d: ReturnType<typeof doc>, pattern: RegExp) =>
    assert.throws(
      () => encodeRadlJson(d),
      (e: unknown) =>
        e instanceof RadlUnrepresentableError &&
        e.code === "E-PRINT-UNREPRESENTABLE" &&
        pattern.test(e.message),
    );
  refused(sys(["size_max", eq("3")]), /system 's', feature 'size_max'.*_min or _max/);
  refused(
    sys(["x", range(bound(">=", "1"))], ["x_min", str("s")]),
    /feature 'x_min'.*"x_min" is already taken/,
  );
  refused(sys(["class", str("c")]), /"class"/);
  refused(sys(["softs", str("c")]), /"softs"/);
  refused(
    doc({ contextualize: contextualize(undefined, [], [["t_min", { op: "=", value: lit("1") }]]) }),
    /option 't_min'/,
  );
  assert.deepEqual(encodeRadlJson(sys(["size_max", str("3")]))[0], {
    class: "system",
    id: "s",
    size_max: "3",
  });
});
