/** Choosing the master VM (spec contextualization.md §1.4). */
import type { CtxtVm } from "./model.js";
import { publicIp } from "./vms.js";

function connected(a: CtxtVm, b: CtxtVm): boolean {
  if (publicIp(a) !== undefined && publicIp(b) !== undefined) return true;
  const nets = new Set(a.nics.map((n) => n.network));
  return b.nics.some((n) => nets.has(n.network));
}

/**
 * Among running Linux VMs with a public IP or a proxy_host, the one connected to the most VMs; ties go
 * to the first. `current` (the previous master) sticks while it is still a VM of the list.
 */
export function selectMaster(vms: CtxtVm[], current?: number): CtxtVm | undefined {
  const sticky = vms.find((v) => v.id === current && v.running !== false);
  if (sticky !== undefined) return sticky;
  let best: CtxtVm | undefined;
  let bestScore = -1;
  for (const vm of vms) {
    if (vm.running === false || vm.os !== "linux") continue;
    if (publicIp(vm) === undefined && vm.proxyHost === undefined) continue;
    const score = vms.filter((o) => o !== vm && connected(vm, o)).length;
    if (score > bestScore) {
      best = vm;
      bestScore = score;
    }
  }
  return best;
}
