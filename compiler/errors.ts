import type { Diagnostic } from "./diagnostic.js";

/**
 * Base of every error radl-pulumi throws on purpose. `code` is stable: clients, tests and the
 * API map it to statuses and messages; the message is for people.
 */
export class RadlPulumiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A RADL document (text or JSON) that cannot be used: carries every diagnostic found. */
export class RadlDocumentError extends RadlPulumiError {
  constructor(readonly diagnostics: Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    super(first?.code ?? "E-RADL", first ? first.message : "invalid RADL document");
  }
}
