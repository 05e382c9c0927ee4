/**
 * What Plan may ask an OpenStack cloud (providers.md §4.2, §4.3): flavours, images, networks
 * (external ones are the floating-IP pools), routers and security groups. Answered by the REST
 * client (api.ts) or a catalogue (catalog.ts).
 */
import type { Flavor } from "./flavors.js";

export interface OstSubnet {
  id: string;
  cidr: string;
  ipVersion?: number;
}

export interface OstNetwork {
  id: string;
  name: string;
  /** `router:external`: an external network is a floating-IP pool. */
  external?: boolean;
  isDefault?: boolean;
  tags?: string[];
  description?: string;
  subnets?: OstSubnet[];
}

export interface OstRouter {
  id: string;
  name: string;
  /** Id of the network its external gateway is on. */
  externalNetworkId?: string;
}

export interface OstImage {
  id: string;
  name: string;
  osDistro?: string;
  osVersion?: string;
}

export interface OpenStackDiscovery {
  /** "the catalogue" or "the OpenStack API at <url>", for error texts. */
  readonly source: string;
  flavors(): Promise<Flavor[]>;
  images(): Promise<OstImage[]>;
  networks(): Promise<OstNetwork[]>;
  routers(): Promise<OstRouter[]>;
  securityGroups(): Promise<{ id: string; name: string }[]>;
}

const PRIVATE_NET_MASKS = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "169.254.0.0/16",
  "100.64.0.0/10",
  "192.0.0.0/24",
  "198.18.0.0/15",
];

export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d+$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bits] = cidr.split("/");
  const base = ipv4ToInt(ip ?? "");
  const b = Number(bits ?? "32");
  if (base === undefined || !Number.isInteger(b) || b < 0 || b > 32) return undefined;
  return { base, bits: b };
}

export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (o === undefined || i === undefined || i.bits < o.bits) return false;
  const size = 2 ** (32 - o.bits);
  return Math.floor(i.base / size) === Math.floor(o.base / size);
}

/** An IPv4 address (or CIDR) inside one of the IM's PRIVATE_NET_MASKS (§2.5). */
export function isPrivateAddress(ipOrCidr: string): boolean {
  const cidr = ipOrCidr.includes("/") ? ipOrCidr : `${ipOrCidr}/32`;
  return PRIVATE_NET_MASKS.some((m) => cidrContains(m, cidr));
}
