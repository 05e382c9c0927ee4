/** Discovery through the API (providers.md §6.3): `one.system.version` and `one.vnpool.info(-2, -1, -1)`. */
import type { OneDiscovery } from "./catalog.js";
import { all, text, type OneClient } from "./client.js";
import type { OneVnetInfo } from "./networks.js";

/**
 * A network's sample address: NETWORK_ADDRESS, else the first lease, else the first address
 * range's IP when the ranges have free leases, else RANGE/IP_START; undefined when none is free.
 */
export function sampleIp(vnet: Parameters<typeof text>[0]): string | undefined {
  const address = text(vnet, "TEMPLATE/NETWORK_ADDRESS");
  if (address) return address;
  const lease = text(vnet, "TEMPLATE/LEASES/IP");
  if (lease) return lease;
  const ranges = all(vnet, "AR_POOL/AR");
  if (ranges.length > 0) {
    const free = ranges.some((ar) => Number(text(ar, "SIZE") ?? 0) > Number(text(ar, "USED_LEASES") ?? 0));
    return free ? text(ranges[0], "IP") : undefined;
  }
  return text(vnet, "RANGE/IP_START") || undefined;
}

export async function discover(client: OneClient): Promise<OneDiscovery> {
  const version = String(await client.call("one.system.version"));
  const doc = await client.document("one.vnpool.info", -2, -1, -1);
  const pool = all(doc, "VNET_POOL/VNET").map((v): OneVnetInfo => {
    const ip = sampleIp(v);
    return {
      id: text(v, "ID") ?? "",
      name: text(v, "NAME") ?? "",
      isDefault: (text(v, "TEMPLATE/DEFAULT") ?? "") !== "",
      ...(ip !== undefined ? { sampleIp: ip } : {}),
    };
  });
  return { version, pool };
}

/** Whether the server has security groups (ONE ≥ 4.12). */
export function hasSecurityGroups(version: string | undefined): boolean {
  if (version === undefined) return true;
  const [major = 0, minor = 0] = version.split(".").map((p) => Number.parseInt(p, 10) || 0);
  return major > 4 || (major === 4 && minor >= 12);
}
