/**
 * Which VMs of a stage share one ansible-playbook run (runtime/contextualize/stage-members.ts): VMs
 * whose playbooks are identical in content, whatever their system is called; a VM with its own vault
 * password runs alone; VMs not run in this generation or without an inventory host are left out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CtxtVm } from "../../runtime/contextualize/model.js";
import { stageGroups, type StageMembersInput } from "../../runtime/contextualize/stage-members.js";

const vm = (id: number, system: string): CtxtVm => ({ id, system }) as unknown as CtxtVm;
const vms = [vm(0, "front"), vm(1, "wn1"), vm(2, "wn2"), vm(3, "db"), vm(4, "wn3")];

function input(over: Partial<StageMembersInput> = {}): StageMembersInput {
  return {
    stage: {
      name: "step1",
      radlStep: 1,
      perVm: vms.map((v) => ({ vmId: v.id, tasks: [`small_${v.system}`] })),
    },
    vms,
    playbooks: {
      "small_front_task.yml": "- hosts: '{{IM_HOST}}'\n  tasks: [{debug: {msg: hi}}]\n",
      "small_wn1_task.yml": "- hosts: '{{IM_HOST}}'\n  tasks: [{debug: {msg: hi}}]\n",
      "small_wn2_task.yml": "- hosts: '{{IM_HOST}}'\n  tasks: [{debug: {msg: hi}}]\n",
      "small_db_task.yml": "- hosts: '{{IM_HOST}}'\n  become: true\n  tasks: [{debug: {msg: hi}}]\n",
      "small_wn3_task.yml": "- hosts: '{{IM_HOST}}'\n  tasks: [{debug: {msg: hi}}]\n",
    },
    runsNow: () => true,
    hostOf: (v) => `10.0.0.${v.id}_${v.id}`,
    hasVault: () => false,
    ...over,
  };
}

const summary = (i: StageMembersInput) => stageGroups(i).map((g) => [g.tasks, g.vms.map((m) => m.vm)]);

test("VMs with identical playbooks share one run under the first member's task names", () => {
  assert.deepEqual(summary(input()), [
    [["small_front"], [0, 1, 2, 4]],
    [["small_db"], [3]],
  ]);
  const [shared] = stageGroups(input());
  assert.deepEqual(shared!.vms[1], { vm: 1, host: "10.0.0.1_1", tasks: ["small_wn1"] });
});

test("a VM with a vault password runs alone; VMs not run now or without a host are left out", () => {
  assert.deepEqual(
    summary(
      input({
        hasVault: (v) => v.id === 2,
        runsNow: (id) => id !== 1,
        hostOf: (v) => (v.id === 4 ? undefined : `h${v.id}`),
      }),
    ),
    [
      [["small_front"], [0]],
      [["small_wn2"], [2]],
      [["small_db"], [3]],
    ],
  );
  assert.deepEqual(stageGroups(input({ runsNow: () => false })), []);
});

test("a task whose playbook file is missing never joins another task's run", () => {
  const playbooks = { ...input().playbooks };
  delete playbooks["small_wn1_task.yml"];
  delete playbooks["small_wn2_task.yml"];
  assert.deepEqual(summary(input({ playbooks })), [
    [["small_front"], [0, 4]],
    [["small_wn1"], [1]],
    [["small_wn2"], [2]],
    [["small_db"], [3]],
  ]);
});
