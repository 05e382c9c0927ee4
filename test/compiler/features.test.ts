import { test } from "node:test";
import assert from "node:assert/strict";
import {
  boundValue,
  featureOperator,
  featureValue,
  hasValue,
  isEquality,
  numberFeature,
  roundHalfEven,
  stringFeature,
  stringListFeature,
  yesNoFeature,
} from "../../compiler/features.js";
import { bound, contains, eq, features, list, range, str } from "../support/radl-arbitrary.js";

// [literal, unit as written, requested unit, expected] — expected values observed with REF 1.3.5.
const conversions: [string, string | undefined, string | undefined, number][] = [
  ["1", "G", "Mi", 954],
  ["2500", "M", "G", 2], // 2.5 → even neighbour 2
  ["3500", "M", "G", 4], // 3.5 → even neighbour 4
  ["500", "M", "G", 0], // 0.5 → 0
  ["1500", "K", "M", 2],
  ["2500", "K", "M", 2],
  ["1.5", "G", "Mi", 1430.511474609375], // float literals stay floats
  ["512", "M", undefined, 512000000],
  ["512", "m", undefined, 512000000],
  ["512", "MB", undefined, 512000000],
  ["512", "Mi", undefined, 536870912],
  ["512", "mib", "M", 537],
  ["1", "Gi", "G", 1],
  ["10", "GB", "GiB", 9],
  ["1", "TiB", "T", 1],
  ["1", "T", "G", 1000],
  ["7", "ECU", undefined, 7], // unknown units have factor 1
  ["3", "e3", undefined, 3],
  ["7", undefined, "K", 0], // 0.007 rounds to 0
  ["7", undefined, undefined, 7],
  ["0.5", undefined, undefined, 0.5],
  ["2.", "G", "G", 2],
];

for (const [text, unit, wanted, expected] of conversions) {
  test(`boundValue: ${text}${unit ?? ""} in ${wanted ?? "base units"} = ${expected}`, () => {
    assert.equal(boundValue(bound(">=", text, unit), wanted), expected);
  });
}

test("roundHalfEven rounds halves to the even neighbour and the rest to the nearest", () => {
  const cases: [number, number][] = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4999, 2],
    [2.5001, 3],
    [953.67431640625, 954],
    [-0.5, 0],
    [-1.5, -2],
    [7, 7],
  ];
  for (const [x, expected] of cases) assert.equal(roundHalfEven(x), expected, `round(${x})`);
});

const system = features(
  ["cpu.count", range(bound(">=", "2"), bound("<=", "4"))],
  ["memory.size", range(undefined, bound("<=", "2", "G"))],
  ["disk.0.size", eq("20", "GiB")],
  ["cpu.arch", str("x86_64")],
  ["disk.0.os.version", str("22.04", ">=")],
  ["disk.0.image.url", list(["one://a/1", "ost://b/2"])],
  ["disk.1.image.url", str("vol-1")],
  ["spot", str("YES")],
  ["nat_instance", str("no")],
  ["dns.tls", str("true")],
  ["price", eq("0")],
  ["empty", str("")],
  ["disk.0.applications", contains(features(["name", str("ansible.roles.x")]))],
);

test("featureValue is IM's getValue: the lower bound else the upper, in base units", () => {
  assert.equal(featureValue(system, "cpu.count"), 2);
  assert.equal(featureValue(system, "memory.size"), 2_000_000_000);
  assert.equal(featureValue(system, "disk.0.size"), 20 * 2 ** 30);
  assert.equal(featureValue(system, "cpu.arch"), "x86_64");
  assert.deepEqual(featureValue(system, "disk.0.image.url"), ["one://a/1", "ost://b/2"]);
  const apps = featureValue(system, "disk.0.applications");
  assert.ok(apps instanceof Map);
  assert.deepEqual([...apps.keys()], ["ansible.roles.x"]);
  assert.equal(featureValue(system, "absent"), undefined);
});

test("featureOperator is the operator of the bound IM reads", () => {
  assert.equal(featureOperator(system, "cpu.count"), ">=");
  assert.equal(featureOperator(system, "memory.size"), "<=");
  assert.equal(featureOperator(system, "disk.0.size"), "=");
  assert.equal(featureOperator(system, "disk.0.os.version"), ">=");
  assert.equal(featureOperator(system, "disk.0.applications"), "contains");
  assert.equal(featureOperator(system, "absent"), undefined);
});

test("numberFeature converts to the requested unit with REF rounding and ignores other kinds", () => {
  assert.equal(numberFeature(system, "memory.size", "Mi"), 1907);
  assert.equal(numberFeature(system, "memory.size", "G"), 2);
  assert.equal(numberFeature(system, "disk.0.size", "G"), 21);
  assert.equal(numberFeature(system, "cpu.count"), 2);
  assert.equal(numberFeature(system, "cpu.arch"), undefined);
  assert.equal(numberFeature(system, "absent", "G"), undefined);
});

test("string and list accessors", () => {
  assert.equal(stringFeature(system, "cpu.arch"), "x86_64");
  assert.equal(stringFeature(system, "disk.0.image.url"), undefined);
  assert.equal(stringFeature(system, "cpu.count"), undefined);
  assert.deepEqual(stringListFeature(system, "disk.0.image.url"), ["one://a/1", "ost://b/2"]);
  assert.deepEqual(stringListFeature(system, "disk.1.image.url"), ["vol-1"]);
  assert.equal(stringListFeature(system, "cpu.count"), undefined);
});

test("yes/no features are read case-insensitively; 'true' only when asked", () => {
  assert.equal(yesNoFeature(system, "spot"), true);
  assert.equal(yesNoFeature(system, "nat_instance"), false);
  assert.equal(yesNoFeature(system, "dns.tls"), undefined);
  assert.equal(yesNoFeature(system, "dns.tls", { truthy: true }), true);
  assert.equal(yesNoFeature(system, "absent"), undefined);
  assert.equal(yesNoFeature(system, "cpu.count"), undefined);
});

test("hasValue follows IM's truthiness (0, '' and absent are false)", () => {
  assert.equal(hasValue(system, "cpu.count"), true);
  assert.equal(hasValue(system, "price"), false);
  assert.equal(hasValue(system, "empty"), false);
  assert.equal(hasValue(system, "absent"), false);
  assert.equal(hasValue(system, "disk.0.applications"), true);
});

test("isEquality needs two '=' bounds with equal converted values", () => {
  assert.equal(isEquality(eq("1", "G")), true);
  assert.equal(isEquality(range(bound("=", "1", "G"), bound("=", "1000", "M"))), true);
  assert.equal(isEquality(range(bound(">=", "1", "G"), bound("<=", "1", "G"))), false);
  assert.equal(isEquality(range(bound("=", "1", "G"))), false);
});
