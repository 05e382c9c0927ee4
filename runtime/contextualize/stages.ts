/**
 * Which tasks run on which VM, in which order (spec contextualization.md §1.3, radl.md §3.8):
 * stage `basic`, stage `main`, then one stage per RADL step number in ascending order.
 */
import type { CtxItem, RadlDocument } from "../../compiler/ir.js";
import type { CtxtVm } from "./model.js";

export interface StageTask {
  vmId: number;
  /** Task names in order: `basic`, `main_<system>`, or `<configure>_<system>`. */
  tasks: string[];
}

export interface Stage {
  /** `basic`, `main`, or `step<n>` for RADL step n. */
  name: string;
  radlStep?: number;
  perVm: StageTask[];
}

export type ContextualizationPlan =
  | { disabled: true; reason: string; skippedVms: number[] }
  | {
      disabled: false;
      stages: Stage[];
      /** VMs of systems with an empty `configure <system> ()`: marked configured, not touched. */
      skippedVms: number[];
      /** Configures used by some item, each written as `<configure>.yml` and merged per system. */
      items: CtxItem[];
    };

function stepNumber(item: CtxItem): number {
  return item.step === 0 ? 0 : item.step.value;
}

function isAnsible(item: CtxItem): boolean {
  return item.tool === undefined || item.tool === "Ansible";
}

/** The items that apply: the section's, or the default `system S configure S step 1` for each S with VMs. */
export function effectiveItems(doc: RadlDocument, vms: CtxtVm[]): CtxItem[] | null {
  const items = doc.contextualize.items;
  if (items === null) {
    const systems = new Set(vms.map((v) => v.system));
    return doc.configures
      .filter((c) => systems.has(c.id) && c.recipe !== null)
      .map((c) => ({ system: c.id, configure: c.id, step: { value: 1, isFloat: false, text: "1" } }));
  }
  if (items.size === 0) return null;
  const ansible = [...items.values()].filter(isAnsible);
  return ansible.length === 0 ? null : ansible;
}

export function contextualizationPlan(doc: RadlDocument, vms: CtxtVm[]): ContextualizationPlan {
  const items = effectiveItems(doc, vms);
  if (items === null) {
    return {
      disabled: true,
      reason: "Contextualization disabled by the RADL: no Ansible contextualize items.",
      skippedVms: [],
    };
  }
  const emptySystems = new Set(doc.configures.filter((c) => c.recipe === null).map((c) => c.id));
  const active = vms.filter((v) => v.running !== false && !emptySystems.has(v.system));
  const skippedVms = vms.filter((v) => emptySystems.has(v.system)).map((v) => v.id);
  if (active.length === 0) {
    return { disabled: true, reason: "Contextualization disabled: no VM to configure.", skippedVms };
  }
  const known = new Set(doc.configures.map((c) => c.id));
  const usable = items.filter((i) => known.has(i.configure));
  const stages: Stage[] = [
    { name: "basic", perVm: active.map((v) => ({ vmId: v.id, tasks: ["basic"] })) },
    { name: "main", perVm: active.map((v) => ({ vmId: v.id, tasks: [`main_${v.system}`] })) },
  ];
  const steps = [...new Set(usable.map(stepNumber))].sort((a, b) => a - b);
  for (const step of steps) {
    const perVm: StageTask[] = [];
    for (const vm of active) {
      const tasks = usable
        .filter((i) => stepNumber(i) === step && i.system === vm.system)
        .map((i) => `${i.configure}_${i.system}`);
      if (tasks.length > 0) perVm.push({ vmId: vm.id, tasks });
    }
    if (perVm.length > 0) stages.push({ name: `step${step}`, radlStep: step, perVm });
  }
  return { disabled: false, stages, skippedVms, items: usable };
}
