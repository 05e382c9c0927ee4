/**
 * The size constraints a system puts on a flavour or instance type (providers.md §1.3
 * get_instance_selectors): every bound of a numeric feature in a unit, tested against a number,
 * and `instance_type` as an exact name or a glob. Shared by the EC2 and OpenStack selections.
 */
import { boundValue } from "../compiler/features.js";
import type { Comparator, FeatureSet } from "../compiler/ir.js";

export interface Constraint {
  op: Comparator;
  value: number;
}

/** Every bound of a numeric feature (a `>=` lower and a `<=` upper bound both count), in `unit`. */
export function constraintsOf(fs: FeatureSet, name: string, unit: string): Constraint[] {
  const v = fs.features.get(name);
  if (v?.kind !== "number") return [];
  return [v.lower, v.upper]
    .filter((b) => b !== undefined)
    .map((b) => ({ op: b.op, value: boundValue(b, unit) }));
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

/** `instance_type`: the exact name, or a glob with `*` / `?`. */
export function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${re}$`).test(name);
}
