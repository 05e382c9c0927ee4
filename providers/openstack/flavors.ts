/**
 * Flavour selection (providers.md §4.2): "smallest that satisfies". Flavours are sorted by
 * (price, PCI-passthrough devices, vCPUs, RAM, disk) and the first one meeting every requirement
 * is taken. Pure; the flavour list comes from Nova or a catalogue.
 */
import { stringFeature, yesNoFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import { constraintsOf, globMatches, holds, type Constraint } from "../size-requirements.js";

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ramMB: number;
  diskGB: number;
  /** Ephemeral disk (GB). */
  ephemeralGB?: number;
  disabled?: boolean;
  price?: number;
  extraSpecs?: Record<string, string>;
}

export interface FlavorRequirements {
  cpu: Constraint[];
  memMB: Constraint[];
  diskGB: Constraint[];
  gpu?: { count: number; vendor?: string; model?: string };
  sgx?: { epcSizeMB?: number };
  /** `instance_type`: exact name, or a glob with `*` / `?`. */
  instanceType?: string;
}

/** The IM's minimum root disk when the RADL asks for none (§4.2 step 4). */
export const MIN_ROOT_DISK_GB = 5;

/**
 * Requirements of a system: `cpu.count` (default ≥ 1), `memory.size` in MB, `disks.free_size` in
 * GB. Without `disks.free_size` and `disk.0.size` the flavour's disk must be ≥ 5 GB; with only
 * `disk.0.size` the root disk is a volume of that size (§4.4), so the flavour's disk is free.
 */
export function flavorRequirements(fs: FeatureSet): FlavorRequirements {
  const cpu = constraintsOf(fs, "cpu.count", "");
  let diskGB = constraintsOf(fs, "disks.free_size", "G");
  if (diskGB.length === 0 && !fs.features.has("disk.0.size"))
    diskGB = [{ op: ">=", value: MIN_ROOT_DISK_GB }];
  const req: FlavorRequirements = {
    cpu: cpu.length > 0 ? cpu : [{ op: ">=", value: 1 }],
    memMB: constraintsOf(fs, "memory.size", "M"),
    diskGB,
  };
  const gpus = constraintsOf(fs, "gpu.count", "");
  const gpuCount = gpus.length > 0 ? Math.max(...gpus.map((g) => g.value)) : 0;
  if (gpuCount > 0) {
    const vendor = stringFeature(fs, "gpu.vendor");
    const model = stringFeature(fs, "gpu.model");
    req.gpu = {
      count: gpuCount,
      ...(vendor !== undefined ? { vendor } : {}),
      ...(model !== undefined ? { model } : {}),
    };
  }
  if (yesNoFeature(fs, "cpu.sgx") === true) {
    const epc = constraintsOf(fs, "cpu.sgx.epc_size", "M")[0];
    req.sgx = epc !== undefined ? { epcSizeMB: epc.value } : {};
  }
  const type = stringFeature(fs, "instance_type");
  if (type !== undefined && type !== "") req.instanceType = type;
  return req;
}

/** `pci_passthrough:alias` = `name:count[,name:count]`. */
export function pciDevices(f: Flavor): number {
  const alias = f.extraSpecs?.["pci_passthrough:alias"];
  if (alias === undefined || alias.trim() === "") return 0;
  return alias.split(",").reduce((sum, part) => {
    const n = Number(part.split(":")[1] ?? "1");
    return sum + (Number.isFinite(n) ? n : 0);
  }, 0);
}

function truthy(v: string): boolean {
  return /^(true|yes|1)$/i.test(v.trim());
}

/** EGI `Accelerator:*` specs or any true spec whose key holds `gpu` (§4.2 step 5). */
export function gpuOf(f: Flavor): { count: number; vendor?: string; model?: string } {
  const specs = f.extraSpecs ?? {};
  if ((specs["Accelerator:Type"] ?? "").toUpperCase() === "GPU") {
    const vendor = specs["Accelerator:Vendor"];
    const model = specs["Accelerator:Model"];
    return {
      count: Number(specs["Accelerator:Number"] ?? "1") || 1,
      ...(vendor !== undefined ? { vendor } : {}),
      ...(model !== undefined ? { model } : {}),
    };
  }
  const flagged = Object.entries(specs).some(([k, v]) => k.toLowerCase().includes("gpu") && truthy(v));
  return { count: flagged ? pciDevices(f) || 1 : 0 };
}

function gpuFits(f: Flavor, gpu: NonNullable<FlavorRequirements["gpu"]>): boolean {
  const specs = f.extraSpecs ?? {};
  if (Object.entries(specs).some(([k, v]) => k.toLowerCase().includes("gpu") && truthy(v))) return true;
  if ((specs["Accelerator:Type"] ?? "").toUpperCase() !== "GPU") return false;
  if (Number(specs["Accelerator:Number"] ?? "0") < gpu.count) return false;
  if (gpu.vendor !== undefined && specs["Accelerator:Vendor"] !== gpu.vendor) return false;
  if (gpu.model !== undefined && specs["Accelerator:Model"] !== gpu.model) return false;
  return true;
}

function sgxFits(f: Flavor, sgx: NonNullable<FlavorRequirements["sgx"]>): boolean {
  const specs = Object.entries(f.extraSpecs ?? {}).filter(([k]) => k.toLowerCase().includes("sgx"));
  if (sgx.epcSizeMB === undefined) return specs.some(([, v]) => truthy(v));
  return specs.some(([k, v]) => k.toLowerCase().includes("epc") && Number.parseFloat(v) >= sgx.epcSizeMB!);
}

export function flavorFits(f: Flavor, req: FlavorRequirements): boolean {
  if (f.disabled === true) return false;
  if (!req.cpu.every((c) => holds(f.vcpus, c))) return false;
  if (!req.memMB.every((c) => holds(f.ramMB, c))) return false;
  if (!req.diskGB.every((c) => holds(f.diskGB, c))) return false;
  if (req.gpu !== undefined && !gpuFits(f, req.gpu)) return false;
  if (req.sgx !== undefined && !sgxFits(f, req.sgx)) return false;
  if (req.instanceType !== undefined && !globMatches(req.instanceType, f.name)) return false;
  return true;
}

/** Ascending on (price, PCI devices, vCPUs, RAM, disk); the name breaks the remaining ties. */
export function sortFlavors(flavors: readonly Flavor[]): Flavor[] {
  const key = (f: Flavor) => [f.price ?? 0, pciDevices(f), f.vcpus, f.ramMB, f.diskGB];
  return [...flavors].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The smallest flavour that satisfies `req`; undefined when none does. */
export function selectFlavor(flavors: readonly Flavor[], req: FlavorRequirements): Flavor | undefined {
  return sortFlavors(flavors).find((f) => flavorFits(f, req));
}
