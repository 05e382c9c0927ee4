/**
 * RADL text → IR: lex (§1), parse (§2), build (§3.2–§3.4). The public entry point.
 * Never throws for any input (parseRadlOrThrow throws only RadlDocumentError).
 */
import { buildDocument } from "./build.js";
import type { Diagnostic } from "./diagnostic.js";
import { RadlDocumentError } from "./errors.js";
import type { RadlDocument } from "./ir.js";
import { lexRadl, spanAt } from "./lexer.js";
import { fastParse } from "./fast-parser.js";
import { parseTokens } from "./parser.js";
import type { AstSection } from "./ast.js";

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
  let diagnostics: Diagnostic[];
  let document: RadlDocument | null = null;
  try {
    // Well-formed input takes the fast path; anything else gets the Chevrotain lexer and parser,
    // which own every diagnostic and the error recovery.
    const fast = options.lenient ? null : fastParse(text);
    if (fast !== null) {
      diagnostics = [];
      document = buildFrom(fast, options, diagnostics);
      return finish(document, diagnostics, options);
    }
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
      document = buildFrom(parsed.sections, options, diagnostics);
    }
  } catch (cause) {
    // Defensive: a bug must still come out as a diagnostic, never as an untyped exception.
    diagnostics = [
      {
        code: "E-PARSE-SYNTAX",
        severity: "error",
        message: `internal parser failure: ${cause instanceof Error ? cause.message : String(cause)}`,
        span: spanAt(text, 0),
      },
    ];
  }
  return finish(document, diagnostics, options);
}

function buildFrom(sections: AstSection[], options: ParseOptions, diagnostics: Diagnostic[]): RadlDocument {
  const built = buildDocument(sections, {
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.randomInt ? { randomInt: options.randomInt } : {}),
  });
  for (const d of built.diagnostics) diagnostics.push(d);
  return built.document;
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
