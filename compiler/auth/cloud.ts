import { NON_CLOUD_TYPES, type AuthItem } from "./types.js";

/** A cloud as the IM derives it from an auth item (providers.md §1.1). No credentials here. */
export interface CloudRef {
  /** The item's `id`, or `<type><index>` when it has none. */
  id: string;
  type: string;
  /** Index of the item in the auth data. */
  index: number;
  host?: string;
  protocol?: string;
  server?: string;
  /** -1 when the URL has none. */
  port: number;
  path?: string;
}

/** Parses `host` as CloudInfo does: a fake scheme is added when it has none. */
export function parseCloudHost(host: string): Pick<CloudRef, "protocol" | "server" | "port" | "path"> {
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(host);
  try {
    const url = new URL(hasScheme ? host : `fake://${host}`);
    return {
      ...(hasScheme ? { protocol: url.protocol.replace(/:$/, "") } : {}),
      server: url.hostname,
      port: url.port === "" ? -1 : Number(url.port),
      ...(url.pathname !== "" && url.pathname !== "/" ? { path: url.pathname } : {}),
    };
  } catch {
    return { server: host, port: -1 };
  }
}

/** One CloudRef per cloud item, in auth order. */
export function cloudsFromAuth(items: AuthItem[]): CloudRef[] {
  const clouds: CloudRef[] = [];
  items.forEach((item, index) => {
    const type = item.type;
    if (type === undefined || NON_CLOUD_TYPES.has(type)) return;
    const id = item.id !== undefined && item.id !== "" ? item.id : `${type}${index}`;
    clouds.push({
      id,
      type,
      index,
      ...(item.host !== undefined ? { host: item.host, ...parseCloudHost(item.host) } : { port: -1 }),
    });
  });
  return clouds;
}
