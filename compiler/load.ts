import { check } from "./check.js";
import { isError, type Diagnostic } from "./diagnostic.js";
import { RadlDocumentError } from "./errors.js";
import type { RadlDocument } from "./ir.js";
import { decodeRadlJson } from "./json/decode.js";
import { parseRadl } from "./parse.js";

/** The two forms of a RADL document (spec radl.md §1, §5). */
export type RadlFormat = "radl" | "json";

export interface LoadOptions {
  /** Name used in diagnostics: a file path, "<stdin>", "<api>". */
  source?: string;
  /**
   * Read text as the Python IM stored it: characters REF skips silently are dropped with a
   * warning instead of being errors (spec Appendix E.1). No effect on RADL-JSON.
   */
  lenient?: boolean;
}

export interface LoadResult {
  /** The parsed and checked document; null when any diagnostic is an error. */
  document: RadlDocument | null;
  /** Parse (or decode) diagnostics, then check() diagnostics, each with `source` set. */
  diagnostics: Diagnostic[];
  format: RadlFormat;
}

const LEADING_BLANKS = /^[\uFEFF\s]*/;

/**
 * RADL-JSON is an array (spec §5.1); a top-level object is also routed to the JSON decoder so that
 * it gets the right error (E-JSON-SHAPE) instead of a lexical one. Neither `[` nor `{` can start a
 * RADL text: every document starts with a section keyword, a comment or nothing.
 */
export function detectFormat(text: string): RadlFormat {
  const first = text.charAt(LEADING_BLANKS.exec(text)?.[0].length ?? 0);
  return first === "[" || first === "{" ? "json" : "radl";
}

/**
 * Reads a document in either form (detected by content), builds it and, when it built without
 * errors, validates it with check(). This is the entry point of the CLI, the API and the planner.
 */
export function loadRadl(text: string, options: LoadOptions = {}): LoadResult {
  const format = detectFormat(text);
  const parsed =
    format === "json"
      ? decodeRadlJson(text, { source: options.source })
      : parseRadl(text, { source: options.source, lenient: options.lenient ?? false });
  const diagnostics = [...parsed.diagnostics];
  let document = parsed.document;
  if (document !== null && !diagnostics.some(isError)) {
    diagnostics.push(...check(document));
  }
  if (diagnostics.some(isError)) document = null;
  if (options.source !== undefined) {
    for (const diagnostic of diagnostics) diagnostic.source ??= options.source;
  }
  return { document, diagnostics, format };
}

/** loadRadl for callers that cannot go on with an invalid document: throws RadlDocumentError. */
export function loadValidRadl(text: string, options: LoadOptions = {}): RadlDocument {
  const result = loadRadl(text, options);
  if (result.document === null) throw new RadlDocumentError(result.diagnostics);
  return result.document;
}
