import { checkCommand } from "./check.js";
import type { Command } from "./command.js";
import { compileCommand } from "./compile.js";
import { convertCommand } from "./convert.js";
import { destroyCommand } from "./destroy.js";
import { fmtCommand } from "./fmt.js";
import { helpCommand } from "./help.js";
import { serveCommand } from "./serve.js";
import { outputsCommand } from "./outputs.js";
import { previewCommand } from "./preview.js";
import { purgeCommand } from "./purge.js";
import { upCommand } from "./up.js";
import { versionCommand } from "./version.js";

/**
 * The `radl` subcommands, in the order `radl help` lists them.
 *
 * To add one (preview, up, destroy, outputs, serve, compile, purge...): write cli/<name>.ts
 * exporting a `Command` (see cli/command.ts: name, summary, usage, details, run), parse its
 * arguments with parseCommandArgs, throw UsageError/InputFileError for exit status 2, return the
 * exit status otherwise (cli/exit-codes.ts), and add one import and one row here. The dispatcher
 * (cli/main.ts) handles `--help`, `help NAME`, unknown commands and typed errors for every row.
 */
export const COMMANDS: readonly Command[] = [
  checkCommand,
  fmtCommand,
  convertCommand,
  compileCommand,
  previewCommand,
  upCommand,
  destroyCommand,
  outputsCommand,
  purgeCommand,
  serveCommand,
  helpCommand,
  versionCommand,
];
