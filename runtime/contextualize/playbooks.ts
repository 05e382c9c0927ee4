/**
 * The playbooks of one generation (spec contextualization.md §1.6 items 3-7): `basic_task_all.yml`,
 * `main_<system>_task.yml`, `<configure>_<system>_task.yml` (IM header merged into the recipe), their
 * `_all` wrappers, every raw recipe as `<configure>.yml`, and `utils/tasks/main.yml`. All deterministic.
 */
import { featureValue } from "../../compiler/features.js";
import type { CtxItem, FeatureSet, RadlDocument } from "../../compiler/ir.js";
import { headerPlay, mergeRecipe, dumpYaml } from "./recipe-merge.js";
import type { CtxtVm } from "./model.js";
import { str } from "./vms.js";

type Task = Record<string, unknown>;

export const BASIC_PLAYBOOK = dumpYaml([
  {
    hosts: "{{IM_HOST}}",
    gather_facts: false,
    become: true,
    tasks: [
      { name: "Wait for the VM to accept connections", wait_for_connection: { timeout: 300 } },
      {
        name: "Set the host name to IM_NODE_FQDN",
        hostname: { name: "{{IM_NODE_FQDN}}" },
        ignore_errors: true,
      },
      {
        name: "Authorize the contextualization key of the master",
        authorized_key: {
          user: "{{ansible_user}}",
          key: "{{ lookup('file', IM_CONF_DIR + '/ansible_key.pub') }}",
        },
        when: "ansible_connection | default('ssh') != 'local'",
      },
      {
        name: "Change the password of the VM user",
        user: { name: "{{ansible_user}}", password: "{{ IM_NEW_PASSWORD | password_hash('sha512') }}" },
        no_log: true,
        when: "IM_NEW_PASSWORD is defined and ansible_connection | default('ssh') != 'local'",
      },
      {
        name: "Record the new become password on the master",
        copy: {
          content: "{{ IM_NEW_PASSWORD }}",
          dest: "{{ playbook_dir }}/secrets/vm-{{IM_NODE_NUM}}.become",
          mode: "0600",
        },
        delegate_to: "localhost",
        become: false,
        no_log: true,
        when: "IM_NEW_PASSWORD is defined and ansible_connection | default('ssh') != 'local'",
      },
      { name: "Gather facts", setup: {} },
    ],
  },
]);

/**
 * Keep /etc/hosts.orig and rebuild /etc/hosts as original + infrastructure list (reruns do not
 * accumulate). Two tasks, not three: on 20 hosts every module run counts.
 */
export const HOSTS_TASKS = dumpYaml([
  {
    name: "Copy the infrastructure host list",
    copy: { src: "{{ playbook_dir }}/etc_hosts", dest: "/etc/hosts.im", mode: "0644" },
  },
  {
    name: "Rebuild /etc/hosts from the original and the infrastructure list",
    shell:
      "[ -f /etc/hosts.orig ] || cp -p /etc/hosts /etc/hosts.orig; " +
      "cat /etc/hosts.orig /etc/hosts.im > /etc/hosts.new && cat /etc/hosts.new > /etc/hosts && rm -f /etc/hosts.new",
  },
]);

function diskTasks(features: FeatureSet): Task[] {
  const tasks: Task[] = [];
  for (let i = 1; ; i++) {
    if (
      featureValue(features, `disk.${i}.size`) === undefined &&
      str(features, `disk.${i}.image.url`) === undefined
    )
      break;
    const device = str(features, `disk.${i}.device`);
    const fstype = str(features, `disk.${i}.fstype`);
    const mountPath = fstype === "swap" ? "swap" : str(features, `disk.${i}.mount_path`);
    if (device === undefined || fstype === undefined || mountPath === undefined) continue;
    const dev = device.startsWith("/") ? device : `/dev/${device}`;
    tasks.push({ name: `Format disk ${i} (${dev}) as ${fstype}`, filesystem: { dev, fstype } });
    if (fstype === "swap") {
      tasks.push({ name: `Enable swap on ${dev}`, shell: `swapon ${dev} || true` });
    } else {
      tasks.push({
        name: `Mount disk ${i} on ${mountPath}`,
        mount: { path: mountPath, src: dev, fstype, state: "mounted" },
      });
    }
  }
  return tasks;
}

/** OS packages requested in disk.0.applications (not ansible.*): the last dot-separated part is the package. */
export function packagesOf(features: FeatureSet): string[] {
  const apps = featureValue(features, "disk.0.applications");
  if (!(apps instanceof Map)) return [];
  const out: string[] = [];
  for (const [name, entry] of apps) {
    if (name === null || name.startsWith("ansible.")) continue;
    if (str(entry, "preinstalled") === "yes") continue;
    out.push(name.split(".").at(-1)!);
  }
  return out;
}

/** Galaxy roles and collections from `ansible.roles.*` / `ansible.collections.*` applications of every system. */
export function galaxyRequirements(doc: RadlDocument, vms: CtxtVm[]): { roles: Task[]; collections: Task[] } {
  const roles: Task[] = [];
  const collections: Task[] = [];
  const seen = new Set<string>();
  const sets = [...doc.systems.map((s) => s.features), ...vms.map((v) => v.features)];
  for (const fs of sets) {
    const apps = featureValue(fs, "disk.0.applications");
    if (!(apps instanceof Map)) continue;
    for (const [name, entry] of apps) {
      if (name === null || seen.has(name)) continue;
      seen.add(name);
      const version = featureValue(entry, "version");
      const parse = (spec: string): Task => {
        const [src, ver] = spec.split(",");
        const v = ver ?? (version === undefined ? undefined : String(version));
        const [source, roleName] = src!.split("|");
        return { ...(roleName ? { name: roleName } : {}), src: source, ...(v ? { version: v } : {}) };
      };
      if (name.startsWith("ansible.roles.")) roles.push(parse(name.slice("ansible.roles.".length)));
      else if (name.startsWith("ansible.collections.")) {
        const { src, version: v } = parse(name.slice("ansible.collections.".length));
        collections.push({ name: src, ...(v ? { version: v } : {}) });
      }
    }
  }
  return { roles, collections };
}

/** The same text for systems with the same disks and packages, so their VMs share one run (stage-members.ts). */
export function mainPlaybook(features: FeatureSet): string {
  const tasks: Task[] = [
    {
      name: "Install the requested applications",
      debug: { msg: "Install user requested apps" },
    },
  ];
  tasks.push(...diskTasks(features));
  for (const pkg of packagesOf(features)) {
    tasks.push({
      name: `Install package ${pkg}`,
      package: { name: pkg, state: "present" },
      ignore_errors: true,
    });
  }
  return dumpYaml([
    {
      hosts: "{{IM_HOST}}",
      become: true,
      pre_tasks: [{ include_tasks: "utils/tasks/main.yml" }],
      tasks,
    },
  ]);
}

/** The `_all` wrapper: facts of every (reachable) host first, so `hostvars` work; unreachable hosts ignored (§2.4). */
export function allWrapper(playbook: string): string {
  return dumpYaml([{ hosts: "allnowindows", ignore_unreachable: true }, { import_playbook: playbook }]);
}

export interface PlaybookFiles {
  [path: string]: string;
}

/** Every playbook file for the systems and items of a run. */
export function playbookFiles(doc: RadlDocument, vms: CtxtVm[], items: CtxItem[]): PlaybookFiles {
  const files: PlaybookFiles = {
    "basic_task_all.yml": BASIC_PLAYBOOK,
    "utils/tasks/main.yml": HOSTS_TASKS,
  };
  const systems = [...new Set(vms.map((v) => v.system))];
  for (const system of systems) {
    const vm = vms.find((v) => v.system === system)!;
    files[`main_${system}_task.yml`] = mainPlaybook(vm.features);
    files[`main_${system}_task_all.yml`] = allWrapper(`main_${system}_task.yml`);
  }
  for (const c of doc.configures) {
    if (c.recipe !== null) files[`${c.id}.yml`] = c.recipe;
  }
  for (const item of items) {
    const configure = doc.configures.find((c) => c.id === item.configure);
    const vm = vms.find((v) => v.system === item.system);
    if (configure === undefined || vm === undefined) continue;
    const name = `${item.configure}_${item.system}_task`;
    files[`${name}.yml`] = mergeRecipe(headerPlay(vm.os), item.configure, configure.recipe ?? "");
    files[`${name}_all.yml`] = allWrapper(`${name}.yml`);
  }
  return files;
}
