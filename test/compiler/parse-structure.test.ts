// Spec radl.md §7.5 (structure): every row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";
import type { RadlDocument } from "../../compiler/ir.js";

function ok(text: string): RadlDocument {
  const r = parseRadl(text);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.ok(r.document);
  return r.document;
}

function errorCodes(text: string): string[] {
  const r = parseRadl(text);
  assert.equal(r.document, null);
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`);
}

test("T1: a description alone", () => {
  const d = ok("description d ( name = 'x' )").description;
  assert.equal(d?.id, "d");
  assert.equal(d?.reference, false);
  const name = d?.features.features.get("name");
  assert.equal(name?.kind === "string" && name.value, "x");
});

test("T2: a description after a system", () => {
  const doc = ok("system a ()\ndescription d ()");
  assert.deepEqual([doc.description?.id, doc.systems[0]?.id], ["d", "a"]);
});

test("T3: two descriptions", () => {
  assert.deepEqual(errorCodes("description d ()\ndescription e ()"), ["E-BUILD-DUPLICATE-DESCRIPTION@2:13"]);
});

test("T4: a description reference", () => {
  const doc = ok("description d\nsystem a ()");
  assert.deepEqual([doc.description?.id, doc.description?.reference], ["d", true]);
  assert.equal(doc.description?.features.order.length, 0);
});

test("T5: ansible has no reference form", () => {
  assert.deepEqual(errorCodes("ansible h"), ["E-PARSE-SYNTAX@1:10"]);
  const a = ok("ansible h ( host = 'x' )").ansible[0];
  assert.deepEqual([a?.id, a?.reference], ["h", false]);
});

test("T6: a system reference and definition with the same id", () => {
  assert.deepEqual(errorCodes("system a\nsystem a ( p = 1 )"), ["E-BUILD-DUPLICATE-ID@2:8"]);
  assert.deepEqual(errorCodes("network n ()\nnetwork n ()"), ["E-BUILD-DUPLICATE-ID@2:9"]);
  assert.deepEqual(errorCodes("ansible h ()\nansible h ()"), ["E-BUILD-DUPLICATE-ID@2:9"]);
});

test("T7: ids are per class", () => {
  const doc = ok("network a ()\nsystem a ()\nconfigure a ()");
  assert.deepEqual([doc.networks.length, doc.systems.length, doc.configures.length], [1, 1, 1]);
  assert.equal(doc.systems[0]?.reference, false);
  assert.equal(ok("system a").systems[0]?.reference, true);
});

test("T8: deploys are never merged", () => {
  const doc = ok("deploy a 1\ndeploy a 2");
  assert.deepEqual(
    doc.deploys.map((d) => [d.system, d.count.text, d.span?.line]),
    [
      ["a", "1", 1],
      ["a", "2", 2],
    ],
  );
});

test("T9: a deploy cloud must be an identifier", () => {
  assert.deepEqual(errorCodes("deploy a 1 'cloud'"), ["E-PARSE-SYNTAX@1:12"]);
  assert.deepEqual(errorCodes("deploy a 1 2"), ["E-PARSE-SYNTAX@1:12"]);
});

test("T10: a cloud id with dashes and dots", () => {
  assert.equal(ok("deploy a 1 cloud-1.x").deploys[0]?.cloud, "cloud-1.x");
});

test("T11: a deploy before its system", () => {
  const doc = ok("deploy a 1\nsystem a ()");
  assert.deepEqual([doc.deploys[0]?.system, doc.systems[0]?.id], ["a", "a"]);
});

test("T12: parentheses around a section", () => {
  assert.deepEqual(errorCodes("( system a () )"), ["E-PARSE-SYNTAX@1:1", "E-PARSE-SYNTAX@1:15"]);
});

test("T13: empty bodies are empty feature sets", () => {
  const doc = ok(
    "system a ()\nnetwork n ( )\nsystem b ( disk.0.applications contains () )\nsystem c ( soft 3 () )",
  );
  assert.equal(doc.systems[0]?.features.order.length, 0);
  assert.equal(doc.networks[0]?.features.order.length, 0);
  const apps = doc.systems[1]?.features.features.get("disk.0.applications");
  assert.equal(apps?.kind, "contains");
  assert.equal(apps.entries.get(null)?.order.length, 0);
  const soft = doc.systems[2]?.features.softs[0];
  assert.deepEqual([soft?.weight.value, soft?.features.order.length], [3, 0]);
});

test("T14: 'and' is a separator", () => {
  assert.deepEqual(errorCodes("system a ( p = 1 and )"), ["E-PARSE-SYNTAX@1:22"]);
  assert.deepEqual(errorCodes("system a ( p = 1 q = 2 )"), ["E-PARSE-SYNTAX@1:20"]);
  assert.deepEqual(errorCodes("system a ( p = 'x' q = 2 )"), ["E-PARSE-SYNTAX@1:20"]);
});

test("T15: nested soft blocks", () => {
  const set = ok("system a ( soft 10 ( soft 5 ( cpu.count >= 2 ) ) )").systems[0]!.features;
  assert.equal(set.softs.length, 1);
  assert.equal(set.softs[0]?.weight.value, 10);
  const inner = set.softs[0]!.features.softs[0];
  assert.equal(inner?.weight.value, 5);
  assert.deepEqual(inner?.features.order, ["cpu.count"]);
});

test("T16: a soft block inside a contains block", () => {
  const set = ok("system a ( disk.0.applications contains (name = 'x' and soft 1 (version = '1')) )")
    .systems[0]!.features;
  const apps = set.features.get("disk.0.applications");
  assert.equal(apps?.kind, "contains");
  const entry = apps.entries.get("x");
  assert.deepEqual(entry?.order, ["name"]);
  assert.deepEqual(entry?.softs[0]?.features.order, ["version"]);
  assert.equal(entry?.softsPosition, 1);
});

test("contextualize: items, options, step and with, in any order", () => {
  const doc = ok(
    "contextualize 300 (\n system a configure c step 2 with Ansible\n option ansible_version = '2.9'\n system b configure d\n)",
  );
  const ctx = doc.contextualize;
  assert.deepEqual(ctx.maxTime, { value: 300, isFloat: false, text: "300" });
  assert.deepEqual(
    [...ctx.items!.values()].map((i) => [i.system, i.configure, i.step === 0 ? 0 : i.step.value, i.tool]),
    [
      ["a", "c", 2, "Ansible"],
      ["b", "d", 0, undefined],
    ],
  );
  assert.deepEqual(ctx.options?.get("ansible_version"), {
    op: "=",
    value: "2.9",
    span: { line: 3, column: 2, offset: 63, length: 30 },
  });
});

test("contextualize: no section means null items and options; an empty one gives empty maps", () => {
  assert.equal(ok("system a ()").contextualize.items, null);
  assert.equal(ok("system a ()").contextualize.options, null);
  const ctx = ok("contextualize ()").contextualize;
  assert.equal(ctx.items?.size, 0);
  assert.equal(ctx.options?.size, 0);
  assert.equal(ctx.maxTime, 0);
});
