import { chmod, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputFileError, OutputFileError } from "./errors.js";
import type { Io } from "./io.js";

/** "-" names standard input on every command line. */
export const STDIN_PATH = "-";
export const STDIN_SOURCE = "<stdin>";

export interface InputText {
  /** The argument as given ("-" for stdin). */
  path: string;
  /** The name diagnostics use. */
  source: string;
  text: string;
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export async function readInput(path: string, io: Io): Promise<InputText> {
  if (path === STDIN_PATH) return { path, source: STDIN_SOURCE, text: await io.readStdin() };
  try {
    return { path, source: path, text: await readFile(path, "utf8") };
  } catch (error) {
    throw new InputFileError(path, reasonOf(error), { cause: error });
  }
}

/**
 * Replaces the existing file `path` by `text` through a temporary file and a rename, so a failure
 * leaves the old file whole; the file keeps its permissions.
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.radl-tmp`);
  try {
    const { mode } = await stat(path);
    await writeFile(temporary, text, "utf8");
    await chmod(temporary, mode & 0o7777);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new OutputFileError(path, reasonOf(error), { cause: error });
  }
}
