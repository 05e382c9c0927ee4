/**
 * Typed feature checks, the common mechanism of spec radl.md §3.5.1: for a known feature,
 * verify type, then operator, then value, then unit, and report the first thing that fails
 * (for a numeric interval, for each of its bounds).
 */
import type { Bound, FeatureValue, Span } from "../ir.js";
import type { CheckContext } from "./context.js";

export type CheckedType = "str" | "list|str" | "int" | "float" | "contains";

/** What a predicate found wrong. `code` defaults to E-VAL-VALUE. */
export interface Problem {
  code?: string;
  /** Completes "<feature name> …", e.g. "must not be negative". */
  message: string;
  /** Do not echo the value (passwords). */
  hideValue?: boolean;
}

export interface TypedCheck {
  type: CheckedType;
  /** Closed set of allowed string values, compared case-insensitively; written as users should. */
  oneOf?: readonly string[];
  /** Extra words for a value outside `oneOf`, keyed by the lower-cased value. */
  hints?: Readonly<Record<string, string>>;
  /** Returns what is wrong with the value, or undefined when it is acceptable. */
  predicate?: (value: FeatureValue, bound: Bound | undefined, ctx: CheckContext) => Problem | undefined;
  /** Accepted units in upper case ("" = no unit). Absent: the feature takes no unit. */
  units?: ReadonlySet<string>;
}

export const YES_NO: readonly string[] = ["yes", "no"];

export const nonNegative: TypedCheck["predicate"] = (_value, bound) =>
  bound !== undefined && bound.num.value < 0 ? { message: "must not be negative" } : undefined;

/** Python's `str.isdigit()` groups of `is_version`, restricted to ASCII digits. */
export function isVersionText(text: string): boolean {
  return text === "" || text.split(".").every((group) => /^[0-9]+$/.test(group));
}

export function quote(text: string): string {
  return `'${text}'`;
}

export function numberText(bound: Bound): string {
  return `${bound.num.text}${bound.unit ?? ""}`;
}

export function describeValue(value: FeatureValue, bound?: Bound): string {
  switch (value.kind) {
    case "string":
      return quote(value.value);
    case "list":
      return `[${value.value.map(quote).join(", ")}]`;
    case "number":
      return quote(numberText(bound ?? value.lower ?? value.upper!));
    case "contains":
      return "a contains (…) block";
  }
}

function typeWords(type: CheckedType): string {
  switch (type) {
    case "str":
      return "a string";
    case "list|str":
      return "a string or a list of strings";
    case "int":
      return "an integer number";
    case "float":
      return "a number";
    case "contains":
      return "a contains (…) block";
  }
}

function unitWords(units: ReadonlySet<string>): string {
  const named = [...units].filter((u) => u !== "").join(", ");
  return units.has("") ? `, optionally with a unit of ${named}` : ` with a unit of ${named}`;
}

export function expectation(check: TypedCheck): string {
  let words = typeWords(check.type);
  if (check.units !== undefined) words += unitWords(check.units);
  if (check.oneOf !== undefined) words += `: one of ${check.oneOf.map(quote).join(", ")}`;
  return words;
}

export function looksLikeExponent(unit: string | undefined): boolean {
  return unit !== undefined && /^[eE][0-9]+$/.test(unit);
}

function exponentHint(bound: Bound): string {
  return looksLikeExponent(bound.unit)
    ? `; '${numberText(bound)}' reads as the number ${bound.num.text} with the unit '${bound.unit}', RADL numbers have no exponent`
    : "";
}

function typeMatches(type: CheckedType, value: FeatureValue, bound: Bound | undefined): boolean {
  switch (type) {
    case "str":
      return value.kind === "string";
    case "list|str":
      return value.kind === "string" || value.kind === "list";
    case "int":
      return value.kind === "number" && bound !== undefined && !bound.num.isFloat;
    case "float":
      return value.kind === "number";
    case "contains":
      return value.kind === "contains";
  }
}

/** The bounds to check one by one; an equality is one constraint. */
export function boundsOf(value: FeatureValue): (Bound | undefined)[] {
  if (value.kind !== "number") return [undefined];
  const bounds = [value.lower, value.upper].filter((b): b is Bound => b !== undefined);
  if (bounds.length === 2 && bounds[0] === bounds[1]) return [bounds[0]];
  return bounds.length === 0 ? [undefined] : bounds;
}

/** Where a feature was written: its own span, else its first bound's. */
export function featureSpan(value: FeatureValue): Span | undefined {
  return value.span ?? (value.kind === "number" ? (value.lower?.span ?? value.upper?.span) : undefined);
}

export function spanOf(
  value: FeatureValue,
  bound: Bound | undefined,
  fallback: Span | undefined,
): Span | undefined {
  return bound?.span ?? value.span ?? fallback;
}

/** Runs one typed check on the feature `name`; returns false when an error was reported. */
export function checkTyped(
  ctx: CheckContext,
  name: string,
  value: FeatureValue,
  check: TypedCheck,
  fallbackSpan: Span | undefined,
): boolean {
  let ok = true;
  for (const bound of boundsOf(value)) {
    const span = spanOf(value, bound, fallbackSpan);
    const got = describeValue(value, bound);
    // 1. type
    if (!typeMatches(check.type, value, bound)) {
      ctx.error("E-VAL-TYPE", `${name} must be ${expectation(check)} (got ${got})`, span);
      // The type of the other bound is the same kind: report once.
      return false;
    }
    // 2. operator
    if (value.kind === "string" && !name.includes("version") && value.op !== "=") {
      ctx.error(
        "E-VAL-OPERATOR",
        `${name} takes only '=' with a string value (got '${value.op}'; only names containing 'version' may compare strings)`,
        span,
      );
      ok = false;
      continue;
    }
    // 3. value
    if (check.oneOf !== undefined && value.kind === "string") {
      const lower = value.value.toLowerCase();
      if (!check.oneOf.some((allowed) => allowed.toLowerCase() === lower)) {
        const hint = check.hints?.[lower];
        ctx.error(
          "E-VAL-VALUE",
          `${name} must be one of ${check.oneOf.map(quote).join(", ")} (got ${got}${hint ? `; ${hint}` : ""})`,
          span,
        );
        ok = false;
        continue;
      }
      if (check.oneOf === YES_NO && value.value !== lower) {
        ctx.warning(
          "W-YESNO-CASE",
          `${name} should be written in lower case, '${lower}' (got ${got}; it is read as '${lower}')`,
          span,
        );
      }
    }
    if (check.predicate !== undefined) {
      const problem = check.predicate(value, bound, ctx);
      if (problem !== undefined) {
        const shown = problem.hideValue ? "" : ` (got ${got})`;
        ctx.error(problem.code ?? "E-VAL-VALUE", `${name} ${problem.message}${shown}`, span);
        ok = false;
        continue;
      }
    }
    // 4. unit
    if (bound !== undefined) {
      const unit = bound.unit ?? "";
      if (check.units === undefined) {
        if (unit !== "") {
          ctx.error("E-VAL-UNIT", `${name} takes no unit (got ${got}${exponentHint(bound)})`, span);
          ok = false;
        }
      } else if (!check.units.has(unit.toUpperCase())) {
        ctx.error(
          "E-VAL-UNIT",
          unit === ""
            ? `${name} needs a unit: ${[...check.units].join(", ")} (got ${got})`
            : `${name} must be ${expectation(check)} (got ${got}${exponentHint(bound)})`,
          span,
        );
        ok = false;
      }
    }
  }
  return ok;
}

/** W-UNIT-LOOKS-LIKE-EXPONENT for a feature no table knows (§1.7: `1e3` is 1 with unit `e3`). */
export function warnExponentUnits(
  ctx: CheckContext,
  name: string,
  value: FeatureValue,
  fallbackSpan: Span | undefined,
): void {
  for (const bound of boundsOf(value)) {
    if (bound !== undefined && looksLikeExponent(bound.unit)) {
      ctx.warning(
        "W-UNIT-LOOKS-LIKE-EXPONENT",
        `${name} = ${numberText(bound)} reads as the number ${bound.num.text} with the unit '${bound.unit}'; RADL numbers have no exponent (write the digits, or quote the value)`,
        spanOf(value, bound, fallbackSpan),
      );
    }
  }
}
