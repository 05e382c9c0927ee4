import { loadRadl } from "../compiler/load.js";
import { parseCommandArgs, type Command } from "./command.js";
import { reportDiagnostics } from "./diagnostics.js";
import { UsageError } from "./errors.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { readInput, replaceFile, STDIN_PATH } from "./input.js";
import { renderDocument } from "./render.js";

export const fmtCommand: Command = {
  name: "fmt",
  summary: "print RADL files in canonical form",
  usage: "radl fmt [--check | --write] FILE...",
  details: `Validates each FILE ("-" for standard input) and prints it in canonical form (spec §6.4)
on standard output; RADL-JSON input is printed as canonical RADL-JSON.

  --check   print nothing but the names of the files that are not canonical; exit 1 if any
  --write   rewrite the files that are not canonical in place (never a file with errors)

Exit status: 0 done (with --check: everything canonical), 1 some file invalid or (with --check)
not canonical, 2 usage error or unreadable file.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("fmt", args, {
      check: { type: "boolean" },
      write: { type: "boolean" },
    });
    if (values.check && values.write) throw new UsageError("--check and --write exclude each other", "fmt");
    if (positionals.length === 0) throw new UsageError("no FILE given", "fmt");
    if (values.write && positionals.includes(STDIN_PATH)) {
      throw new UsageError('--write cannot rewrite standard input ("-")', "fmt");
    }
    const inputs = [];
    for (const path of positionals) inputs.push(await readInput(path, io));

    let status = EXIT_OK;
    for (const input of inputs) {
      const loaded = loadRadl(input.text, { source: input.source });
      reportDiagnostics(io, loaded.diagnostics, input.text);
      if (loaded.document === null) {
        status = EXIT_INVALID;
        continue;
      }
      const rendered = renderDocument(loaded.document, loaded.format, input.source);
      if (!rendered.ok) {
        reportDiagnostics(io, rendered.diagnostics, input.text);
        status = EXIT_INVALID;
        continue;
      }
      const changed = rendered.text !== input.text;
      if (values.check) {
        if (changed) {
          io.out(`${input.source}\n`);
          status = EXIT_INVALID;
        }
      } else if (values.write) {
        if (changed) {
          await replaceFile(input.path, rendered.text);
          io.err(`formatted ${input.path}\n`);
        }
      } else {
        io.out(rendered.text);
      }
    }
    return status;
  },
};
