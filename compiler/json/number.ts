import type { NumLiteral } from "../ir.js";
import { positionalFloat } from "../print/lexical.js";

/**
 * A JSON number as a literal. `JSON.parse` cannot tell `2` from `2.0`, so integral numbers
 * are integers and the others floats (spec radl.md §6.7 item 4).
 */
export function jsonNumberLiteral(raw: number): NumLiteral {
  const value = raw === 0 ? 0 : raw; // -0 is 0
  const isFloat = !Number.isInteger(value);
  const sign = value < 0 ? "-" : "";
  const magnitude = Math.abs(value);
  const text = isFloat ? positionalFloat(magnitude) : BigInt(magnitude).toString();
  return { value, isFloat, text: sign + text };
}
