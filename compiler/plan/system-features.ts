/**
 * What plan and drivers need on top of compiler/features.ts and compiler/system-view.ts:
 * setters for concretization, credentials, the SSH port and the instance name.
 */
import { stringFeature } from "../features.js";
import type { FeatureSet, FeatureValue, NetworkSec, NumberValue, RadlDocument, SystemSec } from "../ir.js";
import { parseOutports, type OutportRule } from "../outports.js";
import { isPublicNetwork, networkInterfaces, type NicView } from "../system-view.js";

export { stringFeature };

/** A number feature as written (value and unit of the `=` bound, else the lower, else the upper one). */
export function numberAsWritten(fs: FeatureSet, name: string): { value: number; unit?: string } | undefined {
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

/** IM's NICs (0, 1, … up to the first without a connection). */
export function nics(fs: FeatureSet): NicView[] {
  return networkInterfaces(fs);
}

export function findSystem(doc: RadlDocument, id: string): SystemSec | undefined {
  return doc.systems.find((s) => s.id === id);
}

export function findNetwork(doc: RadlDocument, id: string): NetworkSec | undefined {
  return doc.networks.find((n) => n.id === id);
}

/** Public when `outbound = 'yes'`; a missing network counts as private. */
export function isPublicNetworkId(doc: RadlDocument, id: string): boolean {
  const net = findNetwork(doc, id);
  return net !== undefined && isPublicNetwork(net);
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
    .map((n) => findNetwork(doc, n.connection))
    .filter((n): n is NetworkSec => n !== undefined)
    .sort((a, b) => Number(isPublicNetwork(b)) - Number(isPublicNetwork(a)));
  for (const net of connected) {
    const outports = stringFeature(net.features, "outports");
    if (outports === undefined) continue;
    let rules: OutportRule[];
    try {
      rules = parseOutports(outports);
    } catch {
      continue; // the checker reports malformed outports
    }
    const ssh = rules.find((r) => r.protocol === "tcp" && r.kind === "mapping" && r.local.from === 22);
    if (ssh !== undefined) return ssh.remote.from;
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
