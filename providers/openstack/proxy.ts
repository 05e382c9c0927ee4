/** `proxy_host = '[ssh://]user[:password]@host[:port]'` and `proxy_key` of a VM's network → SSH proxy (§2.9). */
import { stringFeature } from "../../compiler/features.js";
import { secret } from "../../compiler/graph/values.js";
import type { RadlDocument, SystemSec } from "../../compiler/ir.js";
import type { SshConnectionSpec } from "../../compiler/plan/driver.js";
import { findNetwork, nics } from "../../compiler/plan/system-features.js";

export function parseProxyHost(
  text: string,
): { user?: string; password?: string; host: string; port?: number } | undefined {
  const m = /^(?:ssh:\/\/)?(?:([^:@]+)(?::([^@]*))?@)?([^:@/]+)(?::(\d+))?\/?$/.exec(text.trim());
  if (m === null) return undefined;
  return {
    ...(m[1] !== undefined ? { user: m[1] } : {}),
    ...(m[2] !== undefined ? { password: m[2] } : {}),
    host: m[3]!,
    ...(m[4] !== undefined ? { port: Number(m[4]) } : {}),
  };
}

/** The proxy of the first connected network with a usable `proxy_host`. */
export function vmProxy(system: SystemSec, doc: RadlDocument): SshConnectionSpec["proxy"] | undefined {
  for (const nic of nics(system.features)) {
    const net = findNetwork(doc, nic.connection);
    const text = net === undefined ? undefined : stringFeature(net.features, "proxy_host");
    const p = text === undefined || text === "" ? undefined : parseProxyHost(text);
    if (p === undefined) continue;
    const key = stringFeature(net!.features, "proxy_key");
    return {
      host: p.host,
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.user !== undefined ? { user: p.user } : {}),
      ...(p.password !== undefined ? { password: secret(p.password) } : {}),
      ...(key !== undefined && key !== "" ? { privateKey: secret(key) } : {}),
    };
  }
  return undefined;
}
