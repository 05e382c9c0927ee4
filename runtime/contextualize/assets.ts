/** The tools shipped to the master (`bin/` of every bundle) and the inline scripts, read from ./assets. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function assetsDir(): string {
  // From the sources (tsx) and from dist/ (compiled): the script files stay in the source tree.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const local = join(dir, "assets");
    if (existsSync(join(local, "run-step.sh"))) return local;
    const inRepo = join(dir, "runtime", "contextualize", "assets");
    if (existsSync(join(inRepo, "run-step.sh"))) return inRepo;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("runtime/contextualize/assets not found");
    dir = parent;
  }
}

/** Bundle path → asset file. */
export const TOOLS: Readonly<Record<string, string>> = {
  "bin/run-step": "run-step.sh",
  "bin/stage-worker.py": "stage-worker.py",
  "bin/kill-gen": "kill-gen.sh",
  "bin/activate.py": "activate.py",
};

export function readAsset(file: string): string {
  return readFileSync(join(assetsDir(), file), "utf8");
}
