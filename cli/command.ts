import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Io } from "./io.js";
import { UsageError } from "./errors.js";

/** What a subcommand receives besides its own arguments. */
export interface CommandContext {
  io: Io;
  /** The dispatcher's table, for `help`. */
  commands: readonly Command[];
}

/** One `radl` subcommand; cli/commands.ts lists them. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis, e.g. "radl check [--json] [--lenient] FILE...". */
  usage: string;
  /** Options and behaviour, printed by `radl help NAME` and `radl NAME --help`. */
  details: string;
  /** Returns the exit status; throws UsageError / InputFileError for status 2. */
  run(args: string[], context: CommandContext): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs in strict mode, its errors turned into a UsageError for `command`. */
export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split("\n")[0] ?? message, command);
  }
}
