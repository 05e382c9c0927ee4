import { RadlPulumiError } from "../../compiler/errors.js";

/** DATA_DB could not be reached or prepared ("Error connecting with the DB" stops start-up). */
export class StoreConnectionError extends RadlPulumiError {
  constructor(url: string, detail: string, options?: { cause?: unknown }) {
    super("E-STORE-CONNECT", `Error connecting with the DB ${redactUrl(url)}: ${detail}`, options);
  }
}

/** A value the store refuses before writing anything (bad id, data that is not JSON, ...). */
export class StoreInputError extends RadlPulumiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E-STORE-INPUT", message, options);
  }
}

/** The record does not exist (or is deleted, where deleted ones are not wanted). */
export class StoreNotFoundError extends RadlPulumiError {
  constructor(
    readonly what: "infrastructure" | "job",
    readonly id: string,
  ) {
    super("E-STORE-NOT-FOUND", `No ${what} with id ${id}`);
  }
}

/**
 * Someone else wrote first: an existing id on create, a stale version on update, a job no longer
 * in the expected state. Nothing was written; re-read and retry.
 */
export class StoreConflictError extends RadlPulumiError {
  constructor(message: string) {
    super("E-STORE-CONFLICT", message);
  }
}

/** The backend failed while writing or reading; the transaction was rolled back. */
export class StoreBackendError extends RadlPulumiError {
  constructor(operation: string, options: { cause: unknown }) {
    super(
      "E-STORE-BACKEND",
      `DATA_DB ${operation} failed: ${(options.cause as Error)?.message ?? String(options.cause)}`,
      options,
    );
  }
}

/** Secrets encrypted with another key, or tampered with. */
export class StoreDecryptError extends RadlPulumiError {
  constructor(id: string, options?: { cause?: unknown }) {
    super(
      "E-STORE-DECRYPT",
      `The secrets of ${id} cannot be decrypted with this server's DATA_KEY_FILE`,
      options,
    );
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
