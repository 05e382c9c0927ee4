/** Host names of VMs from `net_interface.<i>.dns_name` (spec contextualization.md §1.9). */
import type { CtxtNic, CtxtSettings, CtxtVm } from "./model.js";

export interface HostName {
  hostname: string;
  domain: string;
  fqdn: string;
}

/**
 * `host.domain`, `host@domain` or `host`, with `#N#` replaced by the VM id; a name without a domain
 * gets the default domain.
 */
export function parseDnsName(name: string, vmId: number, defaultDomain: string): HostName {
  const text = name.replaceAll("#N#", String(vmId));
  let hostname = text;
  let domain = defaultDomain;
  const at = text.indexOf("@");
  if (at >= 0) {
    hostname = text.slice(0, at);
    domain = text.slice(at + 1);
  } else {
    const dot = text.indexOf(".");
    if (dot >= 0) {
      hostname = text.slice(0, dot);
      domain = text.slice(dot + 1);
    }
  }
  domain = domain.replace(/^\.+|\.+$/g, "");
  return { hostname, domain, fqdn: domain === "" ? `${hostname}.` : `${hostname}.${domain}` };
}

export function nicName(nic: CtxtNic, vmId: number, settings: CtxtSettings): HostName | undefined {
  const first = nic.dnsNames[0];
  return first === undefined ? undefined : parseDnsName(first, vmId, settings.defaultDomain);
}

/** The VM's main name: its first interface's requested name, else `vnode-<id>.localdomain`. */
export function vmHostName(vm: CtxtVm, settings: CtxtSettings): HostName {
  const nic0 = vm.nics.find((n) => n.index === 0);
  const requested = nic0 ? nicName(nic0, vm.id, settings) : undefined;
  return (
    requested ??
    parseDnsName(`${settings.defaultVmName}@${settings.defaultDomain}`, vm.id, settings.defaultDomain)
  );
}
