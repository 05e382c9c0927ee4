/**
 * The Ingress of a VM (providers.md §5.2): made when `net_interface.0.dns_name` (or `dns.0.name`) is
 * set and the VM exposes ports. Decided once in Plan, random host suffix included (D1).
 */
import { stringFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import type { JsonValue, RandomSource } from "../../compiler/plan/types.js";

export interface IngressDecision {
  /** Absent when the name is only a path. */
  host?: string;
  path: string;
  tls: boolean;
  /** TLS with a host and no `apps_dns`: the rule gets a `tls` entry with secret `<name>-tls`. */
  tlsSecret: boolean;
  /** The effective URL written back to `net_interface.0.dns_name` (absent for a bare path). */
  url?: string;
  /** The Service port the rule sends to (the first outport's local port). */
  port: number;
}

const SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomSuffix(random: RandomSource): string {
  return [...random.bytes(4)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join("");
}

export function requestedDnsName(fs: FeatureSet): string | undefined {
  const name =
    stringFeature(fs, "net_interface.0.dns_name") ?? stringFeature(fs, "net_interface.0.dns.0.name");
  return name === undefined || name === "" ? undefined : name;
}

export function planIngress(
  dnsName: string,
  port: number,
  appsDns: string | undefined,
  random: RandomSource,
): IngressDecision {
  if (dnsName.startsWith("/")) return { path: dnsName, tls: false, tlsSecret: false, port };
  const withScheme = dnsName.includes("://") ? dnsName : `http://${dnsName}`;
  const m = /^([^:]*):\/\/([^/?#]*)([^?#]*)/.exec(withScheme)!;
  const scheme = m[1]!;
  let host: string | undefined = m[2] === "" ? undefined : m[2]!;
  if (host !== undefined && appsDns !== undefined && appsDns !== "" && !host.endsWith(appsDns)) {
    host = `${host.replace(/\.$/, "")}-${randomSuffix(random)}.${appsDns.replace(/^\./, "")}`;
  }
  const path = m[3] === "" ? "/" : m[3]!;
  const tls = scheme.toLowerCase() === "https";
  return {
    ...(host !== undefined ? { host } : {}),
    path,
    tls,
    tlsSecret: tls && host !== undefined && (appsDns === undefined || appsDns === ""),
    url: `${scheme}://${host ?? ""}${path}`,
    port,
  };
}

export function ingressAnnotations(decision: IngressDecision): Record<string, string> {
  const a: Record<string, string> = { "haproxy.router.openshift.io/ip_whitelist": "0.0.0.0/0" };
  if (decision.tls) {
    a["cert-manager.io/cluster-issuer"] = "letsencrypt-prod";
    a["route.openshift.io/termination"] = "edge";
    a["haproxy.router.openshift.io/redirect-to-https"] = "True";
  }
  return a;
}

export function ingressToJson(d: IngressDecision): JsonValue {
  return { ...d };
}

export function ingressFromJson(value: JsonValue | undefined): IngressDecision | undefined {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value))
    return undefined;
  return value as unknown as IngressDecision;
}
