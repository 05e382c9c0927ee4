import { RadlPulumiError } from "../compiler/errors.js";

/** Bad command line: unknown command or flag, missing argument. Exit status 2, with the usage. */
export class UsageError extends RadlPulumiError {
  constructor(
    message: string,
    /** The command whose usage to print; undefined = the general usage. */
    readonly command?: string,
  ) {
    super("E-CLI-USAGE", message);
  }
}

/** An input file that cannot be read (missing, a directory, no permission). Exit status 2. */
export class InputFileError extends RadlPulumiError {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super("E-CLI-INPUT", `cannot read ${path}: ${reason}`, options);
  }
}

/** An output file that cannot be written. Exit status 2. */
export class OutputFileError extends RadlPulumiError {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super("E-CLI-OUTPUT", `cannot write ${path}: ${reason}`, options);
  }
}
