import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RadlPulumiError } from "../compiler/errors.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";
import type { Command } from "./command.js";

const PACKAGE_NAME = "radl-pulumi";

/** The version in our package.json, found upwards from this file (cli/ under tsx, dist/cli/ when built). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === PACKAGE_NAME && manifest.version) return manifest.version;
    } catch {
      // no (readable) package.json here: keep going up
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new RadlPulumiError("E-CLI-VERSION", `no package.json of ${PACKAGE_NAME} found`);
    dir = parent;
  }
}

export const versionCommand: Command = {
  name: "version",
  summary: "print the version (also: radl --version)",
  usage: "radl version",
  details: "Prints the version of radl-pulumi.",
  async run(args, { io }) {
    if (args.length > 0) {
      throw new UsageError(`unexpected argument "${args[0]}"`, "version");
    }
    io.out(`${packageVersion()}\n`);
    return EXIT_OK;
  },
};
