import { isError, type Diagnostic } from "../compiler/diagnostic.js";
import { loadRadl } from "../compiler/load.js";
import { parseCommandArgs, type Command } from "./command.js";
import { reportDiagnostics } from "./diagnostics.js";
import { UsageError } from "./errors.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { readInput } from "./input.js";

export const checkCommand: Command = {
  name: "check",
  summary: "validate RADL or RADL-JSON files",
  usage: "radl check [--json] [--lenient] FILE...",
  details: `Parses and validates each FILE ("-" for standard input); RADL text and RADL-JSON are told
apart by content. Diagnostics go to standard error as file:line:col, code and message, with the
source line and a caret.

  --json      print every diagnostic of every file as one JSON array on standard output
  --lenient   read text as a Python IM stored it: characters the reference parser skips are
              dropped with a warning instead of being errors

Exit status: 0 all files valid (warnings allowed), 1 some file invalid, 2 usage error or a file
that cannot be read.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("check", args, {
      json: { type: "boolean" },
      lenient: { type: "boolean" },
    });
    if (positionals.length === 0) throw new UsageError("no FILE given", "check");
    const inputs = [];
    for (const path of positionals) inputs.push(await readInput(path, io));

    const all: Diagnostic[] = [];
    for (const input of inputs) {
      const { diagnostics } = loadRadl(input.text, {
        source: input.source,
        lenient: values.lenient ?? false,
      });
      if (!values.json) reportDiagnostics(io, diagnostics, input.text);
      all.push(...diagnostics);
    }
    if (values.json) io.out(`${JSON.stringify(all, null, 2)}\n`);
    return all.some(isError) ? EXIT_INVALID : EXIT_OK;
  },
};
