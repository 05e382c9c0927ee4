/**
 * Instance-type selection (providers.md §3.2): the cheapest catalogue entry that satisfies every
 * requirement; on equal prices the later entry wins (the IM compares with `<=`). Pure.
 */
import { stringFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import { constraintsOf, globMatches, holds, type Constraint } from "../size-requirements.js";
import { INSTANCE_TYPES, type InstanceType } from "./instance-types.js";

export interface InstanceRequirements {
  /** `cpu.arch`, default `x86_64`. */
  arch: string;
  cpu: Constraint[];
  memMB: Constraint[];
  /** `disks.free_size` against devices × size (GB). */
  diskGB: Constraint[];
  gpu?: { count: number; model?: string; vendor?: string };
  /** `instance_type`: exact name, or a glob when it holds `*`. */
  instanceType?: string;
}

export function requirementsOf(fs: FeatureSet): InstanceRequirements {
  const req: InstanceRequirements = {
    arch: stringFeature(fs, "cpu.arch") ?? "x86_64",
    cpu: constraintsOf(fs, "cpu.count", ""),
    memMB: constraintsOf(fs, "memory.size", "M"),
    diskGB: constraintsOf(fs, "disks.free_size", "G"),
  };
  const gpus = constraintsOf(fs, "gpu.count", "");
  if (gpus.length > 0) {
    const model = stringFeature(fs, "gpu.model");
    const vendor = stringFeature(fs, "gpu.vendor");
    req.gpu = {
      count: Math.max(...gpus.map((g) => g.value)),
      ...(model !== undefined ? { model } : {}),
      ...(vendor !== undefined ? { vendor } : {}),
    };
  }
  const type = stringFeature(fs, "instance_type");
  if (type !== undefined && type !== "") req.instanceType = type;
  return req;
}

export function satisfies(t: InstanceType, req: InstanceRequirements): boolean {
  if (!t.archs.includes(req.arch)) return false;
  if (!req.cpu.every((c) => holds(t.cpu, c))) return false;
  if (!req.memMB.every((c) => holds(t.memMB, c))) return false;
  if (!req.diskGB.every((c) => holds(t.diskCount * t.diskGB, c))) return false;
  if (req.gpu !== undefined && req.gpu.count > 0) {
    if (t.gpu < req.gpu.count) return false;
    const model = (t.gpuModel ?? "").toLowerCase();
    if (req.gpu.model !== undefined && !model.includes(req.gpu.model.toLowerCase())) return false;
    if (req.gpu.vendor !== undefined && !model.includes(req.gpu.vendor.toLowerCase())) return false;
  }
  if (req.instanceType !== undefined && !globMatches(req.instanceType, t.name)) return false;
  return true;
}

/** The cheapest entry satisfying `req` (later wins ties); undefined when nothing fits. */
export function selectInstanceType(
  req: InstanceRequirements,
  table: readonly InstanceType[] = INSTANCE_TYPES,
): InstanceType | undefined {
  let best: InstanceType | undefined;
  for (const t of table) {
    if (satisfies(t, req) && (best === undefined || t.price <= best.price)) best = t;
  }
  return best;
}
