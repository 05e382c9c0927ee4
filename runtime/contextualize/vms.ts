/** Building CtxtVm records from RADL systems (what the plan knows about each launched VM). */
import { featureValue } from "../../compiler/features.js";
import type { FeatureSet, RadlDocument } from "../../compiler/ir.js";
import { UnknownReferenceError } from "./errors.js";
import type { CtxtNic, CtxtVm } from "./model.js";

export function str(features: FeatureSet, name: string): string | undefined {
  const v = featureValue(features, name);
  return typeof v === "string" ? v : undefined;
}

export function num(features: FeatureSet, name: string): number | undefined {
  const v = featureValue(features, name);
  return typeof v === "number" ? v : undefined;
}

export function isYes(value: string | undefined): boolean {
  return value !== undefined && ["yes", "true", "1"].includes(value.toLowerCase());
}

function networkFeatures(doc: RadlDocument, id: string): FeatureSet | undefined {
  return doc.networks.find((n) => n.id === id)?.features;
}

/** Interfaces `net_interface.0..n` (contiguous, as the IM reads them). */
export function nicsOf(doc: RadlDocument, features: FeatureSet): CtxtNic[] {
  const nics: CtxtNic[] = [];
  for (let i = 0; ; i++) {
    const network = str(features, `net_interface.${i}.connection`);
    if (network === undefined) break;
    const dnsNames: string[] = [];
    for (let j = 0; ; j++) {
      const n = str(features, `net_interface.${i}.dns.${j}.name`);
      if (n === undefined) break;
      dnsNames.push(n);
    }
    const legacy = str(features, `net_interface.${i}.dns_name`);
    if (dnsNames.length === 0 && legacy !== undefined) dnsNames.push(legacy);
    const net = networkFeatures(doc, network);
    const ip = str(features, `net_interface.${i}.ip`);
    nics.push({
      index: i,
      network,
      isPublic: net !== undefined && isYes(str(net, "outbound")),
      dnsNames,
      ...(ip === undefined ? {} : { ip }),
    });
  }
  return nics;
}

export interface VmOverrides {
  /** Addresses known only after launch, by interface index. */
  ips?: Record<number, string>;
  providerId?: string;
  cloudType?: string;
  cloudServer?: string;
  sshPort?: number;
  running?: boolean;
}

/** A CtxtVm for VM `id` of system `systemId`, from the system's features (optionally concretized). */
export function vmFromSystem(
  doc: RadlDocument,
  systemId: string,
  id: number,
  overrides: VmOverrides = {},
  features?: FeatureSet,
): CtxtVm {
  const system = doc.systems.find((s) => s.id === systemId);
  if (system === undefined && features === undefined) {
    throw new UnknownReferenceError(
      `VM ${id} belongs to system '${systemId}', which the document does not define`,
    );
  }
  const fs = features ?? system!.features;
  const nics = nicsOf(doc, fs).map((n) => {
    const ip = overrides.ips?.[n.index];
    return ip === undefined ? n : { ...n, ip };
  });
  const cred = (k: string): string | undefined => str(fs, `disk.0.os.credentials.${k}`);
  let proxyHost: string | undefined;
  let proxyKey: string | undefined;
  for (const nic of nics) {
    const net = networkFeatures(doc, nic.network);
    const p = net ? str(net, "proxy_host") : undefined;
    if (p !== undefined && proxyHost === undefined) {
      proxyHost = p;
      proxyKey = net ? str(net, "proxy_key") : undefined;
    }
  }
  const opt = <T>(k: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [k]: v });
  return {
    id,
    system: systemId,
    os: (str(fs, "disk.0.os.name") ?? "linux").toLowerCase() === "windows" ? "windows" : "linux",
    sshPort: overrides.sshPort ?? 22,
    nics,
    credentials: {
      username: cred("username") ?? "root",
      ...opt("password", cred("password")),
      ...opt("privateKey", cred("private_key")),
      ...opt("newPassword", cred("new.password")),
      ...opt("newPublicKey", cred("new.public_key")),
      ...opt("newPrivateKey", cred("new.private_key")),
    },
    features: fs,
    ...opt("providerId", overrides.providerId),
    ...opt("cloudType", overrides.cloudType),
    ...opt("cloudServer", overrides.cloudServer),
    ...opt("proxyHost", proxyHost),
    ...opt("proxyKey", proxyKey),
    ...opt("running", overrides.running),
  };
}

export function publicIp(vm: CtxtVm): string | undefined {
  return vm.nics.find((n) => n.isPublic && n.ip !== undefined)?.ip;
}

/** The private address; the public one when the VM has no private interface (as IM_NODE_PRIVATE_IP). */
export function privateIp(vm: CtxtVm): string | undefined {
  return vm.nics.find((n) => !n.isPublic && n.ip !== undefined)?.ip ?? publicIp(vm);
}

/** The address the inventory names a host by: public, else private (spec §1.6). */
export function mainAddress(vm: CtxtVm): string | undefined {
  return publicIp(vm) ?? privateIp(vm);
}

export function inventoryHost(vm: CtxtVm): string | undefined {
  const a = mainAddress(vm);
  return a === undefined ? undefined : `${a}_${vm.id}`;
}
