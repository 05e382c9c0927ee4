import type { Span } from "./ir.js";

export type Severity = "error" | "warning";

/**
 * One finding about a RADL document. `code` is one of spec radl.md Appendix C
 * (E-LEX-*, E-PARSE-*, E-BUILD-*, E-VAL-*, E-JSON-*, E-PRINT-*, E-IM-*, W-*).
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** File name, "<stdin>" or "<api>". */
  source?: string;
  span?: Span;
  /** For JSON input: an RFC 6901 pointer to the offending value. */
  pointer?: string;
  /** Token kinds or values that would have been accepted here. */
  expected?: string[];
}

export function isError(d: Diagnostic): boolean {
  return d.severity === "error";
}

/** `file:line:col: error CODE: message`, then the source line and a caret when the text is known. */
export function formatDiagnostic(d: Diagnostic, text?: string): string {
  const where = [d.source ?? "<input>", d.span ? `${d.span.line}:${d.span.column}` : d.pointer]
    .filter((s) => s !== undefined && s !== "")
    .join(":");
  let out = `${where}: ${d.severity} ${d.code}: ${d.message}`;
  if (d.span && text !== undefined) {
    const lineText = text.split(/\r\n|\n|\r/)[d.span.line - 1];
    if (lineText !== undefined) {
      const caretWidth = Math.max(1, Math.min(d.span.length, lineText.length - d.span.column + 1));
      out += `\n  ${lineText}\n  ${" ".repeat(Math.max(0, d.span.column - 1))}${"^".repeat(caretWidth)}`;
    }
  }
  return out;
}
