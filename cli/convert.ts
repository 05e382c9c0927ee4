import { loadRadl } from "../compiler/load.js";
import { parseCommandArgs, type Command } from "./command.js";
import { reportDiagnostics } from "./diagnostics.js";
import { UsageError } from "./errors.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { readInput } from "./input.js";
import { renderDocument, isRenderFormat, RENDER_FORMATS } from "./render.js";

export const convertCommand: Command = {
  name: "convert",
  summary: "convert between RADL text and RADL-JSON",
  usage: "radl convert --to json|radl FILE",
  details: `Reads FILE ("-" for standard input), RADL text or RADL-JSON told apart by content,
validates it and writes it on standard output in the canonical form of the other notation
(or of the same one). RADL-JSON loses string operators, strict < and > and units (spec §5.2).

  --to json|radl   the output form (required)

Exit status: 0 converted, 1 invalid input or a value with no faithful form in the target,
2 usage error or unreadable file.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("convert", args, {
      to: { type: "string" },
    });
    if (values.to === undefined) throw new UsageError("--to json|radl is required", "convert");
    if (!isRenderFormat(values.to)) {
      throw new UsageError(`--to must be one of ${RENDER_FORMATS.join(", ")}, not "${values.to}"`, "convert");
    }
    if (positionals.length !== 1) throw new UsageError("exactly one FILE is required", "convert");
    const input = await readInput(positionals[0]!, io);
    const loaded = loadRadl(input.text, { source: input.source });
    reportDiagnostics(io, loaded.diagnostics, input.text);
    if (loaded.document === null) return EXIT_INVALID;
    const rendered = renderDocument(loaded.document, values.to, input.source);
    if (!rendered.ok) {
      reportDiagnostics(io, rendered.diagnostics, input.text);
      return EXIT_INVALID;
    }
    io.out(rendered.text);
    return EXIT_OK;
  },
};
