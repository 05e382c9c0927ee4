/**
 * Instance-type selection (providers.md §3.2): the cheapest catalogue entry that satisfies every
 * requirement; on equal prices the later entry wins (the IM compares with `<=`). Pure.
 */
import { boundValue, stringFeature } from "../../compiler/features.js";
import type { Comparator, FeatureSet } from "../../compiler/ir.js";
import { INSTANCE_TYPES, type InstanceType } from "./instance-types.js";

export interface Constraint {
  op: Comparator;
  value: number;
}

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

/** Every bound of a numeric feature (a `>=` lower and a `<=` upper bound both count), in `unit`. */
function constraints(fs: FeatureSet, name: string, unit: string): Constraint[] {
  const v = fs.features.get(name);
  if (v?.kind !== "number") return [];
  return [v.lower, v.upper]
    .filter((b) => b !== undefined)
    .map((b) => ({ op: b.op, value: boundValue(b, unit) }));
}

export function requirementsOf(fs: FeatureSet): InstanceRequirements {
  const req: InstanceRequirements = {
    arch: stringFeature(fs, "cpu.arch") ?? "x86_64",
    cpu: constraints(fs, "cpu.count", ""),
    memMB: constraints(fs, "memory.size", "M"),
    diskGB: constraints(fs, "disks.free_size", "G"),
  };
  const gpus = constraints(fs, "gpu.count", "");
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

export function holds(actual: number, c: Constraint): boolean {
  switch (c.op) {
    case "=":
      return actual === c.value;
    case "<":
      return actual < c.value;
    case "<=":
      return actual <= c.value;
    case ">":
      return actual > c.value;
    case ">=":
      return actual >= c.value;
  }
}

function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const re = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${re.join(".*")}$`).test(name);
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
