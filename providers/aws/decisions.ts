/**
 * What Plan stores for an EC2 cloud (PlannedCloud.decisions) and for each VM (PlannedVm.decisions),
 * D1: decided once, never looked up again by lowering.
 */
import type { JsonValue, PlannedCloud, PlannedVm } from "../../compiler/plan/types.js";

/** Facts of one region, discovered (API or catalogue) or chosen in Plan. */
export interface RegionDecisions {
  /** Default VPC and its first subnet (only looked up when a VM needs them). */
  defaultVpc?: string;
  defaultSubnet?: string;
  /** The infrastructure's own VPC for `create = yes` networks: its CIDR and each network's subnet CIDR. */
  created?: { vpcCidr: string; subnets: Record<string, string> };
  /** Fixed public IPs → elastic IP allocation ids. */
  elasticIps?: Record<string, string>;
  /** `sg_name` groups in existing VPCs: `<vpc-id>/<name>` → id of the group that already exists, or "" (none: ours). */
  existingGroups?: Record<string, string>;
  /** Spot VMs without `availability_zone`: instance type → cheapest zone. */
  spotZones?: Record<string, string>;
  /** `disk.N.image.url` Name tags → snapshot or volume id. */
  namedDisks?: Record<string, { snapshotId?: string; volumeId?: string }>;
}

export interface CloudDecisions {
  /** The provider's region: the first region used, fixed for the cloud key (§3.1). */
  providerRegion: string;
  regions: Record<string, RegionDecisions>;
}

export interface VmDecisions {
  region: string;
  ami: string;
  instanceType: string;
  /** gen_instance_name with its UUID (tag `Name`). */
  name: string;
  /** A key pair generated in Plan when the RADL gives none (OpenSSH public line, PKCS#8 PEM private). */
  generatedKey?: { publicKey: string; privateKey: string };
  spot: boolean;
}

export function cloudDecisions(cloud: PlannedCloud): CloudDecisions {
  const d = cloud.decisions as unknown as Partial<CloudDecisions>;
  return { providerRegion: d.providerRegion ?? "us-east-1", regions: d.regions ?? {} };
}

export function vmDecisions(vm: PlannedVm): VmDecisions {
  return vm.decisions as unknown as VmDecisions;
}

export function asJson<T>(value: T): Record<string, JsonValue> {
  return JSON.parse(JSON.stringify(value)) as Record<string, JsonValue>;
}
