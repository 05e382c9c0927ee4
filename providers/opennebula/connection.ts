/** The XML-RPC endpoint and session of an OpenNebula auth item (providers.md §6.2). */
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import { OneAuthDataError, OneEndpointError } from "./errors.js";

/** OpenNebula's own XML-RPC port, used when `host` names none (the IM would print port -1). */
export const ONE_DEFAULT_PORT = 2633;

type Where = Pick<CloudRef, "protocol" | "server" | "port" | "path">;

/**
 * `http://server:port/RPC2`; with a path in `host`, `protocol://server:port/path` where the port
 * defaults to 443 or 80 by protocol.
 */
export function oneEndpoint(cloud: Where): string {
  const server = cloud.server ?? "";
  if (cloud.path !== undefined) {
    let port = cloud.port;
    if (port === -1) {
      if (cloud.protocol === "https") port = 443;
      else if (cloud.protocol === "http") port = 80;
      else throw new OneEndpointError(server);
    }
    return `${cloud.protocol ?? "http"}://${server}:${port}${cloud.path}`;
  }
  return `http://${server}:${cloud.port === -1 ? ONE_DEFAULT_PORT : cloud.port}/RPC2`;
}

/** `username:password`, the first parameter of every `one.*` call. */
export function oneSession(auth: AuthItem): string {
  if (!auth.username || auth.password === undefined) throw new OneAuthDataError();
  return `${auth.username}:${auth.password}`;
}
