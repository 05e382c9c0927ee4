import { test } from "node:test";
import assert from "node:assert/strict";
import { hasFeatureOrSoft, missingImDefaults, softBlocksByWeight } from "../../compiler/soft.js";
import { eq, features, soft, str } from "../support/radl-arbitrary.js";

test("soft blocks are tried by descending weight, ties in source order", () => {
  const set = features(
    soft("10", features(["a", str("1")])),
    soft("50", features(["b", str("1")])),
    soft("10", features(["c", str("1")])),
    soft("100", features(["d", str("1")])),
    soft("0.5", features(["e", str("1")])),
  );
  assert.deepEqual(
    softBlocksByWeight(set).map((b) => [...b.features.features.keys()][0]),
    ["d", "b", "a", "c", "e"],
  );
});

test("IM defaults are added only when absent from the system and its soft blocks", () => {
  const set = features(["cpu.count", eq("2")], soft("5", features(["cpu.arch", str("i386")])));
  assert.equal(hasFeatureOrSoft(set, "cpu.arch"), true);
  const missing = missingImDefaults(set);
  assert.deepEqual(
    missing.map(([name]) => name),
    ["memory.size"],
  );
  const memory = missing[0]![1];
  assert.equal(memory.kind, "number");
  assert.deepEqual(
    memory.kind === "number" ? [memory.lower?.op, memory.lower?.num.value, memory.lower?.unit] : [],
    [">=", 512, "M"],
  );
  assert.deepEqual(
    missingImDefaults(features()).map(([name]) => name),
    ["cpu.count", "memory.size", "cpu.arch"],
  );
});
