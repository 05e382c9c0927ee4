// Spec radl.md §7.6 (feature combination) and §3.2–§3.3 through parseRadl, plus the
// CST-independent builder API the JSON decoder uses (feature-set-builder.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";
import { addFeature, addSoft, mergeSets } from "../../compiler/feature-set-builder.js";
import { emptyFeatureSet, type FeatureSet, type NumberValue } from "../../compiler/ir.js";
import type { Diagnostic } from "../../compiler/diagnostic.js";

function system(body: string): FeatureSet {
  const r = parseRadl(`system a (\n${body}\n)`);
  assert.ok(r.document, JSON.stringify(r.diagnostics));
  return r.document.systems[0]!.features;
}

function codes(body: string): string[] {
  const r = parseRadl(`system a (\n${body}\n)`);
  return r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`);
}

function bounds(v: unknown): string {
  const n = v as NumberValue;
  assert.equal(n.kind, "number");
  const side = (b: NumberValue["lower"]) => (b ? `${b.op}${b.num.text}${b.unit ?? ""}` : "-");
  return `${side(n.lower)} ${side(n.upper)}`;
}

test("C1: the greatest lower bound wins", () => {
  assert.equal(
    bounds(system("cpu.count >= 1 and cpu.count >= 5 and cpu.count >= 0").features.get("cpu.count")),
    ">=5 -",
  );
});

test("C2: upper then lower gives an interval", () => {
  assert.equal(bounds(system("cpu.count <= 4 and cpu.count >= 1").features.get("cpu.count")), ">=1 <=4");
});

test("C3: two different equalities are disjoint", () => {
  assert.deepEqual(codes("cpu.count = 2 and cpu.count = 3"), ["E-BUILD-DISJOINT@2:19"]);
});

test("C4: strictness is ignored: > 2 and < 2 is accepted", () => {
  assert.equal(bounds(system("cpu.count > 2 and cpu.count < 2").features.get("cpu.count")), ">2 <2");
});

test("C5: the same string twice is one feature", () => {
  const set = system("p = 'x' and p = 'x'");
  assert.deepEqual(set.order, ["p"]);
});

test("C6: two different strings conflict", () => {
  assert.deepEqual(codes("p = 'x' and p = 'y'"), ["E-BUILD-CONFLICT@2:13"]);
});

test("C7: string comparisons do not form intervals", () => {
  assert.deepEqual(codes("disk.0.os.version >= '16.04' and disk.0.os.version <= '22.04'"), [
    "E-BUILD-CONFLICT@2:34",
  ]);
});

test("C8: number and string under one name", () => {
  assert.deepEqual(codes("p = 'x' and p = 1"), ["E-BUILD-TYPE-MIX@2:13"]);
  assert.deepEqual(codes("p = 1 and p = 'x'"), ["E-BUILD-TYPE-MIX@2:11"]);
  assert.deepEqual(codes("p = ['x'] and p = 'x'"), ["E-BUILD-TYPE-MIX@2:15"]);
});

test("C9: contains blocks with the same name merge", () => {
  const set = system(
    "disk.0.applications contains (name = 'app' and version = '1') and\n" +
      "disk.0.applications contains (name = 'app' and path = '/opt')",
  );
  const apps = set.features.get("disk.0.applications");
  assert.equal(apps?.kind, "contains");
  assert.deepEqual([...apps.entries.keys()], ["app"]);
  assert.deepEqual(apps.entries.get("app")?.order, ["name", "version", "path"]);
});

test("C10: same name, different versions conflict", () => {
  assert.deepEqual(
    codes(
      "disk.0.applications contains (name = 'app' and version = '1') and\n" +
        "disk.0.applications contains (name = 'app' and version = '2')",
    ),
    ["E-BUILD-CONFLICT@3:48"],
  );
});

test("C11: name-less contains blocks merge into one entry with a warning each", () => {
  const r = parseRadl("system a (\nx contains (a = 1) and\nx contains (b = 2)\n)");
  assert.ok(r.document);
  const x = r.document.systems[0]!.features.features.get("x");
  assert.equal(x?.kind, "contains");
  assert.deepEqual([...x.entries.keys()], [null]);
  assert.deepEqual(x.entries.get(null)?.order, ["a", "b"]);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.severity} ${d.code}@${d.span?.line}:${d.span?.column}`),
    ["warning W-CONTAINS-NO-NAME@2:1", "warning W-CONTAINS-NO-NAME@3:1"],
  );
});

test("C12: soft blocks keep their place among features and are never merged", () => {
  const set = system("a = 1 and soft 1 (x = 1) and b = 2 and soft 2 (y = 1)");
  assert.deepEqual(set.order, ["a", "b"]);
  assert.equal(set.softsPosition, 1);
  assert.deepEqual(
    set.softs.map((s) => [s.weight.value, s.features.order]),
    [
      [1, ["x"]],
      [2, ["y"]],
    ],
  );
});

test("C13: glusterfs-style dns_name given twice", () => {
  assert.deepEqual(codes("net_interface.0.dns_name = 'x' and\nnet_interface.0.dns_name = 'y'"), [
    "E-BUILD-CONFLICT@3:1",
  ]);
});

test("intervals: [2,3] from three constraints; = 2 absorbs >= 1", () => {
  const set = system("cpu.count >= 1 and cpu.count <= 3 and cpu.count >= 2 and q = 2 and q >= 1");
  assert.equal(bounds(set.features.get("cpu.count")), ">=2 <=3");
  const q = set.features.get("q") as NumberValue;
  assert.equal(q.lower, q.upper);
  assert.equal(q.lower?.op, "=");
});

test("units in intersections, and the tie rule (later lower, earlier upper)", () => {
  const set = system("memory.size >= 1G and memory.size = 1000M and m2 = 1G and m2 = 1000M");
  assert.equal(bounds(set.features.get("memory.size")), "=1000M =1000M");
  assert.equal(bounds(set.features.get("m2")), "=1000M =1G");
});

test("first-appearance order of features", () => {
  assert.deepEqual(system("b = 1 and a = 'x' and b <= 3 and c = []").order, ["b", "a", "c"]);
});

test("duplicate errors do not stop the build: every conflict is reported", () => {
  assert.deepEqual(codes("p = 'x' and p = 'y' and q = 1 and q = 2 and r = 1 and r = 'z'"), [
    "E-BUILD-CONFLICT@2:13",
    "E-BUILD-DISJOINT@2:35",
    "E-BUILD-TYPE-MIX@2:55",
  ]);
});

test("contextualize sections merge: max time, replaced items keep their place, later options win", () => {
  const r = parseRadl(
    "contextualize 10 ( system a configure c step 1\n system b configure d )\n" +
      "contextualize 5 ( system a configure c step 2 option o = 1 )\ncontextualize ( option o = 'x' )",
  );
  assert.ok(r.document);
  const ctx = r.document.contextualize;
  assert.equal(ctx.maxTime === 0 ? 0 : ctx.maxTime.value, 10);
  assert.deepEqual(
    [...ctx.items!.values()].map((i) => `${i.system}/${i.configure}/${i.step === 0 ? 0 : i.step.text}`),
    ["a/c/2", "b/d/0"],
  );
  assert.equal(ctx.options?.get("o")?.value, "x");
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.severity} ${d.code}@${d.span?.line}:${d.span?.column}`),
    ["warning W-CTX-DUPLICATE-ITEM@3:19"],
  );
});

test("builder API without text: JSON-style pointers, the same rules", () => {
  const diags: Diagnostic[] = [];
  const set = emptyFeatureSet();
  const n = (v: number) => ({ value: v, isFloat: false, text: String(v) });
  assert.equal(
    addFeature(
      set,
      "memory.size",
      { kind: "number", op: ">=", num: n(1000000000) },
      { pointer: "/0/memory.size_min" },
      diags,
    ),
    true,
  );
  assert.equal(
    addFeature(
      set,
      "memory.size",
      { kind: "number", op: "<=", num: n(1), unit: "G" },
      { pointer: "/0/memory.size_max" },
      diags,
    ),
    true,
  );
  assert.equal(
    addFeature(set, "memory.size", { kind: "number", op: "<=", num: n(5) }, { pointer: "/0/x" }, diags),
    false,
  );
  assert.equal(addFeature(set, "name", { kind: "string", op: "=", value: "n" }, undefined, diags), true);
  assert.equal(
    addFeature(set, "name", { kind: "list", op: "=", value: ["n"] }, { pointer: "/0/name" }, diags),
    false,
  );
  addSoft(set, n(3), emptyFeatureSet());
  assert.deepEqual(
    diags.map((d) => [d.code, d.pointer, d.span]),
    [
      ["E-BUILD-DISJOINT", "/0/x", undefined],
      ["E-BUILD-TYPE-MIX", "/0/name", undefined],
    ],
  );
  assert.equal(bounds(set.features.get("memory.size")), ">=1000000000 <=1G");
  assert.equal(set.softsPosition, 2);
});

test("builder API: contains entries by name, merged with mergeSets rules", () => {
  const diags: Diagnostic[] = [];
  const entry = (name: string, extra: [string, string]) => {
    const s = emptyFeatureSet();
    addFeature(s, "name", { kind: "string", op: "=", value: name }, undefined, diags);
    addFeature(s, extra[0], { kind: "string", op: "=", value: extra[1] }, undefined, diags);
    return s;
  };
  const set = emptyFeatureSet();
  addFeature(set, "apps", { kind: "contains", features: entry("a", ["version", "1"]) }, undefined, diags);
  addFeature(set, "apps", { kind: "contains", features: entry("b", ["version", "1"]) }, undefined, diags);
  addFeature(set, "apps", { kind: "contains", features: entry("a", ["path", "/x"]) }, undefined, diags);
  const apps = set.features.get("apps");
  assert.equal(apps?.kind, "contains");
  assert.deepEqual([...apps.entries.keys()], ["a", "b"]);
  assert.deepEqual(apps.entries.get("a")?.order, ["name", "version", "path"]);
  assert.equal(diags.length, 0);

  const target = emptyFeatureSet();
  addFeature(target, "v", { kind: "string", op: "=", value: "1" }, undefined, diags);
  assert.equal(mergeSets(target, entry("z", ["v", "2"]), diags), false);
  assert.deepEqual(
    diags.map((d) => d.code),
    ["E-BUILD-CONFLICT"],
  );
});
