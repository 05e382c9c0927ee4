import type { Command } from "./command.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";

/** The general usage: synopsis and the command list. */
export function generalUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: radl COMMAND [ARGS...]
       radl --version | --help

commands:
${lines.join("\n")}

Run "radl help COMMAND" or "radl COMMAND --help" for the options of a command.
`;
}

/** The help of one command: synopsis and details. */
export function commandHelp(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}.\n\n${command.details}\n`;
}

export function findCommand(commands: readonly Command[], name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}

export const helpCommand: Command = {
  name: "help",
  summary: "show the commands, or the options of one",
  usage: "radl help [COMMAND]",
  details: "Without COMMAND lists the commands; with it, prints that command's usage and options.",
  async run(args, { io, commands }) {
    if (args.length === 0) {
      io.out(generalUsage(commands));
      return EXIT_OK;
    }
    if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}"`, "help");
    const command = findCommand(commands, args[0]!);
    if (!command) throw new UsageError(`unknown command "${args[0]}"`);
    io.out(commandHelp(command));
    return EXIT_OK;
  },
};
