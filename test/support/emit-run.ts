/**
 * Runs an emitted project's index.ts in this process: written under `.cache/emit-test/` inside the
 * repository (so `@pulumi/*` resolve from its node_modules), transpiled by the TypeScript API to
 * CommonJS as Pulumi's own TypeScript support would, and required.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";
import type { EmittedProject } from "../../compiler/emit/index.js";
import { repoRoot } from "./paths.js";

export const emitTestRoot = join(repoRoot, ".cache", "emit-test", String(process.pid));

/** Writes the project's files into `.cache/emit-test/<pid>/<name>/` and returns the directory. */
export function materialize(name: string, project: EmittedProject): string {
  const dir = join(emitTestRoot, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [path, text] of Object.entries(project.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Transpiles `<dir>/index.ts` and requires it: its exports are the stack outputs. */
export function runProgram(dir: string): Record<string, unknown> {
  const source = ts.sys.readFile(join(dir, "index.ts"))!;
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2020,
      esModuleInterop: false,
    },
    fileName: "index.ts",
  });
  writeFileSync(join(dir, "index.js"), outputText);
  const require = createRequire(join(dir, "package.json"));
  return require(join(dir, "index.js")) as Record<string, unknown>;
}

export function removeEmitTestRoot(): void {
  rmSync(emitTestRoot, { recursive: true, force: true });
}
