/**
 * RADL text → IR: lex (§1), parse (§2), build (§3.2–§3.4). The public entry point.
 * Never throws for any input (parseRadlOrThrow throws only RadlDocumentError).
 */
import { buildDocument, type BuildOptions } from "./build.js";
import type { Diagnostic } from "./diagnostic.js";
import { RadlDocumentError } from "./errors.js";
import type { RadlDocument } from "./ir.js";
import { lexRadl, spanAt } from "./lexer.js";
import { fastParse } from "./fast-parser.js";
import { parseTokens } from "./parser.js";

export interface ParseOptions {
  /** File name, "<stdin>" or "<api>", copied into the document and every diagnostic. */
  source?: string;
  /** Reproduce the reference lexer's silent dropping, reported as W-LEX-DROPPED-CHAR warnings (Appendix E.1). */
  lenient?: boolean;
  /** Uniform integer in [0, max) used to expand `'random(N)'` (defaults to node:crypto randomInt). */
  randomInt?: (max: number) => number;
}

export interface ParseResult {
  /** null iff `diagnostics` holds an error. */
  document: RadlDocument | null;
  /** Errors and warnings in source order. */
  diagnostics: Diagnostic[];
}

export function parseRadl(text: string, options: ParseOptions = {}): ParseResult {
  // Well-formed input takes the fast path; anything else gets the Chevrotain lexer and parser,
  // which own every lexical and syntax diagnostic and the error recovery. (Lenient mode only
  // differs on input the fast path gives up on: there is nothing to drop in well-formed text.)
  try {
    const fast = fastParse(text, buildOptions(options));
    if (fast !== null) return finish(fast.document, fast.diagnostics, options);
  } catch (cause) {
    return finish(null, [internalFailure(text, cause)], options);
  }
  return parseRadlChevrotain(text, options);
}

/**
 * The Chevrotain path alone: lexer with recovery, parser with recovery, builder. parseRadl uses
 * it for lenient input and whenever the fast path gives up; exported so tests can compare both.
 */
export function parseRadlChevrotain(text: string, options: ParseOptions = {}): ParseResult {
  let diagnostics: Diagnostic[];
  let document: RadlDocument | null = null;
  try {
    const lexed = lexRadl(text, options.lenient ? { lenient: true } : {});
    const parsed = lexed.tooDeep ? { sections: [], diagnostics: [] } : parseTokens(lexed.tokens, text);
    diagnostics = lexed.diagnostics;
    const eof = text.length;
    for (const d of parsed.diagnostics) {
      // After an unterminated recipe or string, "missing ')' at the end" is the same mistake again.
      if ((lexed.unterminatedRecipe || lexed.unterminatedString) && d.span && d.span.offset >= eof) continue;
      diagnostics.push(d);
    }
    // Lexical errors leave a well-formed token stream, so building still finds real problems;
    // after a syntax error the tree is partial and building would only add noise.
    if (!diagnostics.some((d) => d.code.startsWith("E-PARSE-"))) {
      const built = buildDocument(parsed.sections, buildOptions(options));
      for (const d of built.diagnostics) diagnostics.push(d);
      document = built.document;
    }
  } catch (cause) {
    diagnostics = [internalFailure(text, cause)];
  }
  return finish(document, diagnostics, options);
}

/** Defensive: a bug must still come out as a diagnostic, never as an untyped exception. */
function internalFailure(text: string, cause: unknown): Diagnostic {
  return {
    code: "E-PARSE-SYNTAX",
    severity: "error",
    message: `internal parser failure: ${cause instanceof Error ? cause.message : String(cause)}`,
    span: spanAt(text, 0),
  };
}

function buildOptions(options: ParseOptions): BuildOptions {
  const b: BuildOptions = {};
  if (options.source !== undefined) b.source = options.source;
  if (options.randomInt) b.randomInt = options.randomInt;
  return b;
}

function finish(
  document: RadlDocument | null,
  diagnostics: Diagnostic[],
  options: ParseOptions,
): ParseResult {
  diagnostics.sort((a, b) => (a.span?.offset ?? 0) - (b.span?.offset ?? 0));
  if (diagnostics.some(isErrorDiagnostic)) document = null;
  if (options.source !== undefined) for (const d of diagnostics) d.source ??= options.source;
  return { document, diagnostics };
}

export function parseRadlOrThrow(text: string, options: ParseOptions = {}): RadlDocument {
  const result = parseRadl(text, options);
  if (result.document === null) throw new RadlDocumentError(result.diagnostics);
  return result.document;
}

function isErrorDiagnostic(d: Diagnostic): boolean {
  return d.severity === "error";
}
