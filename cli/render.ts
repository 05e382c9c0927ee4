import type { Diagnostic } from "../compiler/diagnostic.js";
import { RadlDocumentError } from "../compiler/errors.js";
import type { RadlDocument } from "../compiler/ir.js";
import { stringifyRadlJson } from "../compiler/json/encode.js";
import type { RadlFormat } from "../compiler/load.js";
import { printRadl } from "../compiler/print.js";

export const RENDER_FORMATS: readonly RadlFormat[] = ["json", "radl"];

export function isRenderFormat(value: string): value is RadlFormat {
  return (RENDER_FORMATS as readonly string[]).includes(value);
}

export type Rendered = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/**
 * The canonical text of `document` in `format`, ending with a newline. A value with no faithful
 * form (E-PRINT-UNREPRESENTABLE, spec §6.4) comes back as diagnostics, not as an exception.
 */
export function renderDocument(document: RadlDocument, format: RadlFormat, source: string): Rendered {
  try {
    const text = format === "json" ? stringifyRadlJson(document) : printRadl(document);
    return { ok: true, text: text.endsWith("\n") ? text : `${text}\n` };
  } catch (error) {
    if (!(error instanceof RadlDocumentError)) throw error;
    return { ok: false, diagnostics: error.diagnostics.map((d) => ({ source, ...d })) };
  }
}
