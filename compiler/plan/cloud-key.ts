import { createHash } from "node:crypto";

/** providers.md §9.2: `<type>-<first 10 hex characters of sha256(identity)>`. */
export function cloudKeyOf(type: string, identity: string): string {
  return `${type}-${createHash("sha256").update(identity).digest("hex").slice(0, 10)}`;
}
