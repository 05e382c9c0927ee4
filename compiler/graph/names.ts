/**
 * Logical names of providers.md §9.3, in one place so every driver spells them alike.
 * Names derive from ids, roles and content hashes, never from list positions.
 */
import { createHash } from "node:crypto";

/** First 6 hex characters of sha256(text). */
export function sha6(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

/** A RADL network id made name-safe; a hash suffix keeps two ids that clean up alike apart. */
export function netKey(networkId: string): string {
  const clean = networkId.replace(/[^A-Za-z0-9-]/g, "-");
  return clean === networkId ? clean : `${clean}-${sha6(networkId)}`;
}

/** `vm-<imId>`: the VM component. */
export function vmName(imId: number): string {
  return `vm-${imId}`;
}

/** `vm-<imId>-<role>`, e.g. role "server", "power", "nic-0", "fip-1", "disk-2", "svc". */
export function vmChildName(imId: number, role: string): string {
  return `vm-${imId}-${role}`;
}

/** `cloud-<cloudKey>`: the explicit provider of one cloud. */
export function providerName(cloudKey: string): string {
  return `cloud-${cloudKey}`;
}

/** `shared-<cloudKey>` (the component) or `shared-<cloudKey>-<role>` (vpc, igw, route-default, router, ns, sg). */
export function sharedName(cloudKey: string, role?: string): string {
  return role === undefined ? `shared-${cloudKey}` : `shared-${cloudKey}-${role}`;
}

/** `net-<cloudKey>-<netKey>` (the component) or `net-<cloudKey>-<netKey>-<role>` (sg, network, subnet, rif). */
export function networkName(cloudKey: string, networkId: string, role?: string): string {
  const base = `net-${cloudKey}-${netKey(networkId)}`;
  return role === undefined ? base : `${base}-${role}`;
}

/** Security-group rule named after its content: `…-rule-<proto>-<from>-<to>-<sha6(cidr)>`. */
export function ruleName(
  cloudKey: string,
  networkId: string,
  rule: { protocol: string; from: number; to: number; cidr: string },
): string {
  return networkName(cloudKey, networkId, `rule-${rule.protocol}-${rule.from}-${rule.to}-${sha6(rule.cidr)}`);
}
