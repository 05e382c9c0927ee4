import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The repository root, whether tests run from test/ (tsx) or dist/test/ (compiled). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** `../shared` beside the repository (CI lays it there); RADL_SHARED overrides. */
export const sharedDir = resolve(process.env.RADL_SHARED ?? join(repoRoot, "..", "shared"));

export const corpusDir = join(sharedDir, "corpus");
