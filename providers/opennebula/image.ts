/** `one://<host>[:port]/<image-id>` and `one://<host>/<image-name>` URLs (providers.md §6.2). */
import type { CloudRef } from "../../compiler/auth/cloud.js";
import { parseImageUrl } from "../../compiler/image-url.js";

export type OneImageRef = { kind: "id"; id: string } | { kind: "name"; name: string };

/** Whether the URL is a `one://` URL of this cloud: its host without the port equals the cloud's server. */
export function isOneImageOf(url: string | undefined, cloud: Pick<CloudRef, "server">): boolean {
  if (url === undefined) return false;
  try {
    const u = parseImageUrl(url);
    return u.scheme === "one" && u.host !== undefined && u.host === cloud.server;
  } catch {
    return false;
  }
}

/** The image a URL names: the last path segment, an id when numeric. */
export function oneImageRef(url: string): OneImageRef {
  const u = parseImageUrl(url);
  const last = u.segments.at(-1) ?? "";
  return /^\d+$/.test(last) ? { kind: "id", id: last } : { kind: "name", name: last };
}
