import type { NumLiteral } from "../ir.js";
import { RadlUnrepresentableError } from "./unrepresentable.js";

/** The 13 reserved words of spec radl.md §1.6; none of them can be an identifier. */
export const RADL_KEYWORDS: ReadonlySet<string> = new Set([
  "description",
  "ansible",
  "network",
  "system",
  "configure",
  "contextualize",
  "deploy",
  "soft",
  "and",
  "contains",
  "step",
  "with",
  "option",
]);

/** §1.5: ASCII letter, `_` or `.` first; then letters/digits of any script, `_`, `.`, `-`. */
const IDENT = /^[A-Za-z_.][\p{L}\p{N}_.-]*$/u;

export function isRadlIdentifier(text: string): boolean {
  return IDENT.test(text) && !RADL_KEYWORDS.has(text);
}

/** An identifier as it must appear in text (P10). */
export function identifier(text: string, where: string, what: string): string {
  if (!isRadlIdentifier(text)) {
    const why = RADL_KEYWORDS.has(text) ? "is a reserved word" : "is not a valid identifier";
    throw new RadlUnrepresentableError(where, `${what} ${JSON.stringify(text)} ${why}`);
  }
  return text;
}

const RANDOM_SHAPE = /^random\(\d+\)$/;

/**
 * A single-quoted string literal (P1). `\'` is the only escape the lexer processes, so a value
 * with a backslash before a quote, a trailing backslash or a backslash before a line feed cannot
 * be written. `randomShapeForbidden` applies P2 to simple-feature values, which the builder would
 * otherwise replace with fresh random text.
 */
export function quoteString(value: string, where: string, randomShapeForbidden: boolean): string {
  if (value.includes("\\'")) {
    throw new RadlUnrepresentableError(where, "a string with a backslash before a quote has no text form");
  }
  if (value.endsWith("\\")) {
    throw new RadlUnrepresentableError(where, "a string ending with a backslash has no text form");
  }
  if (value.includes("\\\n")) {
    throw new RadlUnrepresentableError(
      where,
      "a string with a backslash before a line break has no text form",
    );
  }
  if (randomShapeForbidden && RANDOM_SHAPE.test(value)) {
    throw new RadlUnrepresentableError(
      where,
      `the value ${JSON.stringify(value)} would be read back as a request for a random value`,
    );
  }
  return `'${value.replaceAll("'", "\\'")}'`;
}

const NUMBER_LITERAL = /^[0-9]+(\.[0-9]*)?$/;

/**
 * A number (P4): the literal as written when it is a valid RADL literal for this value (so
 * `2.` and `007` survive a round trip), otherwise plain decimal for integers and positional
 * decimal with a `.` for floats. No sign and no exponent exist in RADL.
 */
export function formatNumber(num: NumLiteral, where: string): string {
  const { value, isFloat } = num;
  if (!Number.isFinite(value)) {
    throw new RadlUnrepresentableError(where, `the number ${String(value)} has no text form`);
  }
  if (value < 0 || Object.is(value, -0)) {
    throw new RadlUnrepresentableError(where, `RADL has no negative numbers (${String(value)})`);
  }
  if (!isFloat && (!Number.isInteger(value) || value > Number.MAX_SAFE_INTEGER)) {
    throw new RadlUnrepresentableError(
      where,
      `the integer ${String(value)} is not an exact integer literal RADL can read (at most 2^53-1)`,
    );
  }
  if (NUMBER_LITERAL.test(num.text) && num.text.includes(".") === isFloat && Number(num.text) === value) {
    return num.text;
  }
  return isFloat ? positionalFloat(value) : String(value);
}

/** `1e21` → `1000000000000000000000.0`, `1e-7` → `0.0000001`, `2` → `2.0`. */
export function positionalFloat(value: number): string {
  const shortest = String(value);
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  let text = shortest;
  if (match) {
    const [, intPart = "", fraction = "", exponentText = "0"] = match;
    const digits = intPart + fraction;
    const pointAt = intPart.length + Number(exponentText);
    if (pointAt <= 0) text = `0.${"0".repeat(-pointAt)}${digits}`;
    else if (pointAt >= digits.length) text = digits + "0".repeat(pointAt - digits.length);
    else text = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  }
  return text.includes(".") ? text : `${text}.0`;
}
