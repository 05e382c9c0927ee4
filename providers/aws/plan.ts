/**
 * Plan for EC2 (providers.md §0 phase 1, §3): concretization (image, instance type, defaults) and
 * the stored per-VM and per-cloud decisions (D1). Discovery goes through an Ec2Discovery (the API
 * or a catalogue); when neither can answer, DiscoveryNeededError names the question.
 */
import { stringFeature, yesNoFeature } from "../../compiler/features.js";
import type { SystemSec } from "../../compiler/ir.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import {
  CREDENTIALS,
  cloneSystem,
  credentials,
  deleteFeature,
  findNetwork,
  instanceName,
  nics,
  setNumberFeature,
  setStringFeature,
} from "../../compiler/plan/system-features.js";
import type { PlannedVm, RandomSource } from "../../compiler/plan/types.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { DEFAULT_CIDR_PATTERN, freeCidr, spanningCidr } from "./cidr.js";
import type { CloudDecisions, RegionDecisions, VmDecisions } from "./decisions.js";
import { launchDisks } from "./disks.js";
import { filterImages, type Ec2Discovery } from "./discovery.js";
import { Ec2PlanError } from "./errors.js";
import { isAwsImageUrl, parseAwsImageUrl } from "./image-url.js";
import type { InstanceType } from "./instance-types.js";
import { requirementsOf, selectInstanceType } from "./instance-type-selection.js";
import { ed25519KeyPair, uuidFrom } from "../generated-keys.js";
import { connectedNetworks, isCreatedNetwork, placement, placementNeeds } from "./networks.js";

export const DEFAULT_USERNAME = "cloudadm";
export const SPOT_NEEDS_OS = "Error launching the image: spot instances need the OS defined in the RADL";

/** The first `aws://` URL of `disk.0.image.url` (a single URL or a list). */
export function awsUrlOf(system: SystemSec): string | undefined {
  const v = system.features.features.get("disk.0.image.url");
  const urls = v?.kind === "string" ? [v.value] : v?.kind === "list" ? v.value : [];
  return urls.find(isAwsImageUrl);
}

/** A discovery that may be absent: `need` turns "cannot tell" into DiscoveryNeededError. */
export interface DiscoveryAccess {
  discovery?: Ec2Discovery;
  /** Why there is no discovery (no credentials...). */
  reason?: string;
  system: string;
  cloudId: string;
}

async function need<T>(
  access: DiscoveryAccess,
  what: string,
  ask: (d: Ec2Discovery) => Promise<T | undefined>,
): Promise<T> {
  if (access.discovery === undefined) {
    throw new DiscoveryNeededError(access.system, access.cloudId, what, access.reason);
  }
  let answer: T | undefined;
  try {
    answer = await ask(access.discovery);
  } catch (err) {
    if (err instanceof Ec2PlanError) throw err;
    throw new DiscoveryNeededError(access.system, access.cloudId, what, (err as Error).message);
  }
  if (answer === undefined) {
    throw new DiscoveryNeededError(access.system, access.cloudId, what, `not in ${access.discovery.source}`);
  }
  return answer;
}

/** = concrete_system (§3.2): null when the system cannot run here (no image, nothing fits). */
export async function concretizeEc2(
  system: SystemSec,
  access: DiscoveryAccess,
  defaultRegion: string | undefined,
  table?: readonly InstanceType[],
): Promise<SystemSec | null> {
  const fs = system.features;
  let url = awsUrlOf(system);
  if (url === undefined) {
    if (system.features.features.has("disk.0.image.url")) return null;
    const region = defaultRegion ?? "us-east-1";
    const images = await need(access, `an AMI in ${region} for disk.0.os.flavour/version`, (d) =>
      d.images(region),
    );
    const found = filterImages(
      images,
      stringFeature(fs, "disk.0.os.flavour"),
      stringFeature(fs, "disk.0.os.version"),
    ).find((i) => isAwsImageUrl(i.uri));
    if (found === undefined) return null;
    url = found.uri;
  }
  parseAwsImageUrl(url);
  const type = selectInstanceType(requirementsOf(fs), table);
  if (type === undefined) return null;

  const concrete = cloneSystem(system);
  const cfs = concrete.features;
  setStringFeature(cfs, "disk.0.image.url", url);
  setStringFeature(cfs, "provider.type", "EC2");
  setStringFeature(cfs, "instance_type", type.name);
  setNumberFeature(cfs, "cpu.count", type.cpu);
  setNumberFeature(cfs, "memory.size", type.memMB, "M");
  // A `price` the RADL gives is kept: it is the spot maximum (§3.6).
  if (!cfs.features.has("price")) setNumberFeature(cfs, "price", type.price);
  if (type.diskCount > 0) {
    setNumberFeature(cfs, "disks.free_size", type.diskCount * type.diskGB, "G");
    for (let i = 0; i < type.diskCount; i++) setNumberFeature(cfs, `disk.${i}.free_size`, type.diskGB, "G");
  }
  if (type.gpu > 0) {
    setNumberFeature(cfs, "gpu.count", type.gpu);
    if (type.gpuModel !== undefined) setStringFeature(cfs, "gpu.model", type.gpuModel);
  }
  const creds = credentials(cfs);
  if (creds.username === undefined) setStringFeature(cfs, `${CREDENTIALS}.username`, DEFAULT_USERNAME);
  if (creds.privateKey !== undefined) {
    deleteFeature(cfs, `${CREDENTIALS}.password`);
    deleteFeature(cfs, "disk.0.os.credentials.new.password");
  }
  return concrete;
}

export function planEc2Vm(vm: PlannedVm, random: RandomSource): VmDecisions {
  const fs = vm.concrete.features;
  const url = awsUrlOf(vm.concrete);
  if (url === undefined) throw new Ec2PlanError(`system '${vm.system}' has no aws:// image URL`);
  const { region, ami } = parseAwsImageUrl(url);
  const spot = yesNoFeature(fs, "spot") === true;
  if (spot && (stringFeature(fs, "disk.0.os.name") ?? "") === "") throw new Ec2PlanError(SPOT_NEEDS_OS);
  const creds = credentials(fs);
  const d: VmDecisions = {
    region,
    ami,
    instanceType: stringFeature(fs, "instance_type")!,
    name: `${instanceName(vm.concrete)}-${uuidFrom(random)}`,
    spot,
  };
  if (creds.publicKey === undefined && creds.privateKey === undefined)
    d.generatedKey = ed25519KeyPair(random);
  return d;
}

function fixedCidrs(doc: RadlDocument): string[] {
  return doc.networks
    .map((n) => stringFeature(n.features, "cidr"))
    .filter((c): c is string => c !== undefined && !c.includes("*") && c !== "");
}

/** Per-cloud decisions (§3.3–3.6): previous answers are kept; only missing ones are looked up. */
export async function planEc2Cloud(
  previous: Partial<CloudDecisions>,
  vms: PlannedVm[],
  doc: RadlDocument,
  access: Omit<DiscoveryAccess, "system">,
  authRegion: string | undefined,
): Promise<CloudDecisions> {
  const sorted = [...vms].sort((a, b) => a.id - b.id);
  const out: CloudDecisions = structuredClone({
    providerRegion:
      previous.providerRegion ??
      (sorted[0]?.decisions.region as string | undefined) ??
      authRegion ??
      "us-east-1",
    regions: previous.regions ?? {},
  });
  await planCreatedNetworks(out, sorted, doc, access);
  for (const vm of sorted) {
    const d = vm.decisions as unknown as VmDecisions;
    const facts: RegionDecisions = (out.regions[d.region] ??= {});
    const a: DiscoveryAccess = { ...access, system: vm.system };
    const fs = vm.concrete.features;
    const needs = placementNeeds(vm.concrete, doc);
    if (needs === "default" && facts.defaultVpc === undefined) {
      const found = await need(a, `the default VPC and subnet of ${d.region}`, (x) =>
        x.defaultSubnet(d.region),
      );
      if (found === null) throw new Ec2PlanError("No VPC.subnet specified and no VPC default found.");
      facts.defaultVpc = found.vpcId;
      facts.defaultSubnet = found.subnetId;
    }
    // D2: a group named by `sg_name` that already exists in an existing VPC is used, never managed.
    const p = placement(vm.concrete, doc, facts);
    for (const net of connectedNetworks(vm.concrete, doc)) {
      const sgName = stringFeature(net.features, "sg_name");
      if (p.vpc.kind !== "existing" || sgName === undefined || sgName === "") continue;
      const key = `${p.vpc.vpcId}/${sgName}`;
      if (facts.existingGroups?.[key] !== undefined) continue;
      const vpcId = p.vpc.vpcId;
      const id = await need(a, `whether security group ${sgName} exists in ${vpcId}`, (x) =>
        x.securityGroup(d.region, vpcId, sgName),
      );
      facts.existingGroups = { ...(facts.existingGroups ?? {}), [key]: id ?? "" };
    }
    for (const n of nics(fs)) {
      const net = findNetwork(doc, n.connection);
      if (net === undefined || !isPublicNetwork(net) || n.ip === undefined || n.ip === "") continue;
      if (facts.elasticIps?.[n.ip] !== undefined) continue;
      const alloc = await need(a, `the elastic IP ${n.ip} in ${d.region}`, (x) =>
        x.elasticIp(d.region, n.ip!),
      );
      // Parity: a fixed public IP that is not an allocated elastic IP is ignored (the IM warns);
      // "" records that answer so it is not looked up again.
      facts.elasticIps = { ...(facts.elasticIps ?? {}), [n.ip]: alloc ?? "" };
    }
    if (
      d.spot &&
      stringFeature(fs, "availability_zone") === undefined &&
      facts.spotZones?.[d.instanceType] === undefined
    ) {
      const zone = await need(a, `the spot zone of ${d.instanceType} in ${d.region}`, (x) =>
        x.spotZone(d.region, d.instanceType),
      );
      if (zone === null) throw new Ec2PlanError(`No spot price found for ${d.instanceType} in ${d.region}`);
      facts.spotZones = { ...(facts.spotZones ?? {}), [d.instanceType]: zone };
    }
    for (const disk of launchDisks(fs)) {
      if (disk.source.kind !== "named" || facts.namedDisks?.[disk.source.name] !== undefined) continue;
      const name = disk.source.name;
      const found = await need(a, `the snapshot or volume named ${name} in ${d.region}`, (x) =>
        x.namedDisk(d.region, name),
      );
      if (found === null) throw new Ec2PlanError(`No snapshot/volume found with name: ${name}`);
      facts.namedDisks = { ...(facts.namedDisks ?? {}), [name]: found };
    }
  }
  return out;
}

/**
 * Subnet CIDRs for the `create = yes` networks of each region, chosen together (free-CIDR search
 * from offset 127 among the region's subnets and the RADL's fixed CIDRs); the VPC CIDR spans them
 * when the VPC is first planned and is kept afterwards (changing it would replace the VPC).
 */
async function planCreatedNetworks(
  out: CloudDecisions,
  vms: PlannedVm[],
  doc: RadlDocument,
  access: Omit<DiscoveryAccess, "system">,
): Promise<void> {
  const byRegion = new Map<string, { system: string; nets: Map<string, string | undefined> }>();
  for (const vm of vms) {
    if (placementNeeds(vm.concrete, doc) === "pinned") continue;
    const region = (vm.decisions as unknown as VmDecisions).region;
    for (const n of connectedNetworks(vm.concrete, doc).filter(isCreatedNetwork)) {
      const entry = byRegion.get(region) ?? { system: vm.system, nets: new Map() };
      entry.nets.set(n.id, stringFeature(n.features, "cidr"));
      byRegion.set(region, entry);
    }
  }
  for (const [region, { system, nets }] of byRegion) {
    const facts: RegionDecisions = (out.regions[region] ??= {});
    const subnets = { ...(facts.created?.subnets ?? {}) };
    const missing = [...nets].filter(([id]) => subnets[id] === undefined);
    if (missing.length === 0) continue;
    const used = [
      ...(await need({ ...access, system }, `the subnets of ${region}`, (x) => x.subnetCidrs(region))),
      ...fixedCidrs(doc),
      ...Object.values(subnets),
    ];
    for (const [id, written] of missing) {
      const pattern = written ?? DEFAULT_CIDR_PATTERN;
      const cidr = pattern.includes("*")
        ? (freeCidr(pattern, used, 127) ?? freeCidr(pattern, used))
        : pattern;
      if (cidr === undefined) throw new Ec2PlanError(`No free CIDR found for network '${id}' (${pattern})`);
      subnets[id] = cidr;
      used.push(cidr);
    }
    facts.created = { vpcCidr: facts.created?.vpcCidr ?? spanningCidr(Object.values(subnets)), subnets };
  }
}
