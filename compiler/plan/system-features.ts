/**
 * Small accessors over IR feature sets used by plan and drivers.
 * (To be replaced by compiler/features.ts from the checker once it lands.)
 */
import type { FeatureSet, FeatureValue, NetworkSec, NumberValue, RadlDocument, SystemSec } from "../ir.js";

export function featureValue(fs: FeatureSet, name: string): FeatureValue | undefined {
  return fs.features.get(name);
}

/** The value of a string feature (any comparator), or undefined. */
export function stringFeature(fs: FeatureSet, name: string): string | undefined {
  const v = fs.features.get(name);
  return v?.kind === "string" ? v.value : undefined;
}

/** A number feature's value and unit: the `=` bound, else the lower bound, else the upper one. */
export function numberFeature(fs: FeatureSet, name: string): { value: number; unit?: string } | undefined {
  const v = fs.features.get(name);
  if (v?.kind !== "number") return undefined;
  const bound = v.lower?.op === "=" ? v.lower : (v.lower ?? v.upper);
  if (bound === undefined) return undefined;
  return bound.unit === undefined ? { value: bound.num.value } : { value: bound.num.value, unit: bound.unit };
}

function put(fs: FeatureSet, name: string, value: FeatureValue): void {
  if (!fs.features.has(name)) fs.order.push(name);
  fs.features.set(name, value);
}

export function setStringFeature(fs: FeatureSet, name: string, value: string): void {
  put(fs, name, { kind: "string", op: "=", value });
}

export function setNumberFeature(fs: FeatureSet, name: string, value: number, unit?: string): void {
  const isFloat = !Number.isInteger(value);
  const bound: NumberValue["lower"] = { op: "=", num: { value, isFloat, text: String(value) } };
  if (unit !== undefined) bound.unit = unit;
  put(fs, name, { kind: "number", lower: bound });
}

export function deleteFeature(fs: FeatureSet, name: string): void {
  if (fs.features.delete(name)) fs.order = fs.order.filter((n) => n !== name);
}

/** A deep copy (IR values are plain data and Maps). */
export function cloneSystem(system: SystemSec): SystemSec {
  return structuredClone(system);
}

/** The indices N of `net_interface.N.*` features, ascending. */
export function nicIndices(fs: FeatureSet): number[] {
  const found = new Set<number>();
  for (const name of fs.features.keys()) {
    const m = /^net_interface\.(\d+)\./.exec(name);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

export interface NicInfo {
  index: number;
  connection?: string;
  ip?: string;
}

export function nics(fs: FeatureSet): NicInfo[] {
  return nicIndices(fs).map((index) => {
    const nic: NicInfo = { index };
    const connection = stringFeature(fs, `net_interface.${index}.connection`);
    const ip = stringFeature(fs, `net_interface.${index}.ip`);
    if (connection !== undefined) nic.connection = connection;
    if (ip !== undefined) nic.ip = ip;
    return nic;
  });
}

export function findSystem(doc: RadlDocument, id: string): SystemSec | undefined {
  return doc.systems.find((s) => s.id === id);
}

export function findNetwork(doc: RadlDocument, id: string): NetworkSec | undefined {
  return doc.networks.find((n) => n.id === id);
}

export function isPublicNetwork(net: NetworkSec | undefined): boolean {
  return net !== undefined && stringFeature(net.features, "outbound") === "yes";
}

export const CREDENTIALS = "disk.0.os.credentials";

export interface SystemCredentials {
  username?: string;
  password?: string;
  privateKey?: string;
  publicKey?: string;
}

export function credentials(fs: FeatureSet): SystemCredentials {
  const out: SystemCredentials = {};
  const username = stringFeature(fs, `${CREDENTIALS}.username`);
  const password = stringFeature(fs, `${CREDENTIALS}.password`);
  const privateKey = stringFeature(fs, `${CREDENTIALS}.private_key`);
  const publicKey = stringFeature(fs, `${CREDENTIALS}.public_key`);
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (privateKey !== undefined) out.privateKey = privateKey;
  if (publicKey !== undefined) out.publicKey = publicKey;
  return out;
}

/**
 * The SSH port (providers.md §2.9 getSSHPort): the remote port of an outport whose local port is 22
 * on the networks the system is connected to, public networks first; 22 otherwise.
 */
export function sshPort(system: SystemSec, doc: RadlDocument): number {
  const connected = nics(system.features)
    .map((n) => (n.connection === undefined ? undefined : findNetwork(doc, n.connection)))
    .filter((n): n is NetworkSec => n !== undefined)
    .sort((a, b) => Number(isPublicNetwork(b)) - Number(isPublicNetwork(a)));
  for (const net of connected) {
    const outports = stringFeature(net.features, "outports");
    if (outports === undefined) continue;
    for (const entry of outports.split(",")) {
      const m = /^\s*(\d+)(?:\/tcp)?-(\d+)(?:\/tcp)?\s*$/.exec(entry);
      if (m && Number(m[2]) === 22) return Number(m[1]);
    }
  }
  return 22;
}

/** providers.md §1.3 gen_instance_name without the unique suffix. */
export function instanceName(system: SystemSec): string {
  const name =
    stringFeature(system.features, "instance_name") ??
    stringFeature(system.features, "disk.0.image.name") ??
    (system.id || "im-userimage");
  return name.toLowerCase().replaceAll("_", "-");
}
