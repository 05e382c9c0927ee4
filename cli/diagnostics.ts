import { formatDiagnostic, type Diagnostic } from "../compiler/diagnostic.js";
import type { Io } from "./io.js";

/** Each diagnostic as `file:line:col: severity CODE: message`, the source line and a caret, on stderr. */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], text: string): void {
  for (const diagnostic of diagnostics) io.err(`${formatDiagnostic(diagnostic, text)}\n`);
}
