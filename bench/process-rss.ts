/** Memory of this benchmark's child processes (the engine, providers), read from /proc. */
import { readdir, readFile } from "node:fs/promises";

/**
 * RSS (bytes) of every descendant of this process, except `exclude` and what runs under it
 * (bench/ctxt leaves out the rig's VMs: their sshd and Ansible are not the server's).
 */
export async function childrenRss(exclude?: number): Promise<number> {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(pid, Number(fields[1]));
      rss.set(pid, Number(fields[21]) * 4096);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  for (const [pid, size] of rss) {
    let p = parents.get(pid);
    let own = pid !== exclude;
    while (p && p !== process.pid && p > 1) {
      if (p === exclude) own = false;
      p = parents.get(p);
    }
    if (p === process.pid && own) total += size;
  }
  return total;
}

/**
 * Samples, every `intervalMs`, the peak RSS of this process (`ours`) and of its children (`engine`,
 * see childrenRss) until `stop()`.
 */
export function peakMemorySampler(intervalMs: number, exclude?: number) {
  let ours = 0;
  let engine = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    ours = Math.max(ours, process.memoryUsage().rss);
    engine = Math.max(engine, await childrenRss(exclude));
    busy = false;
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { ours, engine };
    },
  };
}
