/**
 * The contextualization rig for tests (scripts/rig, spec contextualization.md §3): VMs as network,
 * mount and UTS namespaces with their own sshd. `startRig` builds it and `rig.down()` removes every
 * namespace, process, mount and file it made. Needs root.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FeatureSet, FeatureValue, RadlDocument } from "../../compiler/ir.js";
import { ctxItemKey, emptyDocument, emptyFeatureSet } from "../../compiler/ir.js";
import { repoRoot } from "./paths.js";

export interface RigVm {
  ns: string;
  name: string;
  /** Server-side directory holding this VM's /etc, /home, /root, /opt (under their names) and /var/tmp (vartmp). */
  root: string;
  privateIp: string;
  publicIp?: string;
}

export interface RigInfo {
  dir: string;
  id: string;
  user: string;
  serverIp: string;
  vmKey: string;
  diskDevice: string;
  masterPassword: string;
  workerPassword: string;
  master: RigVm;
  workers: RigVm[];
}

export interface Rig extends RigInfo {
  /** Runs a command inside a VM's namespaces (network, and mount/UTS of its sshd). */
  exec(vm: RigVm, argv: string[], input?: string): { status: number; stdout: string; stderr: string };
  /** The same, without blocking (for steps of several VMs at once). */
  execAsync(vm: RigVm, argv: string[]): Promise<{ status: number; stdout: string; stderr: string }>;
  down(): Promise<void>;
}

export function rigAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the rig needs root";
  for (const tool of ["ip", "unshare", "nsenter", "ansible-playbook", "sshpass"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
      return `missing ${tool}`;
    }
  }
  if (spawnSync("sh", ["-c", "test -x /usr/sbin/sshd"]).status !== 0) return "missing sshd";
  return undefined;
}

/** Raised when the rig cannot run here: CI always installs it, so rig tests fail instead of skipping. */
export class RigUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `the contextualization rig cannot run here (${reason}); it needs root and the packages of ` +
        "scripts/apt-packages.txt (openssh-server, ansible, sshpass, iproute2), as CI installs them",
    );
    this.name = "RigUnavailableError";
  }
}

/** Throws RigUnavailableError when `rigAvailable()` names a reason. */
export function requireRig(): void {
  const reason = rigAvailable();
  if (reason !== undefined) throw new RigUnavailableError(reason);
}

export async function startRig(
  opts: { workers?: number; diskMb?: number; timeoutMs?: number } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "ctxt-rig-"));
  rmSync(dir, { recursive: true });
  const env = {
    ...process.env,
    RIG_WORKERS: String(opts.workers ?? 1),
    RIG_DISK_MB: String(opts.diskMb ?? 0),
  };
  const holder: ChildProcess = spawn("bash", [join(repoRoot, "scripts/rig/rig-up.sh"), dir], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  holder.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  holder.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => holder.once("exit", () => resolve()));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!output.includes("RIG READY")) {
    if (holder.exitCode !== null || Date.now() > deadline) {
      spawnSync("bash", [join(repoRoot, "scripts/rig/rig-down.sh"), dir]);
      throw new Error(`the rig did not come up: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const info = JSON.parse(readFileSync(join(dir, "rig.json"), "utf8")) as RigInfo;
  const sshdPid = (vm: RigVm): string => {
    const pids = spawnSync("ip", ["netns", "pids", vm.ns], { encoding: "utf8" }).stdout.trim().split(/\s+/);
    for (const p of pids) {
      const comm = spawnSync("cat", [`/proc/${p}/comm`], { encoding: "utf8" }).stdout.trim();
      if (comm === "sshd") return p;
    }
    throw new Error(`no sshd in ${vm.ns}`);
  };
  return {
    ...info,
    exec(vm, argv, input) {
      const pid = sshdPid(vm);
      const r = spawnSync("nsenter", [`--target=${pid}`, "--net", "--mount", "--uts", "--", ...argv], {
        encoding: "utf8",
        input: input ?? "",
        timeout: 60_000,
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    execAsync(vm, argv) {
      const pid = sshdPid(vm);
      return new Promise((resolve) => {
        const child = spawn("nsenter", [`--target=${pid}`, "--net", "--mount", "--uts", "--", ...argv], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ status: code ?? -1, stdout, stderr });
        });
      });
    },
    async down() {
      spawnSync("bash", [join(repoRoot, "scripts/rig/rig-down.sh"), dir], {
        stdio: "inherit",
        timeout: 60_000,
      });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    },
  };
}

/** Processes, namespaces and links of a rig id still present (teardown must leave none). */
export function rigLeftovers(id: string): string[] {
  const left: string[] = [];
  const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  for (const line of ns.split("\n")) if (line.startsWith(`rig${id}`)) left.push(`namespace ${line}`);
  const links = spawnSync("ip", ["-br", "link"], { encoding: "utf8" }).stdout;
  for (const line of links.split("\n")) if (line.startsWith(`rig${id}`)) left.push(`link ${line}`);
  return left;
}

// ---- a tiny IR builder for fixtures (the tests do not depend on the parser) ----

type Plain = string | number | { apps: Record<string, Record<string, string>> };

function featureValue(v: Plain): FeatureValue {
  if (typeof v === "string") return { kind: "string", op: "=", value: v };
  if (typeof v === "number") {
    const bound = { op: "=" as const, num: { value: v, isFloat: false, text: String(v) } };
    return { kind: "number", lower: bound, upper: bound };
  }
  const entries = new Map<string | null, FeatureSet>();
  for (const [name, sub] of Object.entries(v.apps)) entries.set(name, features({ name, ...sub }));
  return { kind: "contains", entries };
}

export function features(map: Record<string, Plain>): FeatureSet {
  const fs = emptyFeatureSet();
  for (const [k, v] of Object.entries(map)) {
    fs.order.push(k);
    fs.features.set(k, featureValue(v));
  }
  return fs;
}

export interface DocSpec {
  networks: Record<string, Record<string, Plain>>;
  systems: Record<string, Record<string, Plain>>;
  configures: Record<string, string | null>;
  deploys: Record<string, number>;
  /** null: no contextualize section. */
  items: { system: string; configure: string; step?: number; tool?: string }[] | null;
  maxTime?: number;
}

export function radlDocument(spec: DocSpec): RadlDocument {
  const doc = emptyDocument("<test>");
  for (const [id, f] of Object.entries(spec.networks))
    doc.networks.push({ id, reference: false, features: features(f) });
  for (const [id, f] of Object.entries(spec.systems))
    doc.systems.push({ id, reference: false, features: features(f) });
  for (const [id, recipe] of Object.entries(spec.configures))
    doc.configures.push({ id, reference: false, recipe });
  for (const [system, n] of Object.entries(spec.deploys)) {
    doc.deploys.push({ system, count: { value: n, isFloat: false, text: String(n) } });
  }
  if (spec.items !== null) {
    const items = new Map();
    for (const i of spec.items) {
      items.set(ctxItemKey(i.system, i.configure), {
        system: i.system,
        configure: i.configure,
        step: i.step === undefined ? 0 : { value: i.step, isFloat: false, text: String(i.step) },
        ...(i.tool === undefined ? {} : { tool: i.tool }),
      });
    }
    doc.contextualize = {
      maxTime: spec.maxTime ? { value: spec.maxTime, isFloat: false, text: String(spec.maxTime) } : 0,
      items,
      options: null,
    };
  }
  return doc;
}

// ---- the fixture of spec contextualization.md §3.5 on a running rig ----

export const FRONT_RECIPE = (prv: string): string => `
- tasks:
  - name: Make the test directory
    file: path=/opt/im-test state=directory mode=0755
  - name: Write the token
    copy: dest=/opt/im-test/token content="token-{{IM_INFRASTRUCTURE_ID}}-{{IM_NODE_NUM}}"
  - name: Serve /opt/im-test
    shell: mkdir -p /opt/im-test && cd /opt/im-test && (nohup python3 -m http.server 8081 --bind ${prv} > /dev/null 2>&1 &)
`;

export const WN_RECIPE = (prv: string, front: string): string => `
- vars:
    marker: "{{IM_NODE_FQDN}} master={{IM_MASTER_FQDN}}"
  tasks:
  - name: Make the test directory
    file: path=/opt/im-test state=directory mode=0755
  - name: Write the configured marker
    copy: dest=/opt/im-test/wn-configured content="{{marker}}"
  - name: Fetch the token of the front
    uri: url=http://${front}:8081/token return_content=yes
    register: token
  - name: Keep the token
    copy: dest=/opt/im-test/token-from-front content="{{token.content}}"
  - name: Serve /opt/im-test
    shell: cd /opt/im-test && (nohup python3 -m http.server 8080 --bind ${prv} > /dev/null 2>&1 &)
  - name: Say hello
    debug: msg="hello from {{IM_NODE_HOSTNAME}}"
`;

/** Front (master, public + private) and wn (private only) on the rig, with configure steps 1 and 2. */
export function rigFixture(
  rig: RigInfo,
  extra: { newMasterPassword?: string; recipes?: Partial<Record<"front" | "wn", string>> } = {},
): DocSpec {
  const m = rig.master;
  const w = rig.workers[0]!;
  return {
    networks: { pub: { outbound: "yes" }, priv: {} },
    systems: {
      front: {
        "net_interface.0.connection": "pub",
        "net_interface.0.ip": m.publicIp!,
        "net_interface.0.dns_name": "front",
        "net_interface.1.connection": "priv",
        "net_interface.1.ip": m.privateIp,
        "disk.0.os.credentials.username": rig.user,
        "disk.0.os.credentials.password": rig.masterPassword,
        ...(extra.newMasterPassword ? { "disk.0.os.credentials.new.password": extra.newMasterPassword } : {}),
      },
      wn: {
        "net_interface.0.connection": "priv",
        "net_interface.0.ip": w.privateIp,
        "net_interface.0.dns_name": "wn-#N#",
        "disk.0.os.credentials.username": rig.user,
        "disk.0.os.credentials.password": rig.workerPassword,
        "disk.0.os.credentials.private_key": readFileSync(rig.vmKey, "utf8"),
        "disk.0.applications": { apps: { sshpass: {} } },
        ...(rig.diskDevice
          ? {
              "disk.1.size": 32 * 1024 * 1024,
              "disk.1.device": rig.diskDevice,
              "disk.1.fstype": "ext4",
              "disk.1.mount_path": "/opt/im-data",
            }
          : {}),
      },
    },
    configures: {
      front: extra.recipes?.front ?? FRONT_RECIPE(m.privateIp),
      wn: extra.recipes?.wn ?? WN_RECIPE(w.privateIp, m.privateIp),
    },
    deploys: { front: 1, wn: 1 },
    items: [
      { system: "front", configure: "front", step: 1 },
      { system: "wn", configure: "wn", step: 2 },
    ],
  };
}

// ---- doing on the rig's master what the ctxt-* nodes do, for tests without the engine ----

function uidOf(root: string, user: string): { uid: number; gid: number } {
  const line = readFileSync(join(root, "etc/passwd"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`))!;
  const f = line.split(":");
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/**
 * Writes generation files into the master's /var/tmp (the rig dir m/vartmp) as bundle + activate
 * would, with the master's become password and a deadline; creates ansible_key once.
 */
export function installGeneration(
  rig: Rig,
  genDirOnMaster: string,
  files: Record<string, { content: string; mode: number }>,
  deadlineSeconds: number,
): void {
  const m = rig.master;
  const local = join(m.root, "vartmp", genDirOnMaster.slice("/var/tmp/".length));
  for (const [path, spec] of Object.entries(files)) {
    const full = join(local, path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
    writeFileSync(full, spec.content, { mode: spec.mode });
    chmodSync(full, spec.mode);
  }
  const conf = dirname(local);
  writeFileSync(join(conf, "master_become"), rig.masterPassword, { mode: 0o600 });
  writeFileSync(join(local, "deadline"), `${Math.floor(Date.now() / 1000) + deadlineSeconds}\n`);
  mkdirSync(join(conf, "cp"), { recursive: true });
  const { uid, gid } = uidOf(m.root, rig.user);
  chownTree(join(m.root, "vartmp", ".im"), uid, gid);
  const confOnMaster = dirname(genDirOnMaster);
  const keygen = rig.exec(m, [
    "su",
    rig.user,
    "-c",
    `test -f ${confOnMaster}/ansible_key || ssh-keygen -q -t ed25519 -N '' -f ${confOnMaster}/ansible_key`,
  ]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen on the master failed: ${keygen.stderr}`);
}

/** Runs `bin/run-step` on the master as the rig user, like a ctxt-vm<id>-<stage> node. */
export function runStepOnMaster(
  rig: Rig,
  gen: string,
  vmId: number,
  host: string,
  stage: string,
  tasks: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  const argv = [
    "su",
    rig.user,
    "-c",
    `sh ${gen}/bin/run-step ${gen} ${vmId} ${host} ${stage} ${tasks.join(" ")}`,
  ];
  return rig.execAsync(rig.master, argv);
}
