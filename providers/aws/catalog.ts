/**
 * The EC2 discovery catalogue (`radl compile --catalog FILE`, docs/catalog-aws.md): what Plan would
 * otherwise ask the EC2 API, per region. The catalogue of one auth item is
 *
 *   {
 *     "regions": {
 *       "us-east-1": {
 *         "defaultVpc": "vpc-0a1b2c3d",             // the default VPC (is-default, or Name=default)
 *         "defaultSubnet": "subnet-0a1b2c3d",       // its first subnet
 *         "subnets": ["172.31.0.0/20"],             // CIDRs of existing subnets (free-CIDR search)
 *         "images": [{"uri": "aws://us-east-1/ami-0123456789abcdef0", "name": "ubuntu-22.04-server"}],
 *         "elasticIps": {"54.10.20.30": "eipalloc-0123"},  // every allocated elastic IP (others are not)
 *         "spotZones": {"t3.micro": "us-east-1b"},  // cheapest zone per instance type (spot VMs)
 *         "snapshots": {"my-data": "snap-0123"},    // Name tag → snapshot (disk.N.image.url names)
 *         "volumes": {"my-vol": "vol-0123"},        // Name tag → volume
 *         "securityGroups": {"vpc-0a1b2c3d/web": "sg-0123"}  // every existing group as <vpc-id>/<name>
 *       }
 *     }
 *   }
 *
 * Every key is optional; a question whose answer is missing fails with DiscoveryNeededError.
 */
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import type { JsonValue } from "../../compiler/plan/types.js";
import type { Ec2Discovery, ImageEntry } from "./discovery.js";
import { Ec2CatalogError } from "./errors.js";

export interface Ec2RegionCatalog {
  defaultVpc?: string;
  defaultSubnet?: string;
  subnets?: string[];
  images?: ImageEntry[];
  elasticIps?: Record<string, string>;
  spotZones?: Record<string, string>;
  snapshots?: Record<string, string>;
  volumes?: Record<string, string>;
  securityGroups?: Record<string, string>;
}

function isMap(v: JsonValue | undefined): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringMap(
  v: JsonValue | undefined,
  where: string,
  cloudId: string,
): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isMap(v) || !Object.values(v).every((x) => typeof x === "string")) {
    throw new Ec2CatalogError(cloudId, `'${where}' must map names to strings`);
  }
  return v as Record<string, string>;
}

function optionalString(v: JsonValue | undefined, where: string, cloudId: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new Ec2CatalogError(cloudId, `'${where}' must be a string`);
  return v;
}

export function readEc2Catalog(catalog: CloudCatalog, cloudId: string): Record<string, Ec2RegionCatalog> {
  const regions = catalog.regions;
  if (!isMap(regions)) throw new Ec2CatalogError(cloudId, "'regions' must map region names to objects");
  const out: Record<string, Ec2RegionCatalog> = {};
  for (const [region, body] of Object.entries(regions)) {
    const at = `regions.${region}`;
    if (!isMap(body)) throw new Ec2CatalogError(cloudId, `'${at}' must be an object`);
    const r: Ec2RegionCatalog = {};
    const defaultVpc = optionalString(body.defaultVpc, `${at}.defaultVpc`, cloudId);
    const defaultSubnet = optionalString(body.defaultSubnet, `${at}.defaultSubnet`, cloudId);
    if (defaultVpc !== undefined) r.defaultVpc = defaultVpc;
    if (defaultSubnet !== undefined) r.defaultSubnet = defaultSubnet;
    if (body.subnets !== undefined) {
      if (!Array.isArray(body.subnets) || !body.subnets.every((s) => typeof s === "string")) {
        throw new Ec2CatalogError(cloudId, `'${at}.subnets' must be a list of CIDRs`);
      }
      r.subnets = body.subnets as string[];
    }
    if (body.images !== undefined) {
      const ok =
        Array.isArray(body.images) &&
        body.images.every((i) => isMap(i) && typeof i.uri === "string" && typeof i.name === "string");
      if (!ok) throw new Ec2CatalogError(cloudId, `'${at}.images' must be a list of {uri, name}`);
      r.images = (body.images as { uri: string; name: string }[]).map((i) => ({ uri: i.uri, name: i.name }));
    }
    for (const key of ["elasticIps", "spotZones", "snapshots", "volumes", "securityGroups"] as const) {
      const m = stringMap(body[key], `${at}.${key}`, cloudId);
      if (m !== undefined) r[key] = m;
    }
    out[region] = r;
  }
  return out;
}

/** Discovery answered from the catalogue alone; `undefined` answers mean "not in the catalogue". */
export function catalogDiscovery(catalog: CloudCatalog, cloudId: string): Ec2Discovery {
  const regions = readEc2Catalog(catalog, cloudId);
  return {
    source: "the catalogue",
    async defaultSubnet(region) {
      const r = regions[region];
      if (r?.defaultVpc === undefined || r.defaultSubnet === undefined) return undefined;
      return { vpcId: r.defaultVpc, subnetId: r.defaultSubnet };
    },
    async subnetCidrs(region) {
      return regions[region]?.subnets;
    },
    async images(region) {
      return regions[region]?.images;
    },
    async elasticIp(region, ip) {
      const known = regions[region]?.elasticIps;
      if (known === undefined) return undefined;
      return known[ip] ?? null;
    },
    async securityGroup(region, vpcId, name) {
      const known = regions[region]?.securityGroups;
      if (known === undefined) return undefined;
      return known[`${vpcId}/${name}`] ?? null;
    },
    async spotZone(region, type) {
      return regions[region]?.spotZones?.[type];
    },
    async namedDisk(region, name) {
      const snap = regions[region]?.snapshots?.[name];
      if (snap !== undefined) return { snapshotId: snap };
      const vol = regions[region]?.volumes?.[name];
      return vol !== undefined ? { volumeId: vol } : undefined;
    },
  };
}
