import { RadlPulumiError } from "../../compiler/errors.js";

/** A configuration that stops start-up: names the option and where its value came from. */
export class ConfigError extends RadlPulumiError {
  constructor(
    /** The option as documented (`REST_PORT`), or the file itself for syntax errors. */
    readonly option: string,
    /** The file path, or `environment variable IM_<OPTION>`. */
    readonly source: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super("E-CONFIG", `Invalid configuration: option ${option} in ${source}: ${detail}`, options);
  }
}
