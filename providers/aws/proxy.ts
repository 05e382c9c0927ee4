/** `proxy_host = '[ssh://]user[:password]@host[:port]'` and `proxy_key` of a VM's network → SSH proxy (§2.9). */
import { stringFeature } from "../../compiler/features.js";
import type { RadlDocument, SystemSec } from "../../compiler/ir.js";
import { secret } from "../../compiler/graph/values.js";
import type { SshConnectionSpec } from "../../compiler/plan/driver.js";
import { connectedNetworks } from "./networks.js";

export function parseProxyHost(text: string): {
  host: string;
  port?: number;
  user?: string;
  password?: string;
} {
  const rest = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const at = rest.lastIndexOf("@");
  const cred = at >= 0 ? rest.slice(0, at) : undefined;
  const hostPort = at >= 0 ? rest.slice(at + 1) : rest;
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  const out: { host: string; port?: number; user?: string; password?: string } = { host: m[1]! };
  if (m[2] !== undefined) out.port = Number(m[2]);
  if (cred !== undefined) {
    const colon = cred.indexOf(":");
    out.user = colon >= 0 ? cred.slice(0, colon) : cred;
    if (colon >= 0) out.password = cred.slice(colon + 1);
  }
  return out;
}

/** The proxy of the first connected network with `proxy_host`, if any. */
export function sshProxy(system: SystemSec, doc: RadlDocument): SshConnectionSpec["proxy"] | undefined {
  for (const net of connectedNetworks(system, doc)) {
    const text = stringFeature(net.features, "proxy_host");
    if (text === undefined || text === "") continue;
    const p = parseProxyHost(text);
    const key = stringFeature(net.features, "proxy_key");
    return {
      host: p.host,
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.user !== undefined ? { user: p.user } : {}),
      ...(p.password !== undefined ? { password: secret(p.password) } : {}),
      ...(key !== undefined ? { privateKey: secret(key) } : {}),
    };
  }
  return undefined;
}
