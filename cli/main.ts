import { RadlPulumiError } from "../compiler/errors.js";
import type { Command } from "./command.js";
import { COMMANDS } from "./commands.js";
import { InputFileError, OutputFileError, UsageError } from "./errors.js";
import { EXIT_INTERNAL, EXIT_INVALID, EXIT_USAGE } from "./exit-codes.js";
import { commandHelp, findCommand, generalUsage } from "./help.js";
import { processIo, type Io } from "./io.js";

const HELP_FLAGS = new Set(["--help", "-h"]);
const VERSION_FLAGS = new Set(["--version", "-V"]);

/**
 * The `radl` command line (bin/radl.js): dispatches argv[0] through the table in cli/commands.ts
 * and returns the exit status. Usage errors print one line and the usage, with status 2.
 */
export async function main(argv: string[], io: Io = processIo(), commands = COMMANDS): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError("no command given");
    let name = first;
    if (HELP_FLAGS.has(first)) name = "help";
    else if (VERSION_FLAGS.has(first)) name = "version";
    else if (first.startsWith("-")) throw new UsageError(`unknown option "${first}"`);
    const command = findCommand(commands, name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (name === first && rest.some((arg) => HELP_FLAGS.has(arg))) {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run(rest, { io, commands });
  } catch (error) {
    return reportFailure(error, io, commands);
  }
}

function reportFailure(error: unknown, io: Io, commands: readonly Command[]): number {
  if (error instanceof UsageError) {
    const command = error.command === undefined ? undefined : findCommand(commands, error.command);
    io.err(`radl: ${error.message}\n`);
    io.err(
      command
        ? `usage: ${command.usage}\nRun "radl help ${command.name}" for details.\n`
        : generalUsage(commands),
    );
    return EXIT_USAGE;
  }
  if (error instanceof InputFileError || error instanceof OutputFileError) {
    io.err(`radl: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof RadlPulumiError) {
    io.err(`radl: ${error.message} (${error.code})\n`);
    return EXIT_INVALID;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`radl: internal error: ${detail}\n`);
  return EXIT_INTERNAL;
}
