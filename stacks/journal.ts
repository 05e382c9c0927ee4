import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * One file per stack in `<data>/operations/`: written when an operation starts, deleted when it
 * succeeds, kept (state `failed` or `cancelled`) when it does not. A `running` entry whose
 * process is gone means the process died during the operation; recovery reads these.
 */
export interface JournalEntry {
  stack: string;
  operation: string;
  state: "running" | "failed" | "cancelled";
  pid: number;
  hostname: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

export class OperationJournal {
  constructor(private readonly dir: string) {}

  private file(stack: string): string {
    return join(this.dir, `${stack}.json`);
  }

  async start(stack: string, operation: string): Promise<void> {
    await this.write({
      stack,
      operation,
      state: "running",
      pid: process.pid,
      hostname: hostname(),
      startedAt: new Date().toISOString(),
    });
  }

  async finish(
    stack: string,
    outcome: { state: "failed" | "cancelled"; error: string } | "succeeded",
  ): Promise<void> {
    if (outcome === "succeeded") {
      await rm(this.file(stack), { force: true });
      return;
    }
    const entry = await this.read(stack);
    if (!entry) return;
    await this.write({
      ...entry,
      state: outcome.state,
      error: outcome.error,
      endedAt: new Date().toISOString(),
    });
  }

  async clear(stack: string): Promise<void> {
    await rm(this.file(stack), { force: true });
  }

  async read(stack: string): Promise<JournalEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.file(stack), "utf8")) as JournalEntry;
    } catch {
      return undefined;
    }
  }

  async all(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries: JournalEntry[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const entry = await this.read(name.slice(0, -".json".length));
      if (entry) entries.push(entry);
    }
    return entries;
  }

  private async write(entry: JournalEntry): Promise<void> {
    const temp = `${this.file(entry.stack)}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(entry, null, 2));
    await rename(temp, this.file(entry.stack));
  }
}

/** True when `pid` on this host no longer runs (another host's pid cannot be judged). */
export function processIsGone(pid: number, host: string): boolean {
  if (host !== hostname()) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  return isZombie(pid);
}

/** A killed process whose parent died too stays a zombie until init reaps it: it is gone. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
