/**
 * How constraints with the same name combine in a feature set (spec radl.md §3.2). Shared by the
 * text builder and the RADL-JSON decoder ("same builder rules", §0.3), so it knows nothing about
 * tokens: callers pass plain constraints and a location (a span for text, a JSON pointer for JSON).
 *
 * On an error the offending constraint is left out, a diagnostic is appended, and the set stays
 * usable, so later errors are still found.
 */
import type { Diagnostic } from "./diagnostic.js";
import type {
  Bound,
  Comparator,
  ContainsValue,
  FeatureSet,
  FeatureValue,
  NumberValue,
  NumLiteral,
  SoftBlock,
  Span,
} from "./ir.js";
import { toBase } from "./units.js";

/** One `name op value` constraint, or a built `contains` block, as the builder receives it. */
export type Constraint =
  | { kind: "number"; op: Comparator; num: NumLiteral; unit?: string }
  | { kind: "string"; op: Comparator; value: string; generated?: "random" }
  | { kind: "list"; op: Comparator; value: string[] }
  /** A `name contains (…)` block whose sub-features were built into their own set. */
  | { kind: "contains"; features: FeatureSet };

/**
 * Where a constraint came from: a text span, or for JSON input a JSON pointer (RFC 6901), with its
 * span in the JSON text when the text is known.
 */
export type FeatureLocation = Span | { pointer: string } | undefined;

function located(d: Diagnostic, at: FeatureLocation): Diagnostic {
  if (at === undefined) return d;
  if (at.pointer !== undefined) d.pointer = at.pointer;
  const span = spanOf(at);
  if (span !== undefined) d.span = span;
  return d;
}

function spanOf(at: FeatureLocation): Span | undefined {
  return at !== undefined && "line" in at ? at : undefined;
}

/** The IR value a single constraint stands for. */
export function constraintValue(
  c: Constraint,
  at?: FeatureLocation,
  diagnostics?: Diagnostic[],
): FeatureValue {
  const span = spanOf(at);
  switch (c.kind) {
    case "number": {
      const bound: Bound = { op: c.op, num: c.num };
      if (c.unit !== undefined) bound.unit = c.unit;
      if (span) bound.span = span;
      const v: NumberValue = { kind: "number" };
      if (c.op === "=" || c.op === ">" || c.op === ">=") v.lower = bound;
      if (c.op === "=" || c.op === "<" || c.op === "<=") v.upper = bound;
      if (span) v.span = span;
      return v;
    }
    case "string": {
      const v: FeatureValue = { kind: "string", op: c.op, value: c.value };
      if (c.generated) v.generated = c.generated;
      if (span) v.span = span;
      return v;
    }
    case "list": {
      const v: FeatureValue = { kind: "list", op: c.op, value: c.value };
      if (span) v.span = span;
      return v;
    }
    case "contains": {
      const key = containsKey(c.features);
      if (key === null && diagnostics) {
        diagnostics.push(
          located(
            {
              code: "W-CONTAINS-NO-NAME",
              severity: "warning",
              message: "a 'contains' block without a 'name' feature: all such blocks merge into one entry",
            },
            at,
          ),
        );
      }
      const v: ContainsValue = { kind: "contains", entries: new Map([[key, c.features]]) };
      if (span) v.span = span;
      return v;
    }
  }
}

/** The key of a contains entry: the value of its `name` sub-feature (null without one). */
export function containsKey(set: FeatureSet): string | null {
  const name = set.features.get("name");
  if (name === undefined) return null;
  if (name.kind === "string") return name.value;
  if (name.kind === "number") return (name.lower ?? name.upper)?.num.text ?? null;
  return null;
}

/**
 * Adds `name op value` to `set` (§3.2). Returns false when it could not be combined (a diagnostic
 * was appended to `diagnostics`).
 */
export function addFeature(
  set: FeatureSet,
  name: string,
  constraint: Constraint,
  at: FeatureLocation,
  diagnostics: Diagnostic[],
): boolean {
  return mergeFeature(set, name, constraintValue(constraint, at, diagnostics), at, diagnostics);
}

/** Appends a `soft W (…)` block; soft blocks are never merged (§3.2 item 5). */
export function addSoft(set: FeatureSet, weight: NumLiteral, features: FeatureSet, span?: Span): SoftBlock {
  const block: SoftBlock = { weight, features };
  if (span) block.span = span;
  if (set.softsPosition < 0) set.softsPosition = set.order.length;
  set.softs.push(block);
  return block;
}

/** Combines an already built value (e.g. one side of a contains merge) into `set` under `name`. */
export function mergeFeature(
  set: FeatureSet,
  name: string,
  value: FeatureValue,
  at: FeatureLocation,
  diagnostics: Diagnostic[],
): boolean {
  const existing = set.features.get(name);
  if (existing === undefined) {
    set.features.set(name, value);
    set.order.push(name);
    return true;
  }
  const where = at ?? value.span;
  if (existing.kind !== value.kind) {
    diagnostics.push(
      located(
        {
          code: "E-BUILD-TYPE-MIX",
          severity: "error",
          message: `${name} is already a ${kindName(existing)} and cannot also be a ${kindName(value)}`,
        },
        where,
      ),
    );
    return false;
  }
  switch (existing.kind) {
    case "number":
      return intersect(name, existing, value as NumberValue, where, diagnostics);
    case "string": {
      const v = value as typeof existing;
      if (v.value === existing.value) return true;
      diagnostics.push(conflict(name, quote(existing.value), quote(v.value), where));
      return false;
    }
    case "list": {
      const v = value as typeof existing;
      if (sameList(existing.value, v.value)) return true;
      diagnostics.push(conflict(name, listText(existing.value), listText(v.value), where));
      return false;
    }
    case "contains": {
      let ok = true;
      for (const [key, entry] of (value as ContainsValue).entries) {
        const current = existing.entries.get(key);
        if (current === undefined) existing.entries.set(key, entry);
        else ok = mergeSets(current, entry, diagnostics) && ok;
      }
      return ok;
    }
  }
}

/**
 * Adds every feature and soft block of `source` to `target` with the same rules (contains merge).
 * Mutates `target` and may leave it half-merged when it returns false; values new to `target`
 * are shared with `source`, not copied. Clone first (structuredClone) when either must stay intact.
 */
export function mergeSets(target: FeatureSet, source: FeatureSet, diagnostics: Diagnostic[]): boolean {
  let ok = true;
  const placeSofts = () => {
    if (source.softs.length > 0 && target.softsPosition < 0) target.softsPosition = target.order.length;
  };
  source.order.forEach((name, i) => {
    if (i === source.softsPosition) placeSofts();
    const value = source.features.get(name);
    if (value !== undefined) ok = mergeFeature(target, name, value, value.span, diagnostics) && ok;
  });
  if (source.softsPosition >= source.order.length) placeSofts();
  for (const soft of source.softs) target.softs.push(soft);
  return ok;
}

/**
 * Interval intersection with units; strictness of `<`/`>` is ignored. On a tie the later
 * constraint wins the lower bound and the earlier one keeps the upper bound (REF).
 */
function intersect(
  name: string,
  existing: NumberValue,
  added: NumberValue,
  at: FeatureLocation,
  diagnostics: Diagnostic[],
): boolean {
  let lower = existing.lower;
  if (added.lower && (!lower || toBase(added.lower) >= toBase(lower))) lower = added.lower;
  let upper = existing.upper;
  if (added.upper && (!upper || toBase(added.upper) < toBase(upper))) upper = added.upper;
  if (lower && upper && toBase(lower) > toBase(upper)) {
    diagnostics.push(
      located(
        {
          code: "E-BUILD-DISJOINT",
          severity: "error",
          message: `${name}: ${describeInterval(added)} cannot hold together with ${describeInterval(existing)} (disjoint intervals)`,
        },
        at,
      ),
    );
    return false;
  }
  if (lower) existing.lower = lower;
  else delete existing.lower;
  if (upper) existing.upper = upper;
  else delete existing.upper;
  return true;
}

function boundText(b: Bound): string {
  return `${b.op} ${b.num.text}${b.unit ?? ""}`;
}

function describeInterval(v: NumberValue): string {
  if (v.lower && v.lower === v.upper) return `'${boundText(v.lower)}'`;
  const parts: string[] = [];
  if (v.lower) parts.push(boundText(v.lower));
  if (v.upper) parts.push(boundText(v.upper));
  return `'${parts.join(" and ")}'`;
}

function kindName(v: FeatureValue): string {
  return v.kind === "contains" ? "contains block" : v.kind;
}

function conflict(name: string, before: string, now: string, at: FeatureLocation): Diagnostic {
  return located(
    {
      code: "E-BUILD-CONFLICT",
      severity: "error",
      message: `${name} is already ${before} and cannot also be ${now}`,
    },
    at,
  );
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

function listText(items: string[]): string {
  return `[${items.map(quote).join(", ")}]`;
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
