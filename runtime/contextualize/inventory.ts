/**
 * The Ansible inventory and the IM variables recipes rely on (spec contextualization.md §1.6 item 1):
 * one group per system, `allnowindows`/`windows`, host `<address>_<vmId>` with IM_NODE_* host vars and
 * IM_MASTER_*, IM_<SYSTEM>_NUM_VMS, IM_INFRASTRUCTURE_ID in `all` vars. IM_INFRASTRUCTURE_RADL and
 * IM_INFRASTRUCTURE_AUTH carry credentials, so they go to a 0600 vars file instead (§2.8).
 */
import { featureValue } from "../../compiler/features.js";
import type { FeatureSet, FeatureValue, RadlDocument } from "../../compiler/ir.js";
import type { CtxtInfrastructure, CtxtVm } from "./model.js";
import { nicName, vmHostName } from "./names.js";
import { dumpYaml } from "./recipe-merge.js";
import { inventoryHost, mainAddress, privateIp, publicIp, str } from "./vms.js";

type Vars = Record<string, string | number | boolean | string[]>;

export interface InventoryResult {
  text: string;
  /** Host name in the inventory per VM id (only VMs with an address). */
  hosts: Map<number, string>;
  /** VMs left out (no address or not running), with the reason, for the infrastructure log. */
  leftOut: { vmId: number; reason: string }[];
}

function appVars(features: FeatureSet): Vars {
  const vars: Vars = {};
  const apps = featureValue(features, "disk.0.applications");
  if (!(apps instanceof Map)) return vars;
  for (const [name, entry] of apps) {
    if (name === null || name.startsWith("ansible.")) continue;
    const key = name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    const version = featureValue(entry, "version");
    const path = featureValue(entry, "path");
    if (typeof version === "string" || typeof version === "number")
      vars[`IM_APP_${key}_VERSION`] = String(version);
    if (typeof path === "string") vars[`IM_APP_${key}_PATH`] = path;
  }
  return vars;
}

export function nodeVars(inf: CtxtInfrastructure, vm: CtxtVm, isMaster: boolean): Vars {
  const s = inf.settings;
  const name = vmHostName(vm, s);
  const pub = publicIp(vm);
  const priv = privateIp(vm);
  const vars: Vars = {
    ansible_host: mainAddress(vm) ?? "",
    ansible_port: vm.sshPort,
    ansible_user: vm.credentials.username,
    IM_NODE_HOSTNAME: name.hostname,
    IM_NODE_DOMAIN: name.domain,
    IM_NODE_FQDN: name.fqdn,
    IM_NODE_NUM: vm.id,
    IM_NODE_VMID: vm.providerId ?? "",
    IM_NODE_CLOUD_TYPE: vm.cloudType ?? "",
    IM_NODE_CLOUD_SERVER: vm.cloudServer ?? "",
  };
  if (isMaster) vars.ansible_connection = "local";
  else vars.ansible_ssh_extra_args = `-o HostKeyAlias=im-vm-${vm.id}`;
  if (pub !== undefined) vars.IM_NODE_PUBLIC_IP = pub;
  if (priv !== undefined) vars.IM_NODE_PRIVATE_IP = priv;
  for (const nic of vm.nics) {
    if (nic.ip !== undefined) vars[`IM_NODE_NET_${nic.index}_IP`] = nic.ip;
    const n = nicName(nic, vm.id, s);
    if (n !== undefined) {
      vars[`IM_NODE_NET_${nic.index}_HOSTNAME`] = n.hostname;
      vars[`IM_NODE_NET_${nic.index}_DOMAIN`] = n.domain;
      vars[`IM_NODE_NET_${nic.index}_FQDN`] = n.fqdn;
    }
  }
  return { ...vars, ...appVars(vm.features) };
}

export function globalVars(inf: CtxtInfrastructure, master: CtxtVm | undefined): Vars {
  const vars: Vars = { IM_INFRASTRUCTURE_ID: inf.id, IM_CONF_DIR: `${inf.settings.remoteConfDir}/${inf.id}` };
  for (const system of inf.doc.systems) {
    vars[`IM_${system.id.toUpperCase()}_NUM_VMS`] = inf.vms.filter((v) => v.system === system.id).length;
  }
  if (master !== undefined) {
    const m = vmHostName(master, inf.settings);
    vars.IM_MASTER_HOSTNAME = m.hostname;
    vars.IM_MASTER_DOMAIN = m.domain;
    vars.IM_MASTER_FQDN = m.fqdn;
  }
  return vars;
}

export function buildInventory(
  inf: CtxtInfrastructure,
  master: CtxtVm | undefined,
  vmIds?: Set<number>,
): InventoryResult {
  const hosts = new Map<number, string>();
  const leftOut: { vmId: number; reason: string }[] = [];
  const groups: Record<string, { hosts: Record<string, Vars>; vars?: Vars }> = {};
  const allnowindows: Record<string, null> = {};
  const windows: Record<string, null> = {};
  for (const vm of inf.vms) {
    if (vmIds !== undefined && !vmIds.has(vm.id)) continue;
    const host = inventoryHost(vm);
    if (vm.running === false) {
      leftOut.push({ vmId: vm.id, reason: "it is not running" });
      continue;
    }
    if (host === undefined) {
      leftOut.push({ vmId: vm.id, reason: "it has no IP address" });
      continue;
    }
    hosts.set(vm.id, host);
    const group = (groups[vm.system] ??= { hosts: {} });
    group.hosts[host] = nodeVars(inf, vm, vm === master);
    if (vm.os === "windows") {
      windows[host] = null;
      group.vars = { ansible_connection: "winrm", ansible_winrm_server_cert_validation: "ignore" };
    } else {
      allnowindows[host] = null;
    }
  }
  const children: Record<string, unknown> = { ...groups, allnowindows: { hosts: allnowindows } };
  if (Object.keys(windows).length > 0) children.windows = { hosts: windows };
  const text = dumpYaml({ all: { vars: globalVars(inf, master), children } });
  return { text, hosts, leftOut };
}

function plainValue(v: FeatureValue): unknown {
  switch (v.kind) {
    case "string":
    case "list":
      return v.value;
    case "number": {
      const b = v.lower ?? v.upper;
      return b === undefined ? null : b.num.value;
    }
    case "contains":
      return [...v.entries.values()].map((fs) => featuresObject(fs));
  }
}

function featuresObject(fs: FeatureSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of fs.order) {
    const v = fs.features.get(name);
    if (v !== undefined) out[name.replaceAll(".", "_")] = plainValue(v);
  }
  return out;
}

/**
 * IM_INFRASTRUCTURE_RADL: networks, systems and deploys as JSON with `.` replaced by `_` in feature
 * names. It keeps VM credentials (§6.3) and never contains cloud credentials (the document has none).
 */
export function infrastructureRadlJson(doc: RadlDocument, vms: CtxtVm[]): string {
  const items: unknown[] = [];
  for (const n of doc.networks) items.push({ class: "network", id: n.id, ...featuresObject(n.features) });
  for (const s of doc.systems) {
    const vm = vms.find((v) => v.system === s.id);
    items.push({ class: "system", id: s.id, ...featuresObject(vm?.features ?? s.features) });
  }
  for (const d of doc.deploys)
    items.push({
      class: "deploy",
      system: d.system,
      vm_number: d.count.value,
      ...(d.cloud ? { cloud_id: d.cloud } : {}),
    });
  return JSON.stringify(items);
}

export function vaultPassword(vm: CtxtVm): string | undefined {
  return str(vm.features, "vault.password");
}
