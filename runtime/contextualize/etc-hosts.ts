/**
 * The `etc_hosts` list installed after the original /etc/hosts by the `main` step (spec
 * contextualization.md §1.6 item 2, §1.9). Lines end with CR LF, as the IM writes them.
 */
import type { CtxtSettings, CtxtVm } from "./model.js";
import { nicName, parseDnsName } from "./names.js";
import { mainAddress } from "./vms.js";

export function etcHosts(vms: CtxtVm[], settings: CtxtSettings): string {
  const lines: string[] = [];
  for (const vm of vms) {
    if (vm.running === false) continue;
    const firstIp = vm.nics.find((n) => n.ip !== undefined)?.ip ?? mainAddress(vm);
    const named = vm.nics.filter((n) => n.dnsNames.length > 0);
    if (named.length > 0) {
      for (const nic of named) {
        const ip = nic.ip ?? firstIp;
        const n = nicName(nic, vm.id, settings)!;
        if (ip !== undefined) lines.push(`${ip} ${n.fqdn} ${n.hostname}`);
      }
    } else {
      const n = parseDnsName(
        `${settings.defaultVmName}@${settings.defaultDomain}`,
        vm.id,
        settings.defaultDomain,
      );
      for (const nic of vm.nics) {
        if (nic.ip !== undefined) lines.push(`${nic.ip} ${n.fqdn} ${n.hostname}`);
      }
    }
  }
  return lines.map((l) => `${l}\r\n`).join("");
}
