import { AuthLineError } from "./errors.js";
import type { AuthItem } from "./types.js";

export interface LineParseOptions {
  /**
   * true (default): a line the reference would silently cut short is an AuthLineError naming the
   * line and the field. false: reproduce the reference exactly (keep the pairs read so far).
   */
  strict?: boolean;
  /** 1-based line number used in errors. */
  line?: number;
  source?: string;
}

/** Step 2 of im-api.md §3.2: split at `;` outside quotes, keeping the quote characters. */
function splitTokens(line: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let single = false;
  let double = false;
  for (const ch of line) {
    if (ch === "'" && !double) single = !single;
    else if (ch === '"' && !single) double = !double;
    if (ch === ";" && !single && !double) {
      tokens.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  tokens.push(current);
  const hasQuote = line.includes("'") || line.includes('"');
  if (!hasQuote && tokens.length > 0 && tokens[tokens.length - 1]!.trim() === "") tokens.pop();
  return tokens;
}

interface SplitPair {
  parts: string[];
  /** A quote opened and never closed. */
  unterminated: boolean;
}

/** Step 3: split at `=` outside quotes, removing the delimiting quotes. */
function splitPair(token: string): SplitPair {
  const parts: string[] = [];
  let current = "";
  let single = false;
  let double = false;
  for (const ch of token) {
    if (ch === "'" && !double) {
      single = !single;
      continue;
    }
    if (ch === '"' && !single) {
      double = !double;
      continue;
    }
    if (ch === "=" && !single && !double) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return { parts, unterminated: single || double };
}

function unescapeValue(value: string): string {
  return value.trim().replaceAll("\\n", "\n");
}

/**
 * One line of the auth text format (`id = x; type = y; username = ...`) → one item, or null for a
 * blank or `#` line. Pure: values like `file(/path)` are kept verbatim, never read.
 */
export function parseAuthLine(text: string, options: LineParseOptions = {}): AuthItem | null {
  const strict = options.strict ?? true;
  const lineNo = options.line ?? 1;
  const fail = (field: string, detail: string): never => {
    throw new AuthLineError(lineNo, field, detail, options.source);
  };
  const line = text.trim();
  if (line === "" || line.startsWith("#")) return null;
  const item: AuthItem = {};
  for (const token of splitTokens(line)) {
    const { parts, unterminated } = splitPair(token);
    if (parts.length !== 2) {
      if (!strict) break;
      if (token.trim() === "") fail("", "empty entry between ';' separators");
      if (parts.length < 2) fail(token.trim(), `expected 'key = value' but found '${token.trim()}'`);
      const key = parts[0]!.trim();
      fail(key, `the value of '${key}' contains '=' outside quotes; enclose the value in quotes`);
    }
    const key = parts[0]!.trim();
    if (strict) {
      if (key === "") fail("", `an entry has no key before '=' ('${token.trim()}')`);
      if (unterminated) {
        fail(
          key,
          `the value of '${key}' opens a quote that is never closed; enclose it in the other kind of quote`,
        );
      }
      if (key in item) fail(key, `'${key}' is given twice`);
    }
    item[key] = unescapeValue(parts[1]!);
  }
  if (strict && item.type === undefined) fail("type", "the item has no 'type'");
  return item;
}
