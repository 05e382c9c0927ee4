// Spec radl.md §7.3 (numbers and units) and the unit table of §1.8 / Appendix D item 7.
// Rows whose outcome is a check() error (N2, N6, N10-N12, N16) are asserted here for what the
// parser must deliver to the checker: the literal, the float flag and the unit, verbatim.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";
import type { NumberValue, RadlDocument } from "../../compiler/ir.js";
import {
  convertToUnit,
  isSizeUnit,
  normalizeUnit,
  roundHalfEven,
  toBase,
  unitFactor,
} from "../../compiler/units.js";

function ok(text: string): RadlDocument {
  const r = parseRadl(text);
  assert.ok(r.document, JSON.stringify(r.diagnostics));
  return r.document;
}

function num(text: string, name: string): NumberValue {
  const v = ok(`system a ( ${text} )`).systems[0]?.features.features.get(name);
  assert.equal(v?.kind, "number");
  return v;
}

test("N1: size units are kept verbatim and mean decimal or binary multiples", () => {
  const cases: [string, string, number][] = [
    ["512m", "m", 5.12e8],
    ["512 M", "M", 5.12e8],
    ["512MB", "MB", 5.12e8],
    ["512Mi", "Mi", 536870912],
    ["512mib", "mib", 536870912],
  ];
  for (const [lit, unit, bytes] of cases) {
    const v = num(`memory.size >= ${lit}`, "memory.size");
    assert.equal(v.lower?.unit, unit);
    assert.equal(v.lower?.op, ">=");
    assert.equal(v.upper, undefined);
    assert.equal(toBase(v.lower!), bytes);
  }
});

test("N2: memory.size >= 1.5G keeps the float flag (check() rejects it)", () => {
  const v = num("memory.size >= 1.5G", "memory.size");
  assert.deepEqual(v.lower?.num, { value: 1.5, isFloat: true, text: "1.5" });
  assert.equal(v.lower?.unit, "G");
});

test("N3: disk.0.size >= 1.5G", () => {
  assert.equal(toBase(num("disk.0.size >= 1.5G", "disk.0.size").lower!), 1.5e9);
});

test("N4: 1024M and <= 1G are disjoint with decimal units", () => {
  const r = parseRadl("system a ( memory.size >= 1024M and memory.size <= 1G )");
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-BUILD-DISJOINT@1:37"],
  );
});

test("N5: >= 1G and <= 1Gi is an interval, not an equality", () => {
  const v = num("memory.size >= 1G and memory.size <= 1Gi", "memory.size");
  assert.equal(v.lower?.unit, "G");
  assert.equal(v.upper?.unit, "Gi");
  assert.notEqual(toBase(v.lower!), toBase(v.upper!));
});

test("N6: 1e3 is the number 1 with the unit e3", () => {
  const v = num("price <= 1e3", "price");
  assert.deepEqual([v.upper?.num.value, v.upper?.unit], [1, "e3"]);
});

test("N7: .5 is an identifier, so x = .5 is a syntax error", () => {
  const r = parseRadl("system a ( x = .5 )");
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-PARSE-SYNTAX@1:16"],
  );
});

test("N8: 2. is the float 2.0", () => {
  assert.deepEqual(num("x = 2.", "x").lower?.num, { value: 2, isFloat: true, text: "2." });
});

test("N9: an unquoted IP is 10.0 with the unit .0.1", () => {
  const v = num("net_interface.0.ip = 10.0.0.1", "net_interface.0.ip");
  assert.deepEqual([v.lower?.num.text, v.lower?.unit, v.lower === v.upper], ["10.0", ".0.1", true]);
});

test("N10: cpu.count >= 2 cores keeps the unit for check()", () => {
  assert.equal(num("cpu.count >= 2 cores", "cpu.count").lower?.unit, "cores");
});

test("N11: cpu.performance >= 2 has no unit", () => {
  assert.equal(num("cpu.performance >= 2", "cpu.performance").lower?.unit, undefined);
});

test("N12: memory.size >= 512 X keeps the unit X", () => {
  const v = num("memory.size >= 512 X", "memory.size");
  assert.equal(v.lower?.unit, "X");
  assert.equal(isSizeUnit("X"), false);
});

test("N13: an unknown unit has factor 1", () => {
  const v = num("foo = 3 weeks", "foo");
  assert.deepEqual([v.lower?.unit, toBase(v.lower!)], ["weeks", 3]);
});

test("N14: 0007 is the integer 7, literal kept", () => {
  assert.deepEqual(num("cpu.count = 0007", "cpu.count").lower?.num, {
    value: 7,
    isFloat: false,
    text: "0007",
  });
});

test("N15: contextualize 300s ( ) is a syntax error", () => {
  const r = parseRadl("contextualize 300s ( )");
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`),
    ["E-PARSE-SYNTAX@1:18"],
  );
});

test("N16: deploy a 1.5 parses with a float count (check() rejects it)", () => {
  assert.deepEqual(ok("deploy a 1.5").deploys[0]?.count, { value: 1.5, isFloat: true, text: "1.5" });
});

test("unit table: case-insensitive, one trailing B removed", () => {
  assert.equal(normalizeUnit("MiB"), "MI");
  assert.equal(normalizeUnit("kb"), "K");
  assert.equal(normalizeUnit("B"), "");
  assert.equal(unitFactor("k"), 1e3);
  assert.equal(unitFactor("KiB"), 1024);
  assert.equal(unitFactor("T"), 1e12);
  assert.equal(unitFactor("TiB"), 2 ** 40);
  assert.equal(unitFactor("ECU"), 1);
  assert.equal(unitFactor(undefined), 1);
  assert.equal(isSizeUnit("tib"), true);
  assert.equal(isSizeUnit("Ti"), false);
});

test("conversion to a unit: integer literals round half to even, floats stay floats", () => {
  const int = (text: string, unit?: string) => ({
    num: { value: Number(text), isFloat: text.includes("."), text },
    unit,
  });
  assert.equal(convertToUnit(int("1", "G"), "Mi"), 954);
  assert.equal(convertToUnit(int("512", "M"), "M"), 512);
  assert.equal(convertToUnit(int("1.5", "G"), "M"), 1500);
  assert.equal(convertToUnit(int("1.0", "G"), "Gi"), 1e9 / 2 ** 30);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(2.4), 2);
});
