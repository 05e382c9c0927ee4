/**
 * RADL units (spec radl.md §1.8, REF >= 1.3.4): case-insensitive, one trailing `B` removed,
 * decimal K/M/G/T, binary Ki/Mi/Gi/Ti, anything else factor 1.
 */
import type { NumLiteral } from "./ir.js";

/** Factors by normalized unit (upper case, one trailing B removed). Unknown units have factor 1. */
export const UNIT_FACTORS: ReadonlyMap<string, number> = new Map([
  ["", 1],
  ["K", 1e3],
  ["KI", 2 ** 10],
  ["M", 1e6],
  ["MI", 2 ** 20],
  ["G", 1e9],
  ["GI", 2 ** 30],
  ["T", 1e12],
  ["TI", 2 ** 40],
]);

/** Units a size feature (`memory.size`, `disk.N.size`, …) accepts, upper-cased as written (REF's list). */
export const SIZE_UNITS: ReadonlySet<string> = new Set([
  "",
  "B",
  "K",
  "M",
  "G",
  "T",
  "KB",
  "MB",
  "GB",
  "TB",
  "KI",
  "MI",
  "GI",
  "KIB",
  "MIB",
  "GIB",
  "TIB",
]);

/** Units `cpu.performance` requires (upper-cased). */
export const PERFORMANCE_UNITS: ReadonlySet<string> = new Set(["ECU", "GCEU", "HRZ"]);

export function isSizeUnit(unit: string | undefined): boolean {
  return SIZE_UNITS.has((unit ?? "").toUpperCase());
}

/** Upper case, then one trailing `B` removed: `MiB` → `MI`, `kb` → `K`, `B` → ``. */
export function normalizeUnit(unit: string | undefined): string {
  if (unit === undefined) return "";
  const up = unit.toUpperCase();
  return up.endsWith("B") ? up.slice(0, -1) : up;
}

export function unitFactor(unit: string | undefined): number {
  return UNIT_FACTORS.get(normalizeUnit(unit)) ?? 1;
}

/** A number with an optional unit, e.g. a `Bound`. */
export interface Quantity {
  num: NumLiteral;
  unit?: string;
}

/** The value in base units (bytes for sizes): literal value × unit factor. */
export function toBase(q: Quantity): number {
  return q.num.value * unitFactor(q.unit);
}

/** Python's round(): to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The quantity expressed in `unit` (Appendix D item 7): integer literals give the converted value
 * rounded half-to-even (`1G` in `Mi` = 954); float literals stay floats.
 */
export function convertToUnit(q: Quantity, unit: string): number {
  const value = toBase(q) / unitFactor(unit);
  return q.num.isFloat ? value : roundHalfEven(value);
}
