/**
 * RADL lexer (spec radl.md §1): Chevrotain's multi-mode lexer plus one pass over its output
 * that turns malformed literals and unknown characters into diagnostics.
 *
 * Strict (default): an unknown character is E-LEX-ILLEGAL-CHAR. Lenient (for RADL stored by a
 * Python IM, Appendix E.1): what the reference lexer drops silently is dropped here too, each
 * drop reported as a W-LEX-DROPPED-CHAR warning — unknown characters, and `= < > <= >= [ ] ,`
 * outside parentheses (the reference only knows them inside a body, §1.2).
 */
import { createTokenInstance, Lexer, type IToken, type ILexingError } from "chevrotain";
import type { Diagnostic } from "./diagnostic.js";
import type { Span } from "./ir.js";
import {
  Comma,
  EQ,
  GE,
  GT,
  LBrack,
  LE,
  LParen,
  LT,
  NORMAL_MODE,
  NumberLit,
  RBrack,
  RECIPE_MODE,
  RecipeBegin,
  RecipeEnd,
  RecipeLine,
  RParen,
  StringLit,
  type StringPayload,
} from "./tokens.js";

export interface LexOptions {
  lenient?: boolean;
}

export interface LexResult {
  tokens: IToken[];
  diagnostics: Diagnostic[];
  /** Set when the input ended inside a recipe (E-PARSE-UNTERMINATED-RECIPE was reported). */
  unterminatedRecipe: boolean;
  /** Set when a string had no closing quote (E-LEX-UNTERMINATED-STRING was reported). */
  unterminatedString: boolean;
  /** Parentheses nest deeper than MAX_NESTING (reported): the input must not reach the recursive parser. */
  tooDeep: boolean;
}

/** Line terminator: LF only; CR is whitespace, so CRLF counts once (§1.3). */
const chevrotainLexer = new Lexer(
  { modes: { normal: NORMAL_MODE, recipe: RECIPE_MODE }, defaultMode: "normal" },
  {
    positionTracking: "full",
    lineTerminatorsPattern: /\n/g,
    lineTerminatorCharacters: ["\n"],
    ensureOptimizations: false,
    skipValidations: true,
  },
);

export function tokenSpan(tok: IToken): Span {
  return {
    line: tok.startLine ?? 1,
    column: tok.startColumn ?? 1,
    offset: tok.startOffset,
    length: tok.image.length,
  };
}

/** The position just after `offset` characters of `text` (used for EOF and inner offsets). */
export function spanAt(text: string, offset: number, length = 0): Span {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset, length };
}

/** Position of `offset` inside `tok`, counting the LFs between the token start and there. */
function spanInside(tok: IToken, offset: number, length: number, text: string): Span {
  let line = tok.startLine ?? 1;
  let lineStart = tok.startOffset - ((tok.startColumn ?? 1) - 1);
  for (let i = text.indexOf("\n", tok.startOffset); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset, length };
}

/** Deepest parenthesis nesting accepted (real documents use 3 or 4 levels). */
export const MAX_NESTING = 200;

const PUNCTUATION_TOP_LEVEL = new Set([EQ, LE, GE, LT, GT, LBrack, RBrack, Comma]);

export function lexRadl(text: string, options: LexOptions = {}): LexResult {
  const lenient = options.lenient === true;
  const result = chevrotainLexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const err of result.errors) diagnostics.push(illegalChars(text, err, lenient));

  const tokens: IToken[] = [];
  let depth = 0;
  let openRecipe: IToken | undefined;
  let unterminatedString = false;
  let tooDeep = false;
  for (const tok of result.tokens) {
    const type = tok.tokenType;
    if (type === StringLit) {
      if (checkString(tok, text, diagnostics)) unterminatedString = true;
    } else if (type === NumberLit) {
      if (!tok.image.includes(".") && tok.image.length > 15 && Number(tok.image) > Number.MAX_SAFE_INTEGER) {
        diagnostics.push({
          code: "E-LEX-NUMBER-RANGE",
          severity: "error",
          message: `integer ${tok.image} is larger than 2^53-1`,
          span: tokenSpan(tok),
        });
      }
    } else if (type === RecipeBegin) {
      openRecipe = tok;
    } else if (type === RecipeEnd) {
      openRecipe = undefined;
    } else if (type === LParen) {
      depth++;
      if (depth > MAX_NESTING && !tooDeep) {
        tooDeep = true;
        diagnostics.push({
          code: "E-PARSE-SYNTAX",
          severity: "error",
          message: `parentheses nest deeper than ${MAX_NESTING} levels`,
          span: tokenSpan(tok),
        });
      }
    } else if (type === RParen) {
      if (depth > 0) depth--;
    } else if (lenient && depth === 0 && PUNCTUATION_TOP_LEVEL.has(type)) {
      diagnostics.push({
        code: "W-LEX-DROPPED-CHAR",
        severity: "warning",
        message: `'${tok.image}' outside parentheses was dropped (as the reference parser does)`,
        span: tokenSpan(tok),
      });
      continue;
    }
    tokens.push(tok);
  }

  let unterminatedRecipe = false;
  if (openRecipe !== undefined) {
    unterminatedRecipe = true;
    diagnostics.push({
      code: "E-PARSE-UNTERMINATED-RECIPE",
      severity: "error",
      message: "the recipe opened by '@begin' is never closed: '@end' must start a line",
      span: tokenSpan(openRecipe),
      expected: ["'@end'"],
    });
    // Close it so the parser reports nothing more about the same mistake.
    const end = spanAt(text, text.length);
    const last = tokens[tokens.length - 1];
    if (last?.tokenType === RecipeBegin) tokens.push(syntheticToken(RecipeLine, end));
    tokens.push(syntheticToken(RecipeEnd, end));
  }
  diagnostics.sort((a, b) => (a.span?.offset ?? 0) - (b.span?.offset ?? 0));
  return { tokens, diagnostics, unterminatedRecipe, unterminatedString, tooDeep };
}

function syntheticToken(type: typeof RecipeEnd, at: Span): IToken {
  return createTokenInstance(type, "", at.offset, at.offset, at.line, at.line, at.column, at.column);
}

/** Reports malformed string literals; true when the string is unterminated. */
function checkString(tok: IToken, text: string, diagnostics: Diagnostic[]): boolean {
  const payload = tok.payload as StringPayload;
  if (payload.backslashNewlineAt !== undefined) {
    diagnostics.push({
      code: "E-LEX-BACKSLASH-NEWLINE",
      severity: "error",
      message: "a backslash right before a line break inside a string is not allowed",
      span: spanInside(tok, payload.backslashNewlineAt, 1, text),
    });
  }
  if (payload.unterminated) {
    diagnostics.push({
      code: "E-LEX-UNTERMINATED-STRING",
      severity: "error",
      message: `string started here has no closing ${payload.quote}`,
      span: tokenSpan(tok),
      expected: [payload.quote],
    });
  }
  return payload.unterminated === true;
}

function describeIllegal(chars: string, text: string, offset: number): string {
  const shown = JSON.stringify(chars);
  if (chars.startsWith("-")) {
    return `character '-' is not allowed here: RADL has no negative numbers, and '-' may only appear inside identifiers and strings`;
  }
  if (chars.startsWith("@")) {
    if (text.startsWith("@input.", offset)) {
      return "'@input.NAME@' placeholders are not RADL: substitute them before parsing";
    }
    return "character '@' is only allowed in '@begin' (and '@end' at the start of a recipe line)";
  }
  if (/^\p{L}/u.test(chars)) {
    return `identifier cannot start with ${shown}: the first character must be an ASCII letter, '_' or '.'`;
  }
  return `character${[...chars].length > 1 ? "s" : ""} ${shown} not allowed here`;
}

function illegalChars(text: string, err: ILexingError, lenient: boolean): Diagnostic {
  const chars = text.substr(err.offset, err.length);
  const span: Span = {
    line: err.line ?? 1,
    column: err.column ?? 1,
    offset: err.offset,
    length: err.length,
  };
  if (lenient) {
    return {
      code: "W-LEX-DROPPED-CHAR",
      severity: "warning",
      message: `${JSON.stringify(chars)} dropped (as the reference parser does)`,
      span,
    };
  }
  return {
    code: "E-LEX-ILLEGAL-CHAR",
    severity: "error",
    message: describeIllegal(chars, text, err.offset),
    span,
  };
}
