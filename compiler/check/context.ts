import type { Diagnostic } from "../diagnostic.js";
import type { RadlDocument, Span } from "../ir.js";

/**
 * What every part of the validator needs: the document, the ids that exist (definitions and
 * references alike, spec radl.md §3.5), and the list of findings.
 */
export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly networkIds: ReadonlySet<string>;
  readonly systemIds: ReadonlySet<string>;
  readonly configureIds: ReadonlySet<string>;
  readonly ansibleIds: ReadonlySet<string>;

  constructor(readonly doc: RadlDocument) {
    this.networkIds = new Set(doc.networks.map((s) => s.id));
    this.systemIds = new Set(doc.systems.map((s) => s.id));
    this.configureIds = new Set(doc.configures.map((s) => s.id));
    this.ansibleIds = new Set(doc.ansible.map((s) => s.id));
  }

  error(code: string, message: string, span: Span | undefined): void {
    this.report("error", code, message, span);
  }

  warning(code: string, message: string, span: Span | undefined): void {
    this.report("warning", code, message, span);
  }

  private report(severity: Diagnostic["severity"], code: string, message: string, span?: Span): void {
    this.diagnostics.push({
      code,
      severity,
      message,
      ...(this.doc.source === undefined ? {} : { source: this.doc.source }),
      ...(span === undefined ? {} : { span }),
      ...(span?.pointer === undefined ? {} : { pointer: span.pointer }),
    });
  }
}
