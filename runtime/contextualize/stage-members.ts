/**
 * The shared runs of each stage (`stages/<stage>.json` of a generation, read by bin/run-step and
 * bin/stage-worker.py on the master). The IM runs one ansible-playbook per (VM, step), and each one
 * starts Ansible and gathers the facts of every host again, so the time grows with the square of
 * the VMs. Here the VMs of a stage whose task playbooks are identical in content form one group, run
 * with one ansible-playbook per task over all their hosts; the per-(VM, step) nodes stay in the
 * graph, each following its own VM's share of the log and result.
 */
import type { CtxtVm } from "./model.js";
import type { PlaybookFiles } from "./playbooks.js";
import type { Stage } from "./stages.js";

export interface StageMember {
  vm: number;
  host: string;
  tasks: string[];
}

export interface StageGroup {
  /** The playbooks run for the whole group: the first member's task names. */
  tasks: string[];
  vms: StageMember[];
}

export interface StageMembersInput {
  stage: Stage;
  vms: readonly CtxtVm[];
  playbooks: PlaybookFiles;
  /** Whether the VM's node of this stage runs in this generation (its trigger is the generation). */
  runsNow: (vmId: number) => boolean;
  hostOf: (vm: CtxtVm) => string | undefined;
  /** VMs whose playbooks need their own vault password run alone. */
  hasVault: (vm: CtxtVm) => boolean;
}

function playbookOf(task: string, playbooks: PlaybookFiles): string {
  return task === "basic"
    ? (playbooks["basic_task_all.yml"] ?? task)
    : (playbooks[`${task}_task.yml`] ?? `missing:${task}`);
}

/** The groups of one stage; empty when none of its VMs runs now. */
export function stageGroups(input: StageMembersInput): StageGroup[] {
  const groups = new Map<string, StageGroup>();
  for (const t of input.stage.perVm) {
    if (!input.runsNow(t.vmId)) continue;
    const vm = input.vms.find((v) => v.id === t.vmId);
    const host = vm === undefined ? undefined : input.hostOf(vm);
    if (vm === undefined || host === undefined) continue;
    const key = input.hasVault(vm)
      ? `vault:${vm.id}`
      : JSON.stringify(t.tasks.map((task) => playbookOf(task, input.playbooks)));
    const group = groups.get(key) ?? { tasks: t.tasks, vms: [] };
    group.vms.push({ vm: vm.id, host, tasks: t.tasks });
    groups.set(key, group);
  }
  return [...groups.values()];
}
