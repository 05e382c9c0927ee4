import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

/** A lock file of the file backend (`pkg/backend/diy/lock.go`). */
export interface BackendLock {
  stack: string;
  file: string;
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
}

/**
 * The lock files of every stack of `project` in a file backend:
 * `<state>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` (older layouts without the
 * organization level are read too).
 */
export async function readFileBackendLocks(stateDir: string, project: string): Promise<BackendLock[]> {
  const locksDir = join(stateDir, ".pulumi", "locks");
  const candidates: string[] = [];
  for (const org of await list(locksDir)) {
    candidates.push(join(locksDir, org, project));
  }
  candidates.push(join(locksDir, project));
  const locks: BackendLock[] = [];
  for (const projectDir of candidates) {
    for (const stack of await list(projectDir)) {
      for (const name of await list(join(projectDir, stack))) {
        if (!name.endsWith(".json")) continue;
        const file = join(projectDir, stack, name);
        try {
          const raw = JSON.parse(await readFile(file, "utf8")) as Partial<BackendLock>;
          locks.push({
            stack,
            file,
            pid: Number(raw.pid),
            username: String(raw.username ?? ""),
            hostname: String(raw.hostname ?? ""),
            timestamp: String(raw.timestamp ?? ""),
          });
        } catch {
          // a half-written lock file is not ours to judge
        }
      }
    }
  }
  return locks;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** An operation the engine started and never finished, as recorded in the state. */
export interface PendingOperation {
  type: string;
  urn: string;
  resourceType: string;
}

/** The `pending_operations` of an exported deployment. */
export function pendingOperations(deployment: { deployment?: unknown }): PendingOperation[] {
  const body = deployment.deployment as { pending_operations?: unknown } | undefined;
  const pending = Array.isArray(body?.pending_operations) ? body.pending_operations : [];
  return pending.map((p: { type?: string; resource?: { urn?: string; type?: string } }) => ({
    type: String(p.type ?? ""),
    urn: String(p.resource?.urn ?? ""),
    resourceType: String(p.resource?.type ?? ""),
  }));
}
