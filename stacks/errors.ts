import { RadlPulumiError } from "../compiler/errors.js";

/**
 * Failures of the stack layer. Each class has one stable `code`; `stackName` names the
 * infrastructure (stack) concerned when there is one, and `detail` keeps the engine's own
 * words (the relevant stderr lines) for logs.
 */
export class StackLayerError extends RadlPulumiError {
  constructor(
    code: string,
    message: string,
    readonly stackName?: string,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** No usable Pulumi CLI or command provider: the setup script has not been run or failed. */
export class EngineMissingError extends StackLayerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E-ENGINE-MISSING", message, undefined, undefined, options);
  }
}

/** The state backend (file directory, object store, Pulumi Cloud) cannot be reached or used. */
export class BackendUnreachableError extends StackLayerError {
  constructor(
    readonly backendUrl: string,
    detail: string,
    stack?: string,
    options?: { cause?: unknown },
  ) {
    super(
      "E-BACKEND-UNREACHABLE",
      `the Pulumi backend ${backendUrl} cannot be used: ${detail}`,
      stack,
      detail,
      options,
    );
  }
}

/** The passphrase does not decrypt the stack's secrets (or none was given). */
export class WrongPassphraseError extends StackLayerError {
  constructor(stack: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(
      "E-PASSPHRASE",
      `the configured passphrase does not open the secrets of stack ${stack ?? "(unknown)"}`,
      stack,
      detail,
      options,
    );
  }
}

export class StackNotFoundError extends StackLayerError {
  constructor(stack: string, options?: { cause?: unknown }) {
    super("E-STACK-NOT-FOUND", `no stack named ${stack} in the backend`, stack, undefined, options);
  }
}

/** Stack names are infrastructure ids; Pulumi accepts letters, digits, `-`, `_` and `.`. */
export class InvalidStackNameError extends StackLayerError {
  constructor(stack: string) {
    super(
      "E-STACK-NAME",
      `invalid stack name ${JSON.stringify(stack)}: use 1-100 letters, digits, '-', '_' or '.'`,
      stack,
    );
  }
}

/** The operation was cancelled (AbortSignal or StackManager.cancel) before or while it ran. */
export class OperationCancelledError extends StackLayerError {
  constructor(
    stack: string,
    readonly operation: string,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super("E-CANCELLED", `${operation} of stack ${stack} was cancelled`, stack, detail, options);
  }
}

/**
 * Another process (another server sharing the backend, a plain `pulumi` CLI) holds the stack's
 * lock. Operations inside one StackManager are queued and never produce this.
 */
export class ConcurrentOperationError extends StackLayerError {
  constructor(stack: string, detail: string, options?: { cause?: unknown }) {
    super(
      "E-CONCURRENT",
      `stack ${stack} is locked by another operation outside this server`,
      stack,
      detail,
      options,
    );
  }
}

/** The engine ran and reported a failure (a resource failed, the program threw...). */
export class EngineOperationError extends StackLayerError {
  constructor(
    stack: string,
    readonly operation: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      "E-ENGINE-OPERATION",
      `${operation} of stack ${stack} failed: ${firstLine(detail)}`,
      stack,
      detail,
      options,
    );
  }
}

/** The StackManager was closed; no new operations are accepted. */
export class StackManagerClosedError extends StackLayerError {
  constructor() {
    super("E-STACKS-CLOSED", "the stack manager is closed");
  }
}

/** Imported state that is not a Pulumi deployment (version + deployment object). */
export class InvalidStateError extends StackLayerError {
  constructor(stack: string, detail: string) {
    super("E-STATE-INVALID", `state for stack ${stack} is not a Pulumi deployment: ${detail}`, stack, detail);
  }
}

function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "unknown error";
  return line.trim().slice(0, 500);
}
