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
