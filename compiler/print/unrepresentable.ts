import type { Diagnostic } from "../diagnostic.js";
import { RadlDocumentError } from "../errors.js";
import type { Span } from "../ir.js";

export const UNREPRESENTABLE = "E-PRINT-UNREPRESENTABLE";

/**
 * An IR value or identifier that has no faithful form in the output (spec radl.md §6.4 P1–P10,
 * and names the JSON form cannot carry). Raised instead of printing text that would be read
 * back differently, because IM persists infrastructures as printed text.
 */
export class RadlUnrepresentableError extends RadlDocumentError {
  constructor(
    /** Where in the document, e.g. `system 'head', feature 'disk.0.os.credentials.password'`. */
    readonly where: string,
    readonly problem: string,
    span?: Span,
  ) {
    const diagnostic: Diagnostic = {
      code: UNREPRESENTABLE,
      severity: "error",
      message: `${where}: ${problem}`,
      ...(span === undefined ? {} : { span }),
    };
    super([diagnostic]);
  }
}
