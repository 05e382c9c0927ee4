/**
 * RADL token types (spec radl.md §1.13) for the Chevrotain lexer and parser.
 *
 * Two lexer modes: NORMAL (everything) and RECIPE (entered by `@begin`, left by `@end` at the
 * start of a recipe line). Identifiers and strings use hand-written matchers because their
 * rules (Unicode letters after the first character, `\x` pairs, error shapes) are not plain
 * regular expressions Chevrotain can analyse; start-character hints keep the lexer's
 * first-character optimisation on.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from "chevrotain";

/** Payload of a String token: the unescaped value and what was wrong with the literal, if anything. */
export interface StringPayload {
  value: string;
  quote: "'" | '"';
  /** The closing quote is missing: the token stops at the end of its line. */
  unterminated?: boolean;
  /** Offset of the first backslash that stands right before a line break. */
  backslashNewlineAt?: number;
}

const IDENT_REST = /[A-Za-z0-9_.\-\p{L}\p{N}]*/uy;

function matchIdentifier(text: string, offset: number): CustomPatternMatcherReturn | null {
  const c = text.charCodeAt(offset);
  const startOk =
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f /* _ */ || c === 0x2e; /* . */
  if (!startOk) return null;
  IDENT_REST.lastIndex = offset + 1;
  IDENT_REST.exec(text);
  return [text.slice(offset, IDENT_REST.lastIndex)];
}

const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * `'…'` or `"…"` (§1.9): a backslash and the next character are consumed together; only
 * `\<quote>` is unescaped. Malformed literals still produce a token (flagged in the payload)
 * so the parser can go on and report further errors.
 */
function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  const q = text.charCodeAt(offset);
  if (q !== 0x27 && q !== 0x22) return null;
  const quote = q === 0x27 ? "'" : '"';
  const n = text.length;
  let i = offset + 1;
  let backslashNewlineAt: number | undefined;
  let hasEscapedQuote = false;
  for (;;) {
    if (i >= n) return unterminated(text, offset, quote, backslashNewlineAt);
    const c = text.charCodeAt(i);
    if (c === q) break;
    if (c === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (i + 1 >= n) return unterminated(text, offset, quote, backslashNewlineAt);
      if (next === LF || (next === CR && text.charCodeAt(i + 2) === LF)) {
        backslashNewlineAt ??= i;
      } else if (next === q) {
        hasEscapedQuote = true;
      }
      i += 2;
      continue;
    }
    i++;
  }
  const image = text.slice(offset, i + 1);
  let value = image.slice(1, -1);
  if (hasEscapedQuote) value = value.split(`\\${quote}`).join(quote);
  const payload: StringPayload = { value, quote };
  if (backslashNewlineAt !== undefined) payload.backslashNewlineAt = backslashNewlineAt;
  const result = [image] as CustomPatternMatcherReturn;
  result.payload = payload;
  return result;
}

function unterminated(
  text: string,
  offset: number,
  quote: "'" | '"',
  backslashNewlineAt: number | undefined,
): CustomPatternMatcherReturn {
  let end = text.indexOf("\n", offset);
  if (end < 0) end = text.length;
  const image = text.slice(offset, end);
  const payload: StringPayload = { value: image.slice(1), quote, unterminated: true };
  if (backslashNewlineAt !== undefined && backslashNewlineAt < end)
    payload.backslashNewlineAt = backslashNewlineAt;
  const result = [image] as CustomPatternMatcherReturn;
  result.payload = payload;
  return result;
}

/** `@end` only where a recipe line starts (the RECIPE mode always sits at one). */
function matchRecipeEnd(text: string, offset: number): CustomPatternMatcherReturn | null {
  return text.startsWith("@end", offset) ? ["@end"] : null;
}

/** Everything up to and including the next LF; the last line of the input may lack one. */
function matchRecipeLine(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (offset >= text.length) return null;
  const lf = text.indexOf("\n", offset);
  return [text.slice(offset, lf < 0 ? text.length : lf + 1)];
}

/** A U+FEFF at the very start of the input (§1.1). */
function matchBom(text: string, offset: number): CustomPatternMatcherReturn | null {
  return offset === 0 && text.charCodeAt(0) === 0xfeff ? ["\uFEFF"] : null;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export const Bom = createToken({
  name: "Bom",
  pattern: { exec: matchBom },
  group: Lexer.SKIPPED,
  start_chars_hint: [0xfeff],
  line_breaks: false,
});
/** Space, TAB, CR, FF, VT, LF and the Unicode space separators (category Zs). */
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: Lexer.SKIPPED });
export const RecipeBegin = createToken({
  name: "RecipeBegin",
  label: "'@begin'",
  pattern: /@begin/,
  push_mode: "recipe",
});
export const StringLit = createToken({
  name: "String",
  label: "string",
  pattern: { exec: matchString },
  line_breaks: true,
  start_chars_hint: ["'", '"'],
});
export const NumberLit = createToken({ name: "Number", label: "number", pattern: /[0-9]+(?:\.[0-9]*)?/ });
export const LE = createToken({ name: "LE", label: "'<='", pattern: /<=/ });
export const GE = createToken({ name: "GE", label: "'>='", pattern: />=/ });
export const EQ = createToken({ name: "EQ", label: "'='", pattern: /=/ });
export const LT = createToken({ name: "LT", label: "'<'", pattern: /</ });
export const GT = createToken({ name: "GT", label: "'>'", pattern: />/ });
export const LParen = createToken({ name: "LParen", label: "'('", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", label: "')'", pattern: /\)/ });
export const LBrack = createToken({ name: "LBrack", label: "'['", pattern: /\[/ });
export const RBrack = createToken({ name: "RBrack", label: "']'", pattern: /]/ });
export const Comma = createToken({ name: "Comma", label: "','", pattern: /,/ });

export const Identifier = createToken({
  name: "Identifier",
  label: "identifier",
  pattern: { exec: matchIdentifier },
  start_chars_hint: [...LETTERS, "_", "."],
  line_breaks: false,
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    label: `'${word}'`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
  });
}

export const Description = keyword("description");
export const Ansible = keyword("ansible");
export const Network = keyword("network");
export const System = keyword("system");
export const Configure = keyword("configure");
export const Contextualize = keyword("contextualize");
export const Deploy = keyword("deploy");
export const Soft = keyword("soft");
export const And = keyword("and");
export const Contains = keyword("contains");
export const Step = keyword("step");
export const With = keyword("with");
export const Option = keyword("option");

export const KEYWORDS: readonly TokenType[] = [
  Description,
  Ansible,
  Network,
  System,
  Configure,
  Contextualize,
  Deploy,
  Soft,
  And,
  Contains,
  Step,
  With,
  Option,
];

export const RecipeEnd = createToken({
  name: "RecipeEnd",
  label: "'@end'",
  pattern: { exec: matchRecipeEnd },
  start_chars_hint: ["@"],
  pop_mode: true,
  line_breaks: false,
});
export const RecipeLine = createToken({
  name: "RecipeLine",
  label: "recipe line",
  pattern: { exec: matchRecipeLine },
  line_breaks: true,
});

/** Comparators, in the order the lexer must try them (longest first). */
export const COMPARATOR_TOKENS: readonly TokenType[] = [LE, GE, EQ, LT, GT];

export const NORMAL_MODE: TokenType[] = [
  Bom,
  WhiteSpace,
  Comment,
  RecipeBegin,
  StringLit,
  NumberLit,
  LE,
  GE,
  EQ,
  LT,
  GT,
  LParen,
  RParen,
  LBrack,
  RBrack,
  Comma,
  ...KEYWORDS,
  Identifier,
];

export const RECIPE_MODE: TokenType[] = [RecipeEnd, RecipeLine];

/** Every token type the parser may see (for the parser's vocabulary). */
export const ALL_TOKENS: TokenType[] = [...NORMAL_MODE, RecipeEnd, RecipeLine];
