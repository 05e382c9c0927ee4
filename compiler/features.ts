/**
 * Feature accessors with IM's meaning (spec radl.md §3.2 "property-set level facts", §4, Appendix D
 * item 7): the value of a feature, the operator that value came with, unit conversion with the
 * reference rounding, yes/no reading. Pure functions over the IR.
 */
import type { Bound, Comparator, FeatureSet, FeatureValue, NumberValue } from "./ir.js";
import { roundHalfEven, unitFactor } from "./units.js";

export { roundHalfEven };

/**
 * The value of one numeric constraint in `unit` (default: base units, e.g. bytes), as REF's
 * `Feature.getValue(unit)`: value × factor(own unit) / factor(unit); an integer literal gives an
 * integer rounded half-to-even (`1G` in `Mi` = 954), a float literal stays a float.
 */
export function boundValue(bound: Bound, unit?: string): number {
  const own = bound.unit ?? "";
  const wanted = unit ?? "";
  if (own === "" && wanted === "") return bound.num.value;
  const converted = (bound.num.value * unitFactor(own)) / unitFactor(wanted);
  return bound.num.isFloat ? converted : roundHalfEven(converted);
}

/** The constraint IM reads for a numeric feature: the lower bound if present, else the upper one. */
export function representativeBound(value: NumberValue): Bound | undefined {
  return value.lower ?? value.upper;
}

/** `lower` and `upper` both present, both `=`, with equal converted values (§3.2). */
export function isEquality(value: NumberValue): boolean {
  return (
    value.lower !== undefined &&
    value.upper !== undefined &&
    value.lower.op === "=" &&
    value.upper.op === "=" &&
    boundValue(value.lower) === boundValue(value.upper)
  );
}

export function getFeature(features: FeatureSet, name: string): FeatureValue | undefined {
  return features.features.get(name);
}

export type PlainFeatureValue = number | string | string[] | ReadonlyMap<string | null, FeatureSet>;

/**
 * IM's `getValue(name)`: numbers in base units (the representative bound converted), strings and
 * lists as written, a `contains` feature as its map of entries; undefined when absent.
 */
export function featureValue(features: FeatureSet, name: string): PlainFeatureValue | undefined {
  const value = getFeature(features, name);
  if (value === undefined) return undefined;
  switch (value.kind) {
    case "number": {
      const bound = representativeBound(value);
      return bound === undefined ? undefined : boundValue(bound);
    }
    case "string":
    case "list":
      return value.value;
    case "contains":
      return value.entries;
  }
}

/** The operator IM compares with: that of the representative bound; `contains` for entries. */
export function featureOperator(features: FeatureSet, name: string): Comparator | "contains" | undefined {
  const value = getFeature(features, name);
  if (value === undefined) return undefined;
  switch (value.kind) {
    case "number":
      return representativeBound(value)?.op;
    case "string":
    case "list":
      return value.op;
    case "contains":
      return "contains";
  }
}

/** A numeric feature converted to `unit` (default base units) with REF rounding; undefined otherwise. */
export function numberFeature(features: FeatureSet, name: string, unit?: string): number | undefined {
  const value = getFeature(features, name);
  if (value?.kind !== "number") return undefined;
  const bound = representativeBound(value);
  return bound === undefined ? undefined : boundValue(bound, unit);
}

/** A string feature's value; undefined when absent or not a string. */
export function stringFeature(features: FeatureSet, name: string): string | undefined {
  const value = getFeature(features, name);
  return value?.kind === "string" ? value.value : undefined;
}

/** A string or list feature as a list (`'a'` → `['a']`); undefined when absent or of another kind. */
export function stringListFeature(features: FeatureSet, name: string): string[] | undefined {
  const value = getFeature(features, name);
  if (value?.kind === "string") return [value.value];
  if (value?.kind === "list") return [...value.value];
  return undefined;
}

/**
 * A yes/no feature, case-insensitively (Appendix E decision 4): true for `yes`, false for `no`,
 * undefined when absent or anything else. `truthy` also accepts `true` (e.g. `dns.<j>.tls`).
 */
export function yesNoFeature(
  features: FeatureSet,
  name: string,
  options: { truthy?: boolean } = {},
): boolean | undefined {
  const text = stringFeature(features, name)?.toLowerCase();
  if (text === "yes" || (options.truthy === true && text === "true")) return true;
  if (text === "no" || (options.truthy === true && text === "false")) return false;
  return undefined;
}

/** IM's truthiness of `getValue(name)`: a non-empty string or list, a non-zero number, an entry map. */
export function hasValue(features: FeatureSet, name: string): boolean {
  const value = featureValue(features, name);
  if (value === undefined) return false;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
  return true;
}
