/**
 * Network selection (providers.md §6.3 "Network selection"): OpenNebula networks in pool order,
 * `DEFAULT` ones first, each public or private by a sample address, then each RADL network the
 * system connects to mapped onto one of them. Pure; discovery.ts feeds it.
 */
import { OneNetworkNotFoundError } from "./errors.js";
import { isPrivateIp } from "./private-ip.js";

/** A pool entry as discovered; `sampleIp` undefined when the network has no free address. */
export interface OneVnetInfo {
  id: string;
  name: string;
  isDefault: boolean;
  sampleIp?: string;
}

/** A usable OpenNebula network (stored in the plan, D1). */
export interface OneNetwork {
  id: string;
  name: string;
  public: boolean;
}

/** A RADL network the system connects to. */
export interface RadlNetRequest {
  id: string;
  public: boolean;
  providerId?: string;
}

/** DEFAULT networks first (stable otherwise); networks without a free address are left out. */
export function usableNetworks(pool: OneVnetInfo[]): OneNetwork[] {
  const ordered = [...pool.filter((n) => n.isDefault), ...pool.filter((n) => !n.isDefault)];
  return ordered
    .filter((n) => n.sampleIp !== undefined)
    .map((n) => ({ id: n.id, name: n.name, public: !isPrivateIp(n.sampleIp!) }));
}

/**
 * RADL network id → OpenNebula network. First pass: by `provider_id` (name or id) with the same
 * public flag, else the first unused network with that flag. Second pass for the rest: the network
 * named by `provider_id` whatever its flag, else the first public network. Still unmapped: error.
 */
export function mapNetworks(requests: RadlNetRequest[], networks: OneNetwork[]): Map<string, OneNetwork> {
  const result = new Map<string, OneNetwork>();
  const used = new Set<string>();
  for (const r of requests) {
    const found =
      r.providerId !== undefined
        ? networks.find((n) => (n.id === r.providerId || n.name === r.providerId) && n.public === r.public)
        : networks.find((n) => !used.has(n.id) && n.public === r.public);
    if (found !== undefined) {
      result.set(r.id, found);
      used.add(found.id);
    }
  }
  for (const r of requests) {
    if (result.has(r.id)) continue;
    const found =
      r.providerId !== undefined
        ? networks.find((n) => n.name === r.providerId)
        : networks.find((n) => n.public);
    if (found === undefined) throw new OneNetworkNotFoundError(r.id);
    result.set(r.id, found);
  }
  return result;
}
