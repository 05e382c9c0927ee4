import type { RadlDocument, SystemSec } from "../ir.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type PowerState = "running" | "stopped";

/** A cloud that VMs of this infrastructure were planned into. Holds no credentials. */
export interface PlannedCloud {
  /** The auth item id (or `<type><index>`) it was chosen by; informative, users may renumber ids. */
  id: string;
  type: string;
  /** providers.md §9.2: `<type>-<10 hex of sha256(identity)>`; computed once, stored. */
  cloudKey: string;
  host?: string;
  protocol?: string;
  server?: string;
  port: number;
  path?: string;
  /** The driver's per-cloud choices (D1): pools, default subnets, namespace... */
  decisions: Record<string, JsonValue>;
}

export interface PlannedVm {
  /** The IM VM id: assigned once, never reused (providers.md §9.3). */
  id: number;
  /** The RADL system id it was deployed from. */
  system: string;
  cloudKey: string;
  /** Driver type, e.g. "Dummy". */
  connector: string;
  /** The system concretized for its cloud by the driver (username defaulted, type chosen...). */
  concrete: SystemSec;
  /** The driver's per-VM choices (D1): instance id, names with a UUID, generated keys... */
  decisions: Record<string, JsonValue>;
  desiredPower: PowerState;
  /**
   * Its cloud tags (compiler/plan/instance-tags.ts), fixed when planned; drivers write them where
   * their cloud keeps tags. Absent in plans stored before tags were planned: read with `vmTags(vm)`.
   */
  tags?: Record<string, string>;
  /** Removed VMs stay in the plan so their ids are never given again; they are not lowered. */
  removed?: boolean;
}

/** auth lines + IR → this; stored with the infrastructure and the input of lowering. */
export interface DeploymentPlan {
  version: 1;
  infId: string;
  /** The infrastructure's RADL (networks, systems, configures, contextualize) the VMs come from. */
  document: RadlDocument;
  clouds: PlannedCloud[];
  vms: PlannedVm[];
  /** The next IM VM id to give. */
  nextVmId: number;
}

/** Where randomness comes from (tests inject a seeded one so plans are reproducible). */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

export function liveVms(plan: DeploymentPlan): PlannedVm[] {
  return plan.vms.filter((vm) => vm.removed !== true);
}
