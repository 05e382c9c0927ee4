import { readFileSync } from "node:fs";

/**
 * USER_DB (§3.8): read on every check so edits apply at once; a missing or unparsable file
 * makes every username/password login fail. The path comes from im.cfg, never from a request.
 */
export function userDbAccepts(path: string, username: string, password: string): boolean {
  let users: unknown;
  try {
    users = (JSON.parse(readFileSync(path, "utf8")) as { users?: unknown }).users;
  } catch {
    return false;
  }
  if (!Array.isArray(users)) return false;
  return users.some((u) => {
    const entry = u as { username?: unknown; password?: unknown } | null;
    return entry?.username === username && entry?.password === password;
  });
}
