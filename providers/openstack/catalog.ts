/**
 * Discovery answered by a catalogue (`radl compile --catalog FILE`, the entry of one OpenStack
 * auth id). Its JSON shape (every key optional; a key that is absent means "not known", and Plan
 * then fails with DiscoveryNeededError if it needs it):
 *
 * ```json
 * {
 *   "flavors": [{ "id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40,
 *                 "ephemeral": 0, "disabled": false, "extraSpecs": { "Accelerator:Type": "GPU" } }],
 *   "images": [{ "id": "4886c8c1-…", "name": "Ubuntu 22.04", "osDistro": "ubuntu", "osVersion": "22.04" }],
 *   "networks": [{ "id": "a1…", "name": "private", "external": false, "isDefault": false,
 *                  "tags": ["enable_two_nics"], "description": "",
 *                  "subnets": [{ "id": "s1…", "cidr": "10.0.0.0/24", "ipVersion": 4 }] }],
 *   "routers": [{ "id": "r1…", "name": "router1", "externalNetworkId": "e1…" }],
 *   "securityGroups": [{ "id": "g1…", "name": "default" }]
 * }
 * ```
 *
 * `ram` is in MB and `disk` in GB, as Nova reports them. External networks are the floating-IP
 * pools. docs/catalog-openstack.md says the same for users.
 */
import { RadlPulumiError } from "../../compiler/errors.js";
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import type { JsonValue } from "../../compiler/plan/types.js";
import type { OpenStackDiscovery, OstImage, OstNetwork, OstRouter } from "./discovery.js";
import { OpenStackCatalogError } from "./errors.js";
import type { Flavor } from "./flavors.js";

type Obj = Record<string, JsonValue>;

function list(catalog: CloudCatalog, key: string): Obj[] | undefined {
  const v = catalog[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((e) => typeof e !== "object" || e === null || Array.isArray(e))) {
    throw new OpenStackCatalogError(`'${key}' must be a list of objects`);
  }
  return v as Obj[];
}

function str(o: Obj, key: string, where: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== "string" || v === "")
    throw new OpenStackCatalogError(`${where}: '${key}' must be a non-empty string`);
  return v;
}

function num(o: Obj, key: string, where: string, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new OpenStackCatalogError(`${where}: '${key}' must be a number`);
  return v;
}

function strings(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((e) => typeof e !== "string")) {
    throw new OpenStackCatalogError(`${where}: '${key}' must be a list of strings`);
  }
  return v as string[];
}

export function catalogFlavors(catalog: CloudCatalog): Flavor[] | undefined {
  return list(catalog, "flavors")?.map((f, i) => {
    const where = `flavors[${i}]`;
    const specs = f.extraSpecs;
    if (specs !== undefined && (typeof specs !== "object" || specs === null || Array.isArray(specs))) {
      throw new OpenStackCatalogError(`${where}: 'extraSpecs' must be an object`);
    }
    return {
      id: str(f, "id", where)!,
      name: str(f, "name", where)!,
      vcpus: num(f, "vcpus", where),
      ramMB: num(f, "ram", where),
      diskGB: num(f, "disk", where, 0),
      ephemeralGB: num(f, "ephemeral", where, 0),
      ...(f.disabled === true ? { disabled: true } : {}),
      ...(typeof f.price === "number" ? { price: f.price } : {}),
      ...(specs !== undefined
        ? { extraSpecs: Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)])) }
        : {}),
    };
  });
}

export const CATALOGUE_SOURCE = "the catalogue";

export function catalogDiscovery(catalog: CloudCatalog): OpenStackDiscovery {
  const answer = <T>(v: T | undefined): T => {
    if (v === undefined) throw new CatalogMissing();
    return v;
  };
  return {
    source: CATALOGUE_SOURCE,
    flavors: async () => answer(catalogFlavors(catalog)),
    images: async () =>
      answer(
        list(catalog, "images")?.map((o, i): OstImage => {
          const where = `images[${i}]`;
          const osDistro = str(o, "osDistro", where, true);
          const osVersion = str(o, "osVersion", where, true);
          return {
            id: str(o, "id", where)!,
            name: str(o, "name", where)!,
            ...(osDistro !== undefined ? { osDistro } : {}),
            ...(osVersion !== undefined ? { osVersion } : {}),
          };
        }),
      ),
    networks: async () =>
      answer(
        list(catalog, "networks")?.map((o, i): OstNetwork => {
          const where = `networks[${i}]`;
          const tags = strings(o, "tags", where);
          const description = str(o, "description", where, true);
          const subnets = o.subnets === undefined ? undefined : list({ s: o.subnets }, "s");
          return {
            id: str(o, "id", where)!,
            name: str(o, "name", where)!,
            ...(o.external === true ? { external: true } : {}),
            ...(o.isDefault === true ? { isDefault: true } : {}),
            ...(tags !== undefined ? { tags } : {}),
            ...(description !== undefined ? { description } : {}),
            ...(subnets !== undefined
              ? {
                  subnets: subnets.map((s, j) => ({
                    id: str(s, "id", `${where}.subnets[${j}]`)!,
                    cidr: str(s, "cidr", `${where}.subnets[${j}]`)!,
                    ipVersion: num(s, "ipVersion", `${where}.subnets[${j}]`, 4),
                  })),
                }
              : {}),
          };
        }),
      ),
    routers: async () =>
      answer(
        list(catalog, "routers")?.map((o, i): OstRouter => {
          const where = `routers[${i}]`;
          const gw = str(o, "externalNetworkId", where, true);
          return {
            id: str(o, "id", where)!,
            name: str(o, "name", where)!,
            ...(gw !== undefined ? { externalNetworkId: gw } : {}),
          };
        }) ?? [],
      ),
    securityGroups: async () =>
      answer(
        list(catalog, "securityGroups")?.map((o, i) => ({
          id: str(o, "id", `securityGroups[${i}]`)!,
          name: str(o, "name", `securityGroups[${i}]`)!,
        })) ?? [],
      ),
  };
}

/** A question the catalogue has no key for. */
export class CatalogMissing extends RadlPulumiError {
  constructor() {
    super("E-OST-CATALOG-MISSING", "not in the catalogue");
  }
}
