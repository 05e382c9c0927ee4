/** The stored decisions (D1) of one OpenStack VM and one OpenStack cloud, as plain JSON. */
import type { JsonValue, PlannedCloud, PlannedVm } from "../../compiler/plan/types.js";
import type { SshKeyPair } from "../generated-keys.js";
import type { NetworkDecisions } from "./networks.js";

export interface VmDecisions {
  image: { kind: "image" | "volume"; id: string };
  /** The chosen flavour's name (always known) and id (when a listing was made). */
  flavorName: string;
  flavorId?: string;
  /** gen_instance_name with its UUID. */
  name: string;
  generatedKey?: SshKeyPair;
}

export interface CloudDecisions extends NetworkDecisions {
  /**
   * Group names looked up once (D1): an id when the group already existed (D2: referenced, never
   * managed), null when it did not (so we create and own it, even after it exists).
   */
  existingGroups: Record<string, string | null>;
}

export function asJson(v: object): Record<string, JsonValue> {
  return JSON.parse(JSON.stringify(v)) as Record<string, JsonValue>;
}

export function vmDecisions(vm: PlannedVm): VmDecisions {
  return vm.decisions as unknown as VmDecisions;
}

export function cloudDecisions(cloud: PlannedCloud): CloudDecisions {
  const d = cloud.decisions as unknown as Partial<CloudDecisions>;
  return {
    networks: d.networks ?? {},
    twoNics: d.twoNics ?? true,
    existingGroups: d.existingGroups ?? {},
    ...(d.router ? { router: d.router } : {}),
  };
}
