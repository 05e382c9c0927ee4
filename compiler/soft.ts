/**
 * Helpers for soft requirements and IM's defaults (spec radl.md §3.6). Applying a block uses
 * the builder's combination rules and is the planner's job; these give it the order and inputs.
 */
import type { FeatureSet, FeatureValue, SoftBlock } from "./ir.js";

/** Soft blocks in the order concretization tries them: descending weight, stable for ties. */
export function softBlocksByWeight(features: FeatureSet): SoftBlock[] {
  return features.softs
    .map((block, position) => ({ block, position }))
    .sort((a, b) => b.block.weight.value - a.block.weight.value || a.position - b.position)
    .map((entry) => entry.block);
}

/** Whether a name is set in the set itself or in one of its (direct) soft blocks (IM `hasFeature(…, check_softs)`). */
export function hasFeatureOrSoft(features: FeatureSet, name: string): boolean {
  return features.features.has(name) || features.softs.some((s) => s.features.features.has(name));
}

/** IM `DEFAULT_VM_CPUS`, `DEFAULT_VM_MEMORY` + `DEFAULT_VM_MEMORY_UNIT`, `DEFAULT_VM_CPU_ARCH`. */
export function imDefaultFeatures(): [string, FeatureValue][] {
  const cpu = { op: ">=" as const, num: { value: 1, isFloat: false, text: "1" } };
  const memory = { op: ">=" as const, num: { value: 512, isFloat: false, text: "512" }, unit: "M" };
  return [
    ["cpu.count", { kind: "number", lower: cpu }],
    ["memory.size", { kind: "number", lower: memory }],
    ["cpu.arch", { kind: "string", op: "=", value: "x86_64" }],
  ];
}

/** The IM defaults a system lacks (absent from it and from all its soft blocks), to add before concretization. */
export function missingImDefaults(system: FeatureSet): [string, FeatureValue][] {
  return imDefaultFeatures().filter(([name]) => !hasFeatureOrSoft(system, name));
}
