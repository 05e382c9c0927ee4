import type { SystemSec } from "../ir.js";
import { UnknownVmError } from "./errors.js";
import type { DeploymentPlan, PowerState } from "./types.js";

function checkIds(plan: DeploymentPlan, ids: number[]): void {
  for (const id of ids) {
    const vm = plan.vms.find((v) => v.id === id);
    if (vm === undefined || vm.removed === true) throw new UnknownVmError(id);
  }
}

/** RemoveResource: the VMs stay in the plan, marked removed, so their ids are never given again. */
export function removeVms(plan: DeploymentPlan, ids: number[]): DeploymentPlan {
  checkIds(plan, ids);
  const next = structuredClone(plan);
  for (const vm of next.vms) if (ids.includes(vm.id)) vm.removed = true;
  return next;
}

/** Start/Stop: the desired power goes into the plan; lowering turns it into the driver's power input. */
export function setDesiredPower(plan: DeploymentPlan, ids: number[], power: PowerState): DeploymentPlan {
  checkIds(plan, ids);
  const next = structuredClone(plan);
  for (const vm of next.vms) if (ids.includes(vm.id)) vm.desiredPower = power;
  return next;
}

/** The features AlterVM may change (IM `resize_vm_radl`). */
export const RESIZE_FEATURES = [
  "cpu.count",
  "memory.size",
  "instance_type",
  "gpu.count",
  "disks.free_size",
] as const;

/**
 * AlterVM's generic part: the resize features the request gives replace the VM's concrete ones.
 * `changed` is false when the request gives none (the IM then resizes nothing). Drivers that pick
 * an instance type or flavour from the new size re-plan it themselves.
 */
export function resizeVm(
  plan: DeploymentPlan,
  id: number,
  requested: SystemSec,
): { plan: DeploymentPlan; changed: boolean } {
  checkIds(plan, [id]);
  const given = RESIZE_FEATURES.filter((name) => requested.features.features.has(name));
  if (given.length === 0) return { plan, changed: false };
  const next = structuredClone(plan);
  const vm = next.vms.find((v) => v.id === id)!;
  for (const name of given) {
    const fs = vm.concrete.features;
    if (!fs.features.has(name)) fs.order.push(name);
    fs.features.set(name, structuredClone(requested.features.features.get(name)!));
  }
  return { plan: next, changed: true };
}
