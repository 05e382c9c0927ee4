import type { NumLiteral } from "../ir.js";

import { unitFactor } from "../units.js";

/** Unit factors live in compiler/units.ts (spec radl.md §1.8); re-exported for existing importers. */
export { unitFactor };

const DECIMAL_EXPONENT: Record<number, number> = { 1e3: 3, 1e6: 6, 1e9: 9, 1e12: 12 };

/**
 * `num` × factor of `unit`. A decimal factor is applied by moving the decimal point of the
 * literal, so `1.1G` is exactly 1100000000 (a floating-point product would give
 * 1100000000.0000002).
 */
export function scaledValue(num: NumLiteral, unit: string | undefined): number {
  const factor = unitFactor(unit);
  if (factor === 1) return num.value;
  const exponent = DECIMAL_EXPONENT[factor];
  const literal = /^([0-9]+)(?:\.([0-9]*))?$/.exec(num.text);
  if (exponent === undefined || !literal || Number(num.text) !== num.value) return num.value * factor;
  const [, intPart = "", fraction = ""] = literal;
  const padded = fraction.padEnd(exponent, "0");
  return Number(`${intPart}${padded.slice(0, exponent)}.${padded.slice(exponent) || "0"}`);
}
