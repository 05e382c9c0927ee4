import {
  CommandError,
  ConcurrentUpdateError,
  StackNotFoundError as AutomationStackNotFoundError,
} from "@pulumi/pulumi/automation/index.js";
import {
  BackendUnreachableError,
  ConcurrentOperationError,
  EngineMissingError,
  EngineOperationError,
  OperationCancelledError,
  StackLayerError,
  StackNotFoundError,
  WrongPassphraseError,
} from "./errors.js";

export interface FailureContext {
  stack: string;
  operation: string;
  backendUrl: string;
  cancelled: boolean;
}

const passphrasePatterns = [/incorrect passphrase/i, /passphrase must be set/i, /failed to decrypt/i];
const backendPatterns = [
  /could not (?:create|open|read|write|access) .*(?:bucket|backend|state)/i,
  /(?:failed|unable) to (?:log ?in|open bucket|list|read|create)/i,
  /\blogin\b.*\bfailed\b|\bPULUMI_ACCESS_TOKEN must be set\b/i,
  /connection refused|no such host|i\/o timeout|network is unreachable|context deadline exceeded/i,
  /not a directory|permission denied|read-only file system/i,
  /unsupported protocol scheme|invalid backend|unknown backend/i,
  /blob \(key|get credentials|NoSuchBucket|bucket .* does not exist|meta\.yaml/i,
];

/** The lines of the engine's output worth showing: its `error:` lines, else the last lines. */
export function engineDetail(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  const errors = lines.filter((l) => /^\s*error:/i.test(l));
  return (errors.length > 0 ? errors : lines.slice(-8)).join("\n").trim();
}

/** Turns whatever an Automation API call threw into one of our typed errors. */
export function classifyEngineError(error: unknown, context: FailureContext): StackLayerError {
  if (error instanceof StackLayerError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const detail = engineDetail(text);
  const options = { cause: error };
  if (context.cancelled)
    return new OperationCancelledError(context.stack, context.operation, detail, options);
  if (error instanceof AutomationStackNotFoundError || /no stack named .* found/i.test(text)) {
    return new StackNotFoundError(context.stack, options);
  }
  if (error instanceof ConcurrentUpdateError || /the stack is currently locked by/i.test(text)) {
    return new ConcurrentOperationError(context.stack, detail, options);
  }
  if (
    /\bENOENT\b|\bEACCES\b.*bin\/pulumi|spawn .*pulumi/i.test(text) &&
    !(error instanceof CommandError && /exit code: [0-9]/.test(text))
  ) {
    return new EngineMissingError(`the Pulumi CLI cannot be started: ${detail}`, options);
  }
  if (passphrasePatterns.some((p) => p.test(text)))
    return new WrongPassphraseError(context.stack, detail, options);
  if (isBackendFailure(text))
    return new BackendUnreachableError(context.backendUrl, detail, context.stack, options);
  return new EngineOperationError(context.stack, context.operation, detail || text, options);
}

/**
 * Backend failures happen before the engine starts planning: the CLI fails while logging in or
 * reading the stack. Resource failures mention `updating urn:` / `creating urn:` and are not
 * backend failures even when a provider reports `connection refused`.
 */
function isBackendFailure(text: string): boolean {
  if (/urn:pulumi:/.test(text)) return false;
  return backendPatterns.some((p) => p.test(text));
}
