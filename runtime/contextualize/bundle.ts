/**
 * The files of one generation on the master, `REMOTE_CONF_DIR/<infId>/gen-<g>/` (spec
 * contextualization.md §2.3, §2.4): static files (same bytes for the same RADL and generation, so an
 * unrelated `up` does not copy again) and dynamic ones (addresses, 0600 secrets) written by ctxt-activate.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TOOLS, readAsset } from "./assets.js";
import { etcHosts } from "./etc-hosts.js";
import { buildInventory, infrastructureRadlJson, vaultPassword } from "./inventory.js";
import type { CtxtInfrastructure, CtxtVm } from "./model.js";
import { galaxyRequirements, playbookFiles } from "./playbooks.js";
import { dumpYaml } from "./recipe-merge.js";
import { stageGroups } from "./stage-members.js";
import type { ContextualizationPlan, Stage } from "./stages.js";
import { inventoryHost } from "./vms.js";

export interface FileSpec {
  content: string;
  /** Octal mode; 0600 for secrets. */
  mode: number;
}

export type FileMap = Record<string, FileSpec>;

export function confDir(inf: CtxtInfrastructure): string {
  return `${inf.settings.remoteConfDir}/${inf.id}`;
}

export function genDir(inf: CtxtInfrastructure, generation: number): string {
  return `${confDir(inf)}/gen-${generation}`;
}

export function ansibleCfg(inf: CtxtInfrastructure, forks: number): string {
  const c = confDir(inf);
  return [
    "[defaults]",
    // Other VMs' host keys: recorded on first contact in the conf dir (it outlives generations) and
    // verified afterwards (spec §2.7); keyed by VM id (HostKeyAlias), so a new VM on a reused address
    // is not mistaken for a changed key.
    "host_key_checking = True",
    "timeout = 30",
    "nocolor = 1",
    `forks = ${forks}`,
    "gathering = smart",
    "fact_caching = jsonfile",
    `fact_caching_connection = ${c}/facts_cache`,
    "fact_caching_timeout = 86400",
    "interpreter_python = auto_silent",
    `roles_path = ${c}/roles`,
    `collections_path = ${c}/collections`,
    "retry_files_enabled = False",
    "deprecation_warnings = False",
    "",
    "[privilege_escalation]",
    "become_method = sudo",
    "",
    "[ssh_connection]",
    "pipelining = True",
    `control_path_dir = ${c}/cp`,
    `ssh_args = -o ControlMaster=auto -o ControlPersist=900s -o UserKnownHostsFile=${c}/known_hosts -o StrictHostKeyChecking=accept-new`,
    "",
  ].join("\n");
}

/** Static files of generation `g`: playbooks, raw recipes, utils, tools, ansible.cfg, GENERATION. */
export function staticFiles(
  inf: CtxtInfrastructure,
  plan: Extract<ContextualizationPlan, { disabled: false }>,
  generation: number,
): FileMap {
  const active = activeVms(inf, plan);
  const files: FileMap = {};
  const add = (path: string, content: string, mode = 0o644): void => {
    files[path] = { content, mode };
  };
  add("GENERATION", `${generation}\n`);
  add("playbook_retries", `${Math.max(1, inf.settings.playbookRetries)}\n`);
  add("stdout_cap", `${Math.max(1024, inf.settings.stepOutputCap)}\n`);
  add("ansible.cfg", ansibleCfg(inf, Math.max(1, Math.min(inf.settings.maxForks, active.length))));
  for (const [path, content] of Object.entries(playbookFiles(inf.doc, active, plan.items)))
    add(path, content);
  const galaxy = galaxyRequirements(inf.doc, active);
  add("galaxy-requirements.yml", dumpYaml(galaxy));
  for (const [path, file] of Object.entries(TOOLS)) add(path, readAsset(file), 0o755);
  return files;
}

export function activeVms(
  inf: CtxtInfrastructure,
  plan: Extract<ContextualizationPlan, { disabled: false }>,
): CtxtVm[] {
  const ids = new Set(plan.stages.flatMap((s) => s.perVm.map((p) => p.vmId)));
  return inf.vms.filter((v) => ids.has(v.id));
}

/**
 * Dynamic files: inventory, etc_hosts and the 0600 secrets (per-VM keys and become passwords,
 * IM_INFRASTRUCTURE_RADL/AUTH). Depends on addresses, so in a graph its text holds placeholders.
 */
export function dynamicFiles(
  inf: CtxtInfrastructure,
  plan: Extract<ContextualizationPlan, { disabled: false }>,
  master: CtxtVm | undefined,
  generation: number,
): FileMap {
  const active = activeVms(inf, plan);
  const g = genDir(inf, generation);
  const inventory = buildInventory({ ...inf, vms: inf.vms }, master, new Set(active.map((v) => v.id)));
  const files: FileMap = {
    hosts: { content: inventory.text, mode: 0o644 },
    etc_hosts: { content: etcHosts(active, inf.settings), mode: 0o644 },
  };
  const secret = (path: string, content: string): void => {
    files[path] = { content, mode: 0o600 };
  };
  const groupSecrets: Record<string, string> = {
    IM_INFRASTRUCTURE_RADL: infrastructureRadlJson(inf.doc, inf.vms),
  };
  if (inf.auth !== undefined) groupSecrets.IM_INFRASTRUCTURE_AUTH = inf.auth;
  secret("group_vars/all/secrets.yml", dumpYaml(groupSecrets));
  for (const vm of active) {
    const host = inventory.hosts.get(vm.id);
    if (host === undefined) continue;
    const vars: Record<string, string> = {};
    const c = vm.credentials;
    if (vm === master) {
      // The master's password may have been rotated by ctxt-bootstrap, which records the current one.
      vars.ansible_become_password = `{{ lookup('file', IM_CONF_DIR + '/master_become') }}`;
    } else {
      if (c.privateKey !== undefined) {
        secret(`secrets/vm-${vm.id}.key`, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`);
        vars.ansible_ssh_private_key_file = `${g}/secrets/vm-${vm.id}.key`;
      } else if (c.password !== undefined) {
        vars.ansible_password = c.password;
      }
      if (c.password !== undefined) {
        secret(`secrets/vm-${vm.id}.become`, c.password);
        vars.ansible_become_password = `{{ lookup('file', '${g}/secrets/vm-${vm.id}.become') }}`;
      }
      if (c.newPassword !== undefined) vars.IM_NEW_PASSWORD = c.newPassword;
    }
    const vault = vaultPassword(vm);
    if (vault !== undefined) secret(`secrets/vault-${vm.id}`, vault);
    secret(`host_vars/${host}/secrets.yml`, dumpYaml(vars));
  }
  return files;
}

/**
 * `stages/<stage>.json`: which VMs share one ansible-playbook run (stage-members.ts). `runsNow` says
 * whether a VM's node of a stage runs in this generation; VMs left out run alone if their node runs.
 */
export function sharedRunFiles(
  inf: CtxtInfrastructure,
  plan: Extract<ContextualizationPlan, { disabled: false }>,
  runsNow: (stage: Stage, vmId: number) => boolean,
): FileMap {
  const playbooks = playbookFiles(inf.doc, activeVms(inf, plan), plan.items);
  const files: FileMap = {};
  for (const stage of plan.stages) {
    const groups = stageGroups({
      stage,
      vms: inf.vms,
      playbooks,
      runsNow: (vmId) => runsNow(stage, vmId),
      hostOf: inventoryHost,
      hasVault: (vm) => vaultPassword(vm) !== undefined,
    });
    if (groups.length > 0)
      files[`stages/${stage.name}.json`] = { content: JSON.stringify({ groups }), mode: 0o644 };
  }
  return files;
}

/** Writes a FileMap under `dir` (the server-side copy of gen-<g>, or a test's). */
export function writeFiles(dir: string, files: FileMap): void {
  for (const [path, spec] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
    writeFileSync(full, spec.content, { mode: spec.mode });
    chmodSync(full, spec.mode);
  }
}
