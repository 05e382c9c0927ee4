/**
 * Plan for OpenStack (providers.md §0 phase 1, §4.1–4.4): concretization (image, flavour,
 * defaults) and the stored per-VM and per-cloud decisions (D1). Discovery goes through an
 * OpenStackDiscovery (the API or a catalogue); when neither can answer, DiscoveryNeededError names
 * the question. What the RADL pins (image URL, an exact `instance_type`, network `provider_id`s
 * that are ids) is taken without any discovery.
 */
import { stringFeature } from "../../compiler/features.js";
import type { RadlDocument, SystemSec } from "../../compiler/ir.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import {
  CREDENTIALS,
  cloneSystem,
  credentials,
  instanceName,
  setNumberFeature,
  setStringFeature,
} from "../../compiler/plan/system-features.js";
import type { PlannedVm, RandomSource } from "../../compiler/plan/types.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import { CATALOGUE_SOURCE } from "./catalog.js";
import type { CloudDecisions, VmDecisions } from "./decisions.js";
import type { OpenStackDiscovery, OstImage, OstNetwork } from "./discovery.js";
import { OpenStackAuthError, OpenStackPlanError } from "./errors.js";
import { flavorRequirements, gpuOf, selectFlavor, type Flavor } from "./flavors.js";
import { imageUri, isOpenStackUrl, parseOpenStackUrl, urlMatchesServer } from "./image-url.js";
import { ed25519KeyPair, uuidFrom } from "../generated-keys.js";
import { groupName, planNetworks, usedNetworks, type NetworkDecisions } from "./networks.js";

export const DEFAULT_USERNAME = "cloudadm";

export interface DiscoveryAccess {
  discovery?: OpenStackDiscovery;
  /** Why there is no discovery (no or unusable credentials). */
  reason?: string;
  system: string;
  cloudId: string;
}

async function need<T>(
  access: DiscoveryAccess,
  what: string,
  ask: (d: OpenStackDiscovery) => Promise<T>,
): Promise<T> {
  if (access.discovery === undefined)
    throw new DiscoveryNeededError(access.system, access.cloudId, what, access.reason);
  try {
    return await ask(access.discovery);
  } catch (err) {
    if (err instanceof OpenStackAuthError) throw err;
    throw new DiscoveryNeededError(access.system, access.cloudId, what, (err as Error).message);
  }
}

/** The `ost://` URLs of `disk.0.image.url` (a single URL or a list). */
export function imageUrls(system: SystemSec): string[] {
  const v = system.features.features.get("disk.0.image.url");
  return v?.kind === "string" ? [v.value] : v?.kind === "list" ? v.value : [];
}

/** Case-insensitive distribution/version filter of list_images (§4.6). */
export function filterImages(
  images: readonly OstImage[],
  distribution?: string,
  version?: string,
): OstImage[] {
  const has = (text: string | undefined, part: string) =>
    (text ?? "").toLowerCase().includes(part.toLowerCase());
  return images.filter((i) => {
    if (distribution !== undefined && distribution !== "") {
      const ok =
        i.osDistro !== undefined
          ? i.osDistro.toLowerCase() === distribution.toLowerCase()
          : has(i.name, distribution);
      if (!ok) return false;
    }
    if (version !== undefined && version !== "") {
      const ok =
        i.osVersion !== undefined
          ? i.osVersion === version || i.osVersion.startsWith(`${version}.`)
          : has(i.name, version);
      if (!ok) return false;
    }
    return true;
  });
}

function isExactName(instanceType: string | undefined): instanceType is string {
  return instanceType !== undefined && instanceType !== "" && !/[*?]/.test(instanceType);
}

/** = concrete_system (§4.2): null when the system cannot run in this cloud. */
export async function concretizeOpenStack(
  system: SystemSec,
  server: string | undefined,
  access: DiscoveryAccess,
  vo?: string,
): Promise<{ system: SystemSec; flavor?: Flavor } | null> {
  const fs = system.features;
  const urls = imageUrls(system);
  let url = urls.find((u) => urlMatchesServer(u, server));
  if (url === undefined) {
    if (urls.length > 0) return null;
    const images = await need(access, "the images (for disk.0.os.flavour/version)", (d) => d.images());
    const found = filterImages(
      images,
      stringFeature(fs, "disk.0.os.flavour"),
      stringFeature(fs, "disk.0.os.version"),
    )[0];
    if (found === undefined || server === undefined) return null;
    url = imageUri(server, found.id);
  }
  parseOpenStackUrl(url);

  const instanceType = stringFeature(fs, "instance_type");
  let flavor: Flavor | undefined;
  // An exact pinned name needs no listing (offline compile); a catalogue is read when given.
  if (!isExactName(instanceType) || access.discovery?.source === CATALOGUE_SOURCE) {
    const flavors = await need(access, "the flavours", (d) => d.flavors());
    flavor = selectFlavor(flavors, flavorRequirements(fs));
    if (flavor === undefined) return null;
  }

  const concrete = cloneSystem(system);
  const cfs = concrete.features;
  setStringFeature(cfs, "disk.0.image.url", url);
  setStringFeature(cfs, "provider.type", "OpenStack");
  if (server !== undefined) setStringFeature(cfs, "provider.host", server);
  if (flavor !== undefined) {
    setStringFeature(cfs, "instance_type", flavor.name);
    setNumberFeature(cfs, "cpu.count", flavor.vcpus);
    setNumberFeature(cfs, "memory.size", flavor.ramMB, "M");
    setNumberFeature(cfs, "disk.0.free_size", flavor.diskGB, "G");
    if (flavor.price !== undefined) setNumberFeature(cfs, "price", flavor.price);
    const gpu = gpuOf(flavor);
    if (gpu.count > 0) {
      setNumberFeature(cfs, "gpu.count", gpu.count);
      if (gpu.vendor !== undefined) setStringFeature(cfs, "gpu.vendor", gpu.vendor);
      if (gpu.model !== undefined) setStringFeature(cfs, "gpu.model", gpu.model);
    }
  }
  if (credentials(cfs).username === undefined)
    setStringFeature(cfs, `${CREDENTIALS}.username`, DEFAULT_USERNAME);
  if (vo !== undefined && vo !== "") setStringFeature(cfs, "provider.vo", vo);
  return flavor === undefined ? { system: concrete } : { system: concrete, flavor };
}

export function planOpenStackVm(
  vm: PlannedVm,
  random: RandomSource,
  flavorId: string | undefined,
): VmDecisions {
  const fs = vm.concrete.features;
  const url = imageUrls(vm.concrete).find(isOpenStackUrl);
  if (url === undefined) throw new OpenStackPlanError(`system '${vm.system}' has no ost:// image URL`);
  const image = parseOpenStackUrl(url);
  const flavorName = stringFeature(fs, "instance_type");
  if (flavorName === undefined || flavorName === "")
    throw new OpenStackPlanError(`system '${vm.system}' has no flavour`);
  const creds = credentials(fs);
  const d: VmDecisions = {
    image: { kind: image.kind, id: image.id },
    flavorName,
    ...(flavorId !== undefined ? { flavorId } : {}),
    name: `${instanceName(vm.concrete)}-${uuidFrom(random)}`,
  };
  if (creds.publicKey === undefined && creds.privateKey === undefined)
    d.generatedKey = ed25519KeyPair(random);
  return d;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Offline mapping when every used network is pinned: a private `provider_id` that is a UUID is the
 * network's id; a public one names a floating-IP pool. Undefined when that is not enough.
 */
function pinnedOnly(
  doc: RadlDocument,
  vms: readonly PlannedVm[],
  previous: NetworkDecisions | undefined,
): NetworkDecisions | undefined {
  const out: NetworkDecisions = {
    networks: { ...(previous?.networks ?? {}) },
    twoNics: previous?.twoNics ?? true,
  };
  for (const net of usedNetworks(vms, doc)) {
    if (out.networks[net.id] !== undefined) continue;
    const pid = stringFeature(net.features, "provider_id") ?? "";
    if (pid === "") return undefined;
    if (isPublicNetwork(net))
      out.networks[net.id] = { kind: "existing", networkId: pid, name: pid, pool: true };
    else if (UUID.test(pid))
      out.networks[net.id] = { kind: "existing", networkId: pid, name: pid, pool: false };
    else return undefined;
  }
  return out;
}

/** Per-cloud decisions (§4.3): earlier answers are kept; only new networks and groups are looked up. */
export async function planOpenStackCloud(
  infId: string,
  previous: Partial<CloudDecisions>,
  vms: PlannedVm[],
  doc: RadlDocument,
  access: Omit<DiscoveryAccess, "system">,
): Promise<CloudDecisions> {
  const prevNets: NetworkDecisions | undefined =
    previous.networks !== undefined
      ? {
          networks: previous.networks,
          twoNics: previous.twoNics ?? true,
          ...(previous.router ? { router: previous.router } : {}),
        }
      : undefined;
  const first = [...vms].sort((a, b) => a.id - b.id)[0];
  const a: DiscoveryAccess = { ...access, system: first?.system ?? "" };
  const missing = usedNetworks(vms, doc).some((n) => prevNets?.networks[n.id] === undefined);
  let nets: NetworkDecisions;
  if (!missing && prevNets !== undefined) nets = prevNets;
  else if (access.discovery === undefined && pinnedOnly(doc, vms, prevNets) !== undefined)
    nets = pinnedOnly(doc, vms, prevNets)!;
  else {
    const cloudNets: OstNetwork[] = await need(a, "the networks and floating-IP pools", (d) => d.networks());
    const needsRouter = usedNetworks(vms, doc).some((n) => !isPublicNetwork(n));
    const routers = needsRouter ? await need(a, "the routers", (d) => d.routers()) : [];
    nets = planNetworks(infId, doc, vms, cloudNets, routers, prevNets);
  }
  const existingGroups = { ...(previous.existingGroups ?? {}) };
  if (access.discovery !== undefined) {
    const names = usedNetworks(vms, doc).map((n) => groupName(infId, n));
    if (names.some((n) => !(n in existingGroups))) {
      const groups = await need(a, "the security groups", (d) => d.securityGroups());
      for (const name of names) {
        if (name in existingGroups) continue;
        existingGroups[name] = groups.find((x) => x.name === name)?.id ?? null;
      }
    }
  }
  return { ...nets, existingGroups };
}
