import type { SystemSec } from "../ir.js";
import { resizedSystem } from "../merge.js";
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

/**
 * AlterVM's generic part: the VM's concrete system resized as the IM's `resize_vm_radl` does
 * (compiler/merge `resizedSystem`). `changed` is false when the request gives no resize feature.
 * Drivers that pick an instance type or flavour from the new size re-plan it themselves.
 */
export function resizeVm(
  plan: DeploymentPlan,
  id: number,
  requested: SystemSec,
): { plan: DeploymentPlan; changed: boolean } {
  checkIds(plan, [id]);
  const resized = resizedSystem(plan.vms.find((v) => v.id === id)!.concrete, requested);
  if (resized === null) return { plan, changed: false };
  const next = structuredClone(plan);
  next.vms.find((v) => v.id === id)!.concrete = resized;
  return { plan: next, changed: true };
}
