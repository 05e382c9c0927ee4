/**
 * The VM template `one.vm.allocate` receives (providers.md §6.3), without CPU, VCPU and MEMORY,
 * which the dynamic resource takes as separate inputs (they change in place; the rest replaces).
 * Pure: the parts are text and graph references (a security group's id known after creation).
 */
import type { GraphRef } from "../../compiler/graph/types.js";
import type { OneImageRef } from "./image.js";
import type { OneNetwork } from "./networks.js";

export type DataDisk =
  { kind: "image"; imageId: string; target?: string } | { kind: "volatile"; sizeMb: number; target?: string };

export interface TemplateNic {
  network: OneNetwork;
  ip?: string;
  securityGroup?: GraphRef;
}

export interface TemplateSpec {
  name: string;
  arch: string;
  image: OneImageRef;
  imageUname?: string;
  dataDisks: DataDisk[];
  availabilityZone?: string;
  templateOther: string;
  tags: [string, string][];
  /** In NIC order (public ones first). */
  nics: TemplateNic[];
  sshPublicKey?: string;
  startScript?: string;
  /** cloud-init user data, sent base64-encoded. */
  userData?: string;
  templateContext: string;
}

/** A double-quoted template value. */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The IM's START_SCRIPT step that moves sshd to another port. */
export function sshPortScript(port: number): string {
  return `sed -i '/Port 22/c\\Port ${port}' /etc/ssh/sshd_config; service sshd restart; `;
}

export function oneTemplate(t: TemplateSpec): (string | GraphRef)[] {
  const parts: (string | GraphRef)[] = [];
  const line = (text: string) => parts.push(`${text}\n`);
  line(`NAME = ${quote(t.name)}`);
  line(`OS = [ ARCH = ${quote(t.arch)} ]`);
  if (t.image.kind === "id") line(`DISK = [ IMAGE_ID = ${quote(t.image.id)} ]`);
  else
    line(
      `DISK = [ IMAGE = ${quote(t.image.name)}${t.imageUname !== undefined ? `, IMAGE_UNAME = ${quote(t.imageUname)}` : ""} ]`,
    );
  for (const d of t.dataDisks) {
    const target = d.target !== undefined ? `, TARGET = ${d.target}` : "";
    if (d.kind === "image") line(`DISK = [ IMAGE_ID = ${quote(d.imageId)}${target} ]`);
    else line(`DISK = [ SAVE = no, TYPE = fs, FORMAT = qcow2, SIZE = ${d.sizeMb}${target} ]`);
  }
  if (t.availabilityZone !== undefined) {
    line(`SCHED_REQUIREMENTS = ${quote(`CLUSTER_ID="${t.availabilityZone}"`)}`);
  }
  if (t.templateOther.trim() !== "") line(t.templateOther.trim());
  if (t.tags.length > 0) {
    const tags = t.tags.map(([k, v]) => `${quote(k.replace(/[-.]/g, "_"))} = ${quote(v)}`);
    line(`USER_TEMPLATE = [ ${tags.join(", ")} ]`);
  }
  for (const nic of t.nics) {
    const net = nic.network;
    const fields = [net.id !== "" ? `NETWORK_ID = ${quote(net.id)}` : `NETWORK = ${quote(net.name)}`];
    if (nic.ip !== undefined) fields.push(`IP = ${quote(nic.ip)}`);
    if (nic.securityGroup === undefined) {
      line(`NIC = [ ${fields.join(", ")} ]`);
    } else {
      parts.push(`NIC = [ ${fields.join(", ")}, SECURITY_GROUPS = "`, nic.securityGroup, `" ]\n`);
    }
  }
  const context: string[] = [];
  if (t.sshPublicKey !== undefined) context.push(`SSH_PUBLIC_KEY = ${quote(t.sshPublicKey)}`);
  if (t.startScript !== undefined) context.push(`START_SCRIPT = ${quote(t.startScript)}`);
  if (t.userData !== undefined) {
    context.push(
      `USER_DATA = ${quote(Buffer.from(t.userData).toString("base64"))}`,
      `USERDATA_ENCODING = "base64"`,
    );
  }
  if (t.templateContext.trim() !== "") context.push(t.templateContext.trim());
  if (context.length > 0) line(`CONTEXT = [ ${context.join(", ")} ]`);
  return parts;
}
