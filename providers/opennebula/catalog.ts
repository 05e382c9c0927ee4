/**
 * The OpenNebula discovery catalogue (`radl compile --catalog FILE`, the entry of this cloud's
 * auth id), used instead of calling the cloud. Shape (docs/catalog-opennebula.md):
 *
 *   {
 *     "version": "6.8.0",                    // optional; below 4.12 no security groups are made
 *     "networks": [                          // one.vnpool.info, in pool order
 *       { "id": "0", "name": "public", "ip": "158.42.1.1", "default": true },
 *       { "id": "1", "name": "private", "ip": "10.1.0.1" },
 *       { "id": "2", "name": "full", "ip": "10.2.0.1", "free": false }   // no free lease: skipped
 *     ]
 *   }
 *
 * `ip` is a sample address of the network (it decides public or private); `default` marks the
 * networks whose template has DEFAULT (tried first).
 */
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import { OneCatalogError } from "./errors.js";
import type { OneVnetInfo } from "./networks.js";

export interface OneDiscovery {
  version?: string;
  pool: OneVnetInfo[];
}

export function discoveryFromCatalog(catalog: CloudCatalog): OneDiscovery {
  const nets = catalog.networks;
  if (!Array.isArray(nets)) throw new OneCatalogError("'networks' must be a list");
  const pool = nets.map((n, i): OneVnetInfo => {
    if (n === null || typeof n !== "object" || Array.isArray(n)) {
      throw new OneCatalogError(`networks[${i}] must be an object`);
    }
    const id = n.id;
    const name = n.name;
    const ip = n.ip;
    if (
      (typeof id !== "string" && typeof id !== "number") ||
      typeof name !== "string" ||
      typeof ip !== "string"
    ) {
      throw new OneCatalogError(`networks[${i}] needs 'id', 'name' and 'ip'`);
    }
    return {
      id: String(id),
      name,
      isDefault: n.default === true,
      ...(n.free === false ? {} : { sampleIp: ip }),
    };
  });
  const version = catalog.version;
  if (version !== undefined && typeof version !== "string")
    throw new OneCatalogError("'version' must be a string");
  return { ...(version !== undefined ? { version } : {}), pool };
}
