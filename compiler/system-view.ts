/**
 * How IM reads a system's NICs and data disks, and a network's public/private nature
 * (spec radl.md §3.10, §4.3, §4.4.3, §4.4.4). Pure functions over the IR.
 */
import type { FeatureSet, NetworkSec, RadlDocument, SystemSec } from "./ir.js";
import { hasValue, numberFeature, stringFeature, stringListFeature, yesNoFeature } from "./features.js";

/** Public when `outbound = 'yes'` (any case, Appendix E decision 4); private otherwise. */
export function isPublicNetwork(network: NetworkSec): boolean {
  return yesNoFeature(network.features, "outbound") === true;
}

export function publicNetworkIds(doc: RadlDocument): string[] {
  return doc.networks.filter(isPublicNetwork).map((n) => n.id);
}

export function privateNetworkIds(doc: RadlDocument): string[] {
  return doc.networks.filter((n) => !isPublicNetwork(n)).map((n) => n.id);
}

export interface NicView {
  index: number;
  /** Id of the network the NIC is attached to. */
  connection: string;
  ip?: string;
  ipv6?: string;
  /**
   * The NIC's DNS names as requested (`#N#` not substituted): `dns.<j>.name` for j = 0, 1, … up to
   * the first missing one, where j = 0 falls back to the legacy `dns_name` (IM reads `dns.0.name` first).
   */
  dnsNames: { name: string; tls: boolean }[];
}

/** IM's `getNetworkIDs`: the NICs 0, 1, … up to the first index without a (non-empty) `connection`. */
export function networkInterfaces(system: FeatureSet): NicView[] {
  const nics: NicView[] = [];
  for (let i = 0; ; i++) {
    const prefix = `net_interface.${i}`;
    const connection = stringFeature(system, `${prefix}.connection`);
    if (connection === undefined || connection === "") return nics;
    const ip = stringFeature(system, `${prefix}.ip`);
    const ipv6 = stringFeature(system, `${prefix}.ipv6`);
    const dnsNames: NicView["dnsNames"] = [];
    for (let j = 0; ; j++) {
      let name = stringFeature(system, `${prefix}.dns.${j}.name`);
      if ((name === undefined || name === "") && j === 0) name = stringFeature(system, `${prefix}.dns_name`);
      if (name === undefined || name === "") break;
      const tls = yesNoFeature(system, `${prefix}.dns.${j}.tls`, { truthy: true }) === true;
      dnsNames.push({ name, tls });
    }
    nics.push({
      index: i,
      connection,
      ...(ip === undefined ? {} : { ip }),
      ...(ipv6 === undefined ? {} : { ipv6 }),
      dnsNames,
    });
  }
}

/** Network ids of a system's NICs, in NIC order (duplicates kept, as IM does). */
export function systemNetworkIds(system: FeatureSet): string[] {
  return networkInterfaces(system).map((nic) => nic.connection);
}

/** Whether a system has a NIC on a public network of the document. */
export function hasPublicNetwork(doc: RadlDocument, system: SystemSec): boolean {
  const publics = new Set(publicNetworkIds(doc));
  return systemNetworkIds(system.features).some((id) => publics.has(id));
}

export interface DataDiskView {
  /** 1, 2, … (disk 0 is the boot disk). */
  index: number;
  /** `disk.<i>.size` in bytes (REF rounding); use `numberFeature(system, "disk.<i>.size", "G")` for other units. */
  sizeBytes?: number;
  /** `disk.<i>.image.url`: an existing volume/disk to attach (first URL of a list). */
  imageUrl?: string;
  type?: string;
  device?: string;
  mountPath?: string;
  fstype?: string;
}

/** IM's data-disk loop: i = 1, 2, … while `disk.<i>.size` or `disk.<i>.image.url` has a (truthy) value. */
export function dataDisks(system: FeatureSet): DataDiskView[] {
  const disks: DataDiskView[] = [];
  for (let i = 1; ; i++) {
    const prefix = `disk.${i}`;
    if (!hasValue(system, `${prefix}.size`) && !hasValue(system, `${prefix}.image.url`)) return disks;
    const sizeBytes = numberFeature(system, `${prefix}.size`);
    const imageUrl = stringListFeature(system, `${prefix}.image.url`)?.[0];
    const optional = {
      type: stringFeature(system, `${prefix}.type`),
      device: stringFeature(system, `${prefix}.device`),
      mountPath: stringFeature(system, `${prefix}.mount_path`),
      fstype: stringFeature(system, `${prefix}.fstype`),
    };
    disks.push({
      index: i,
      ...(sizeBytes === undefined ? {} : { sizeBytes }),
      ...(imageUrl === undefined ? {} : { imageUrl }),
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    });
  }
}

/** The name IM gives interface 0 when it has no DNS name (IM `DEFAULT_VM_NAME`). */
export const DEFAULT_VM_NAME = "vnode-#N#";
/** The domain IM uses when a DNS name has none (IM `DEFAULT_DOMAIN`). */
export const DEFAULT_DOMAIN = "localdomain";

/**
 * §3.10: replaces `#N#` with the VM number and splits at the first `.` into host and domain
 * (`node-#N#.example.org`, 3 → `node-3` + `example.org`). With `allowAt` (provider DNS
 * registration), `host@domain` splits at the `@` instead. Without a domain, `domain` is
 * undefined (IM then uses `localdomain`).
 */
export function splitDnsName(
  fullName: string,
  vmNumber?: number,
  options: { allowAt?: boolean } = {},
): { host: string; domain?: string } {
  const name = vmNumber === undefined ? fullName : fullName.replaceAll("#N#", String(vmNumber));
  const at = options.allowAt === true ? name.indexOf("@") : -1;
  const cut = at >= 0 ? at : name.indexOf(".");
  if (cut < 0) return { host: name };
  return { host: name.slice(0, cut), domain: name.slice(cut + 1) };
}

/**
 * The host name and domain of a VM on NIC `index` (IM `getRequestedNameIface`): its first DNS
 * name, else for NIC 0 `vnode-<N>`; the domain defaults to `localdomain`. Undefined for a NIC
 * other than 0 without a DNS name.
 */
export function requestedHostName(
  system: FeatureSet,
  index: number,
  vmNumber: number,
): { host: string; domain: string } | undefined {
  const prefix = `net_interface.${index}`;
  let name = stringFeature(system, `${prefix}.dns.0.name`);
  if (name === undefined || name === "") name = stringFeature(system, `${prefix}.dns_name`);
  if (name === undefined || name === "") {
    if (index !== 0) return undefined;
    return { host: splitDnsName(DEFAULT_VM_NAME, vmNumber).host, domain: DEFAULT_DOMAIN };
  }
  const { host, domain } = splitDnsName(name, vmNumber);
  return { host, domain: domain === undefined || domain === "" ? DEFAULT_DOMAIN : domain };
}
