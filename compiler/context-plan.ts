/**
 * Which (system, configure) pairs contextualization applies, with which tool and in which order
 * (spec radl.md §3.8), from the merged `contextualize` section. Pure; the runtime executes it.
 */
import type { RadlDocument } from "./ir.js";

/** IM `MAX_CONTEXTUALIZATION_TIME`, used when the document gives no time (or 0). */
export const DEFAULT_CONTEXTUALIZATION_SECONDS = 7200;

/** The tool of an item without `with` (compared case-sensitively, as IM does). */
export const ANSIBLE_TOOL = "Ansible";
export const CLOUD_INIT_TOOL = "cloud_init";

export interface CtxPlanItem {
  system: string;
  configure: string;
  step: number;
  tool: string;
  /** True for the items of the default plan (no contextualize section in the document). */
  implicit: boolean;
}

export type CtxDisabledReason =
  /** `contextualize ()`, `contextualize 600 ()` or only `option` lines. */
  | "empty-section"
  /** Every listed item has a tool other than `Ansible`. */
  | "no-ansible-item"
  /** No VM, or every system with VMs has an empty configure of its name. */
  | "no-vm-to-configure";

export interface CtxPlan {
  /** false: IM only waits for the VMs' IPs and marks them configured. */
  ansible: boolean;
  disabledReason?: CtxDisabledReason;
  /** The default items when the document has no contextualize section, else the listed ones in order. */
  items: CtxPlanItem[];
  /**
   * What runs with Ansible: items with tool `Ansible` whose system has VMs and is not opted out,
   * grouped by step in ascending order (items of one step run in parallel). Empty when disabled.
   */
  steps: { step: number; items: CtxPlanItem[] }[];
  /** system → configure sent as cloud-init user-data (the last `cloud_init` item of a system wins). */
  cloudInit: Map<string, string>;
  /** Systems with VMs whose configure of the same name is empty (`configure wn ()`): not contextualized. */
  optedOut: string[];
  maxTimeSeconds: number;
  /** `option ansible_version`. */
  ansibleVersion?: string;
  /** `option ansible_install` (ours: packages, pip or micromamba). */
  ansibleInstall?: string;
}

export interface CtxPlanOptions {
  /**
   * Systems that have VMs, in VM-list order. Default: the systems of the document's deploys with
   * a count above 0, in deploy order.
   */
  systemsWithVms?: Iterable<string>;
}

function optionText(doc: RadlDocument, name: string): string | undefined {
  const option = doc.contextualize.options?.get(name);
  if (option === undefined) return undefined;
  return typeof option.value === "string" ? option.value : option.value.text;
}

export function contextualizationPlan(doc: RadlDocument, options: CtxPlanOptions = {}): CtxPlan {
  const systems = [
    ...new Set(options.systemsWithVms ?? doc.deploys.filter((d) => d.count.value > 0).map((d) => d.system)),
  ];
  const configures = new Map(doc.configures.map((c) => [c.id, c]));
  const optedOut = systems.filter((s) => configures.has(s) && configures.get(s)!.recipe === null);
  const ctx = doc.contextualize;

  const items: CtxPlanItem[] =
    ctx.items === null
      ? systems
          .filter((s) => configures.has(s))
          .map((s) => ({ system: s, configure: s, step: 1, tool: ANSIBLE_TOOL, implicit: true }))
      : [...ctx.items.values()].map((i) => ({
          system: i.system,
          configure: i.configure,
          step: i.step === 0 ? 0 : i.step.value,
          tool: i.tool ?? ANSIBLE_TOOL,
          implicit: false,
        }));

  const cloudInit = new Map<string, string>();
  for (const item of items) if (item.tool === CLOUD_INIT_TOOL) cloudInit.set(item.system, item.configure);

  let disabledReason: CtxDisabledReason | undefined;
  if (ctx.items !== null && ctx.items.size === 0) disabledReason = "empty-section";
  else if (ctx.items !== null && !items.some((i) => i.tool === ANSIBLE_TOOL))
    disabledReason = "no-ansible-item";
  else if (systems.every((s) => optedOut.includes(s))) disabledReason = "no-vm-to-configure";

  const steps: CtxPlan["steps"] = [];
  if (disabledReason === undefined) {
    const running = new Set(systems.filter((s) => !optedOut.includes(s)));
    const byStep = new Map<number, CtxPlanItem[]>();
    for (const item of items) {
      if (item.tool !== ANSIBLE_TOOL || !running.has(item.system)) continue;
      byStep.set(item.step, [...(byStep.get(item.step) ?? []), item]);
    }
    for (const step of [...byStep.keys()].sort((a, b) => a - b))
      steps.push({ step, items: byStep.get(step)! });
  }

  const maxTime = ctx.maxTime === 0 ? 0 : ctx.maxTime.value;
  const ansibleVersion = optionText(doc, "ansible_version");
  const ansibleInstall = optionText(doc, "ansible_install");
  return {
    ansible: disabledReason === undefined,
    ...(disabledReason === undefined ? {} : { disabledReason }),
    items,
    steps,
    cloudInit,
    optedOut,
    maxTimeSeconds: maxTime > 0 ? maxTime : DEFAULT_CONTEXTUALIZATION_SECONDS,
    ...(ansibleVersion === undefined ? {} : { ansibleVersion }),
    ...(ansibleInstall === undefined ? {} : { ansibleInstall }),
  };
}
