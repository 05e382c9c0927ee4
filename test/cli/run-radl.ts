import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

const BIN = join(repoRoot, "bin", "radl.js");
const BUILT_MAIN = join(repoRoot, "dist", "cli", "main.js");

export interface RadlRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `radl` binary (bin/radl.js over the built dist/) as a child process. */
export function runRadl(args: string[], options: { stdin?: string; cwd?: string } = {}): RadlRun {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} is missing: build first with "npx tsc -p ." (npm test does)`);
  }
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.stdin ?? "",
    encoding: "utf8",
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary directory holding `files`, removed by the returned `cleanup`. */
export function tempFiles(files: Record<string, string>): {
  dir: string;
  path(name: string): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "radl-cli-test-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A small valid document (not canonical: the printer adds "and" line breaks and a final newline). */
export const VALID_RADL = `network net (outbound = 'yes')
system node (
  cpu.count >= 1 and memory.size >= 512M and
  net_interface.0.connection = 'net' and
  disk.0.os.name = 'linux'
)
deploy node 1
`;

/** A syntax error at line 3, column 16 (the "and" after a comparator with no value). */
export const SYNTAX_ERROR_RADL = `network net ()
system node (
  cpu.count >= and
  memory.size >= 1G
)
`;
