import type { Bound, FeatureSet, FeatureValue, NumberValue } from "../ir.js";
import { formatNumber, identifier, quoteString } from "./lexical.js";
import { RadlUnrepresentableError } from "./unrepresentable.js";
import { toBase } from "../units.js";

/**
 * `F(set)` of spec radl.md §6.2: the feature strings in first-appearance order (§6.3), all soft
 * blocks together where the first one appeared, joined by ` and\n`.
 */
export function printFeatureSet(set: FeatureSet, where: string): string {
  const parts: string[] = [];
  const softsAt = set.softsPosition < 0 ? set.order.length : Math.min(set.softsPosition, set.order.length);
  set.order.forEach((name, index) => {
    if (index === softsAt) parts.push(...printSofts(set, where));
    const value = set.features.get(name);
    if (value === undefined) {
      throw new RadlUnrepresentableError(where, `feature '${name}' is listed in the order but has no value`);
    }
    parts.push(...printFeature(name, value, `${where}, feature '${name}'`));
  });
  if (softsAt === set.order.length) parts.push(...printSofts(set, where));
  return parts.join(" and\n");
}

function printSofts(set: FeatureSet, where: string): string[] {
  return set.softs.map((soft, index) => {
    const softWhere = `${where}, soft block ${index + 1}`;
    return `soft ${formatNumber(soft.weight, softWhere)} ( ${printFeatureSet(soft.features, softWhere)} )`;
  });
}

function printFeature(name: string, value: FeatureValue, where: string): string[] {
  const printedName = identifier(name, where, "the feature name");
  switch (value.kind) {
    case "string":
      return [`${printedName} ${value.op} ${quoteString(value.value, where, true)}`];
    case "list":
      return [
        `${printedName} ${value.op} [${value.value.map((e) => quoteString(e, where, false)).join(",")}]`,
      ];
    case "contains":
      return [...value.entries].map(
        ([key, entry]) =>
          `${printedName} contains (${printFeatureSet(entry, key === null ? `${where}, entry without name` : `${where}, entry '${key}'`)})`,
      );
    case "number":
      return printNumberFeature(printedName, value, where);
  }
}

/**
 * Lower bound then upper bound, or one `=` constraint when both are `=` with the same value.
 * When the two bounds have the same value and exactly one of them is `=`, the upper bound is
 * printed first: the builder's tie rule (later constraint wins the lower bound, earlier one the
 * upper bound) then rebuilds exactly these two bounds, which lower-first order would not.
 */
function printNumberFeature(name: string, value: NumberValue, where: string): string[] {
  const { lower, upper } = value;
  const constraint = (bound: Bound): string => `${name} ${bound.op} ${printQuantity(bound, where)}`;
  if (lower && upper) {
    // the builder's own arithmetic decides ties, so the same one decides how to print them
    const tie = toBase(lower) === toBase(upper);
    if (tie && lower.op === "=" && upper.op === "=") return [constraint(lower)];
    if (tie && (lower.op === "=") !== (upper.op === "=")) return [constraint(upper), constraint(lower)];
    return [constraint(lower), constraint(upper)];
  }
  const only = lower ?? upper;
  if (!only) throw new RadlUnrepresentableError(where, "a numeric feature without any bound");
  return [constraint(only)];
}

function printQuantity(bound: Bound, where: string): string {
  const number = formatNumber(bound.num, where);
  if (bound.unit === undefined || bound.unit === "") return number;
  const unit = identifier(bound.unit, where, "the unit");
  // `2` followed by the unit `.x` would be read as the number `2.` and the unit `x`.
  const glue = unit.startsWith(".") && !number.includes(".") ? " " : "";
  return `${number}${glue}${unit}`;
}
