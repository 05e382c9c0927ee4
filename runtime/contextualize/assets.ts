/** The shell tools shipped to the master in every bundle (`bin/`), read from ./assets beside the sources. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function assetsDir(): string {
  // Works from the sources (tsx) and from dist/ (compiled): the .sh files stay in the source tree.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "runtime", "contextualize", "assets");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
    const local = join(dir, "assets");
    if (existsSync(join(local, "run-step.sh"))) return local;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("runtime/contextualize/assets not found");
    dir = parent;
  }
}

export const TOOL_NAMES = ["run-step", "stage-worker", "kill-gen"] as const;

export function readTool(name: (typeof TOOL_NAMES)[number]): string {
  return readFileSync(resolve(assetsDir(), `${name}.sh`), "utf8");
}
