/** The state model of im-api.md §4: per-VM computation (§4.2) and infrastructure aggregation (§4.4). */

export type VmState =
  | "pending"
  | "running"
  | "configured"
  | "unconfigured"
  | "stopped"
  | "off"
  | "failed"
  | "unknown"
  | "deleting";

export type ProviderState = "pending" | "running" | "stopped" | "off" | "failed" | "unknown";

export interface VmStateInputs {
  providerState: ProviderState;
  /** null = contextualization not finished. */
  configured: boolean | null;
  failedLaunch: boolean;
  destroyed: boolean;
  deleting: boolean;
  creating: boolean;
  /** The infrastructure-level contextualization failed. */
  infConfigured: boolean | null;
}

/** §4.2 steps 1, 2 and 5 (the provider refresh is done by the caller). */
export function vmState(vm: VmStateInputs): VmState {
  if (vm.failedLaunch) return "failed";
  if (vm.destroyed) return "off";
  if (vm.deleting) return "deleting";
  if (vm.creating) return "pending";
  if (vm.providerState !== "running") return vm.providerState;
  if (vm.configured === false || vm.infConfigured === false) return "unconfigured";
  if (vm.configured === true) return "configured";
  return "running";
}

/** §4.4, visiting VMs in ascending id order (the reference algorithm, kept as decided in §9.6). */
export function aggregateState(
  vmStates: readonly VmState[],
  infConfigured: boolean | null,
  deleting: boolean,
): VmState {
  let s: VmState | null = null;
  for (const state of vmStates) {
    if (state === "failed" || state === "unknown") {
      s = state;
      break;
    }
    if (state === "pending") s = "pending";
    else if (state === "running") {
      if (s !== "pending") s = "running";
    } else if (state === "stopped" || state === "off" || state === "configured") {
      if (s === null) s = state;
    } else if (state === "unconfigured") {
      if (s === null || s === "configured") s = "unconfigured";
    }
  }
  if (s === null) {
    if (infConfigured === false) s = "failed";
    else if (vmStates.length === 0 && infConfigured === null) s = "pending";
    else s = "unknown";
  }
  return deleting ? "deleting" : s;
}
