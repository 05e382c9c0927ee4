import { serviceVersion } from "../api/operations/version.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";
import type { Command } from "./command.js";

export const versionCommand: Command = {
  name: "version",
  summary: "print the version (also: radl --version)",
  usage: "radl version",
  details: "Prints the version of radl-pulumi (the same the IM APIs report in GetVersion).",
  async run(args, { io }) {
    if (args.length > 0) {
      throw new UsageError(`unexpected argument "${args[0]}"`, "version");
    }
    io.out(`${serviceVersion()}\n`);
    return EXIT_OK;
  },
};
