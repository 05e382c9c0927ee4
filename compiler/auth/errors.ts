import { RadlPulumiError } from "../errors.js";

/** A line of the auth text format that does not say what it seems to mean (strict mode only). */
export class AuthLineError extends RadlPulumiError {
  constructor(
    readonly line: number,
    /** The key concerned, or the offending text when there is no key. */
    readonly field: string,
    detail: string,
    readonly source?: string,
  ) {
    super("E-AUTH-LINE", `${source ? `${source}:` : ""}line ${line}: ${detail}`);
  }
}

/** An `id` that the IM rejects (im-api.md §3.1); the message is the IM's. */
export class AuthIdError extends RadlPulumiError {
  constructor(readonly id: string) {
    super("E-AUTH-ID", `Incorrect value in auth item id: ${id}`);
  }
}

/** Auth data in the JSON, header or XML-RPC forms that is not a list of string maps. */
export class AuthFormatError extends RadlPulumiError {
  constructor(message: string) {
    super("E-AUTH-FORMAT", message);
  }
}
