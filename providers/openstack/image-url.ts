/** `ost://` image URLs (providers.md §4.1). */
import { OpenStackImageUrlError } from "./errors.js";

export type OpenStackImage =
  | { kind: "image"; server: string; port?: number; id: string }
  | { kind: "volume"; server: string; port?: number; id: string };

export function isOpenStackUrl(url: string): boolean {
  return /^ost:\/\//i.test(url);
}

/** `ost://host[:port]/<id>`, `ost://host/image/<id>`, `ost://host/volume/<id>`. */
export function parseOpenStackUrl(url: string): OpenStackImage {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OpenStackImageUrlError(url);
  }
  if (parsed.protocol.toLowerCase() !== "ost:" || parsed.hostname === "")
    throw new OpenStackImageUrlError(url);
  const parts = parsed.pathname.split("/").filter((p) => p !== "");
  const server = parsed.hostname;
  const port = parsed.port === "" ? {} : { port: Number(parsed.port) };
  if (parts.length === 1) return { kind: "image", server, ...port, id: parts[0]! };
  if (parts.length === 2 && (parts[0] === "image" || parts[0] === "volume")) {
    return { kind: parts[0], server, ...port, id: parts[1]! };
  }
  throw new OpenStackImageUrlError(url);
}

/** Whether the URL belongs to the cloud whose Keystone host is `server` (port ignored). */
export function urlMatchesServer(url: string, server: string | undefined): boolean {
  if (!isOpenStackUrl(url) || server === undefined) return false;
  try {
    return parseOpenStackUrl(url).server.toLowerCase() === server.toLowerCase();
  } catch {
    return false;
  }
}

export function imageUri(server: string, id: string): string {
  return `ost://${server}/${id}`;
}
