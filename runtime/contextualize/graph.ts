/**
 * The Contextualizer of compiler/plan: configure/contextualize sections → `command:remote:*` nodes
 * (spec contextualization.md §2.3): wait for the master's SSH, bootstrap (server key, requiretty,
 * password), Ansible on the master, the static bundle, the dynamic files, a reachability probe, then one
 * `run-step` per (VM, stage) on the master with barriers between stages. Triggers carry the generation,
 * so only a new contextualization run re-runs anything; secrets travel only in stdin and connections.
 */
import type { GraphNode, GraphRef, GraphSecret, GraphValue } from "../../compiler/graph/types.js";
import type {
  ContextualizeInput,
  ContextualizeOutput,
  Contextualizer,
  LoweredVm,
  SshConnectionSpec,
} from "../../compiler/plan/driver.js";
import { readAsset } from "./assets.js";
import {
  confDir,
  dynamicFiles,
  genDir,
  sharedRunFiles,
  staticFiles,
  writeFiles,
  type FileMap,
} from "./bundle.js";
import { selectMaster } from "./master.js";
import { DEFAULT_SETTINGS, type CtxtInfrastructure, type CtxtSettings, type CtxtVm } from "./model.js";
import { Placeholders } from "./placeholders.js";
import { galaxyRequirements } from "./playbooks.js";
import { contextualizationPlan, type ContextualizationPlan, type Stage } from "./stages.js";
import { inventoryHost, vmFromSystem } from "./vms.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface CommandContextualizerOptions {
  /** The infrastructure's contextualization generation g (§2.6). */
  generation: number;
  /** c(v) per VM id; VMs not listed use g. */
  configureGenerations?: Record<number, number>;
  settings?: Partial<CtxtSettings>;
  /** The infrastructure's server key pair: PKCS#1 PEM private key and `ssh-rsa …` public line. */
  serverKey: { privateKey: string; publicKey: string };
  /** Server-side directory holding `<infId>/gen-<g>/`, written by `writeBundle` before the up. */
  bundleRoot: string;
  /** The owner's IM token or user:password (IM_INFRASTRUCTURE_AUTH). */
  auth?: string;
  /** The master of the previous run (sticky, §1.4). */
  previousMaster?: number;
  /**
   * How `ctxt-wait-master` waits (§2.7): "server" runs the server's probe (ssh-probe-cli) as a
   * `local.Command`: 3 authentication failures end it in seconds, and it captures the master's host
   * key, which pins every later connection of the run. "remote" (the default, for compiled
   * standalone projects that cannot run our CLI) dials with the command provider until the timeout.
   */
  waitProbe?: "server" | "remote";
  /**
   * Host keys recorded at first contact (`<type> <base64>` per VM id), verified by the server's probe
   * before anything else runs; a changed key fails the run naming the VM. The "remote" probe cannot
   * verify them (the command provider ignores host keys).
   */
  hostKeys?: Record<number, string>;
}

export const CTXT_COMPONENT = "ctxt";

interface Prepared {
  inf: CtxtInfrastructure;
  plan: ContextualizationPlan;
  master?: CtxtVm;
  masterLowered?: LoweredVm;
  placeholders: Placeholders;
}

function secret(value: GraphValue): GraphValue {
  return { secret: value };
}

function toVm(lv: LoweredVm, input: ContextualizeInput, ph: Placeholders): CtxtVm {
  const vm = vmFromSystem(input.plan.document, lv.vm.system, lv.vm.id, {}, lv.vm.concrete.features);
  const nics = vm.nics.map((n) => {
    if (n.ip !== undefined) return n;
    const v = n.isPublic ? lv.publicIp : lv.privateIp;
    return v === undefined ? n : { ...n, ip: ph.text(v) };
  });
  return {
    ...vm,
    nics,
    sshPort: lv.connection?.port ?? 22,
    providerId:
      typeof lv.output.instanceId === "string" ? lv.output.instanceId : ph.text(lv.output.instanceId),
    cloudType: lv.vm.connector,
  };
}

export class CommandContextualizer implements Contextualizer {
  private readonly settings: CtxtSettings;

  constructor(private readonly options: CommandContextualizerOptions) {
    this.settings = { ...DEFAULT_SETTINGS, ...(options.settings ?? {}) };
  }

  private prepare(input: ContextualizeInput): Prepared {
    const placeholders = new Placeholders();
    const live = input.vms.filter((v) => !v.vm.removed && v.vm.desiredPower !== "stopped");
    const vms = live.map((lv) => toVm(lv, input, placeholders));
    const inf: CtxtInfrastructure = {
      id: input.plan.infId,
      doc: input.plan.document,
      vms,
      settings: this.settings,
      ...(this.options.auth === undefined ? {} : { auth: this.options.auth }),
    };
    const plan = contextualizationPlan(inf.doc, vms);
    const candidates = vms.filter((v) => live.find((l) => l.vm.id === v.id)?.connection !== undefined);
    const master = plan.disabled ? undefined : selectMaster(candidates, this.options.previousMaster);
    const masterLowered = master ? live.find((l) => l.vm.id === master.id) : undefined;
    return {
      inf,
      plan,
      placeholders,
      ...(master ? { master } : {}),
      ...(masterLowered ? { masterLowered } : {}),
    };
  }

  /** The static files of this generation (what writeBundle writes); pure. */
  bundleFiles(input: ContextualizeInput): FileMap {
    const p = this.prepare(input);
    if (p.plan.disabled || p.master === undefined) return {};
    return staticFiles(p.inf, p.plan, this.options.generation);
  }

  /** Writes `<bundleRoot>/<infId>/gen-<g>/` on the server; returns its path. Call before the up. */
  writeBundle(input: ContextualizeInput): string {
    const dir = this.bundleDir(input.plan.infId);
    writeFiles(dir, this.bundleFiles(input));
    return dir;
  }

  /** Where the server probe records the master's endpoint for the live log follower (live-logs.ts). */
  endpointFile(infId: string): string {
    return join(this.options.bundleRoot, infId, `master-gen-${this.options.generation}.json`);
  }

  bundleDir(infId: string): string {
    return join(this.options.bundleRoot, infId, `gen-${this.options.generation}`);
  }

  lower(input: ContextualizeInput): ContextualizeOutput {
    const p = this.prepare(input);
    const g = this.options.generation;
    if (p.plan.disabled) {
      return { nodes: [], outputs: { ctxt: { generation: g, disabled: true, reason: p.plan.reason } } };
    }
    if (p.master === undefined || p.masterLowered?.connection === undefined) {
      return {
        nodes: [],
        outputs: {
          ctxt: {
            generation: g,
            disabled: false,
            error: "No correct Master VM found. Check if there a linux VM with Public IP.",
          },
        },
      };
    }
    const { inf, plan, master, placeholders: ph } = p;
    const conn = p.masterLowered.connection;
    const s = this.settings;
    const conf = confDir(inf);
    const gen = genDir(inf, g);
    const nodes: GraphNode[] = [
      { id: CTXT_COMPONENT, type: "im:index:Contextualization", name: CTXT_COMPONENT, args: {} },
    ];
    const command = (
      id: string,
      args: Record<string, GraphValue>,
      dependsOn: string[],
      extra: Partial<GraphNode["options"]> = {},
    ): void => {
      nodes.push({
        id,
        type: "command:remote:Command",
        name: id,
        args: { addPreviousOutputInEnv: false, update: "true", ...args },
        options: { parent: CTXT_COMPONENT, dependsOn, ...extra },
      });
    };
    const pinned = this.options.hostKeys?.[master.id];
    const serverProbe = this.options.waitProbe === "server";
    // The command provider (1.2.1) never checks host keys (its SSH config ignores them), so the
    // server's probe is where the master's key is captured at first contact and verified later.
    const firstContact = this.connection(conn, false);
    const serverKeyed = this.connection(conn, true);
    const triggers = [g];

    if (serverProbe) {
      const probe = {
        host: conn.host,
        port: conn.port,
        user: conn.user,
        ...(conn.password !== undefined ? { password: conn.password } : {}),
        privateKey: conn.privateKey ?? this.options.serverKey.privateKey,
        ...(conn.proxy !== undefined ? { proxy: { ...conn.proxy, user: conn.proxy.user ?? conn.user } } : {}),
        timeoutSeconds: s.waitSshAccessTimeout,
        label: `the master VM ${master.system} (VM ${master.id})`,
        endpointFile: this.endpointFile(inf.id),
        ...(pinned !== undefined ? { expectedHostKey: pinned } : {}),
      };
      nodes.push({
        id: "ctxt-wait-master",
        type: "command:local:Command",
        name: "ctxt-wait-master",
        args: {
          create: probeCommand(),
          update: "true",
          stdin: secret({ interpolate: jsonInterpolation(probe) }),
          triggers,
        },
        options: { parent: CTXT_COMPONENT, dependsOn: [...(p.masterLowered.readyNodeIds ?? [])] },
      });
    } else {
      // Spec §2.7 allows a remote.Command probe for standalone programs: dial until WAIT_SSH_ACCCESS_TIMEOUT.
      const dialLimit = Math.ceil(Math.max(0, s.waitSshAccessTimeout - 16) / 5) + 10;
      command(
        "ctxt-wait-master",
        {
          connection: {
            ...(firstContact as Record<string, GraphValue>),
            dialErrorLimit: dialLimit,
            perDialTimeout: 5,
          },
          create: "true",
          triggers,
        },
        [...(p.masterLowered.readyNodeIds ?? [])],
      );
    }
    const c = master.credentials;
    const bootstrapScript = readAsset("bootstrap.sh");
    command(
      "ctxt-bootstrap",
      {
        connection: firstContact,
        create: `sh -c "$(cat <<'IM_BOOTSTRAP'\n${bootstrapScript}IM_BOOTSTRAP\n)" bootstrap ${conf}`,
        stdin: secret(
          `${c.password ?? ""}\n${c.newPassword ?? ""}\n${this.options.serverKey.publicKey.trim()}\n`,
        ),
        logging: "none",
        triggers,
      },
      ["ctxt-wait-master"],
      { additionalSecretOutputs: ["stdout", "stderr"] },
    );
    const version = optionText(inf, "ansible_version");
    const strategy = optionText(inf, "ansible_install") ?? "auto";
    const retries = Math.max(1, s.playbookRetries);
    command(
      "ctxt-tool",
      {
        connection: serverKeyed,
        create:
          `a=0; while [ $a -lt ${retries} ]; do a=$((a+1)); [ $a -gt 1 ] && sleep $(( (a-1)*(a-1)*5 )); ` +
          `timeout ${s.ansibleInstallTimeout} sh -s ${conf} ${shellWord(strategy)} ${shellWord(version ?? "")} <<'IM_TOOL' && exit 0\n` +
          `${readAsset("tool.sh")}IM_TOOL\n` +
          `done; echo "Error configuring the master VM (after ${retries} attempts)"; exit 1`,
        triggers,
      },
      ["ctxt-bootstrap"],
    );
    nodes.push({
      id: "ctxt-bundle",
      type: "command:remote:CopyToRemote",
      name: "ctxt-bundle",
      args: {
        connection: serverKeyed,
        // A FileArchive's contents land directly in remotePath (checked with command 1.2.1 on the rig).
        source: { asset: { kind: "fileArchive", path: this.bundleDir(inf.id) } },
        remotePath: gen,
      },
      options: { parent: CTXT_COMPONENT, dependsOn: ["ctxt-tool"] },
    });
    const galaxy = galaxyRequirements(inf.doc, inf.vms);
    const hasGalaxy = galaxy.roles.length + galaxy.collections.length > 0;
    const runsNow = (stage: Stage, vmId: number): boolean =>
      stage.radlStep === undefined || (this.options.configureGenerations?.[vmId] ?? g) === g;
    const dynamic = { ...dynamicFiles(inf, plan, master, g), ...sharedRunFiles(inf, plan, runsNow) };
    const payload = JSON.stringify({ files: dynamic });
    command(
      "ctxt-activate",
      {
        connection: serverKeyed,
        create: `python3 ${gen}/bin/activate.py ${gen} ${maxTime(inf)}`,
        stdin: secret(ph.resolve(payload)),
        logging: "none",
        triggers,
      },
      ["ctxt-bundle"],
      { additionalSecretOutputs: ["stdout", "stderr"] },
    );
    command(
      "ctxt-hosts",
      {
        connection: serverKeyed,
        create:
          `cd ${gen} && export ANSIBLE_CONFIG=${gen}/ansible.cfg && ` +
          (hasGalaxy
            ? `{ for a in 1 2 3 4 5; do timeout ${s.ansibleInstallTimeout} ansible-galaxy install -r galaxy-requirements.yml && break; ` +
              `[ $a = 5 ] && echo "Error installing Galaxy roles and collections."; sleep 10; done; } ; `
            : "") +
          `timeout 600 ansible -i hosts all -m ping -o 2>&1; true`,
        triggers,
      },
      ["ctxt-activate"],
    );

    // Step commands name the generation through ctxt-activate's `gen-current` link, not gen-<g>: a
    // RADL step that a new generation does not re-run (its trigger c(v) unchanged) must keep the
    // same command text, or the engine would run `update` and lose the step's recorded output.
    const current = `${conf}/gen-current`;
    let previous = ["ctxt-hosts"];
    const lastOfVm = new Map<number, string>();
    const stepIds: string[] = [];
    for (const stage of plan.stages) {
      const ids: string[] = [];
      for (const t of stage.perVm) {
        const vm = inf.vms.find((v) => v.id === t.vmId)!;
        const host = inventoryHost(vm);
        if (host === undefined) continue;
        const id = `ctxt-vm${vm.id}-${stage.name}`;
        const own = lastOfVm.get(vm.id);
        const trig =
          stage.radlStep === undefined ? triggers : [this.options.configureGenerations?.[vm.id] ?? g];
        command(
          id,
          {
            connection: serverKeyed,
            create: ph.resolve(
              `sh ${current}/bin/run-step ${current} ${vm.id} ${host} ${stage.name} ${t.tasks.join(" ")}`,
            ),
            triggers: trig,
          },
          [...new Set([...previous, ...(own ? [own] : [])])],
        );
        ids.push(id);
        stepIds.push(id);
        lastOfVm.set(vm.id, id);
      }
      if (ids.length > 0) previous = ids;
    }
    return {
      nodes,
      outputs: {
        // The server reads each step's result line and log from here after the up (§2.9).
        ctxtSteps: Object.fromEntries(stepIds.map((id) => [id, { ref: id, prop: "stdout" }])),
        ctxt: {
          generation: g,
          disabled: false,
          master: master.id,
          confDir: conf,
          // What the server records as the master's host key at first contact (§2.7, §6.5).
          ...(serverProbe
            ? { hostKeys: { [String(master.id)]: { ref: "ctxt-wait-master", prop: "stdout" } } }
            : {}),
          skippedVms: plan.skippedVms,
          stages: plan.stages.map((st) => ({
            name: st.name,
            vms: st.perVm.map((v) => ({ vm: v.vmId, tasks: v.tasks, node: `ctxt-vm${v.vmId}-${st.name}` })),
          })),
        },
      },
    };
  }

  private connection(conn: SshConnectionSpec, withServerKey: boolean): GraphValue {
    const out: Record<string, GraphValue> = { host: conn.host, port: conn.port, user: conn.user };
    if (conn.password !== undefined) out.password = conn.password;
    // The server key is tried first, so a password already rotated by an earlier run does not lock us
    // out; on first contact only a key of the RADL itself takes its place.
    if (withServerKey || conn.privateKey === undefined)
      out.privateKey = secret(this.options.serverKey.privateKey);
    else out.privateKey = conn.privateKey;
    if (conn.proxy !== undefined) {
      const proxy: Record<string, GraphValue> = { host: conn.proxy.host };
      if (conn.proxy.port !== undefined) proxy.port = conn.proxy.port;
      if (conn.proxy.user !== undefined) proxy.user = conn.proxy.user;
      if (conn.proxy.password !== undefined) proxy.password = conn.proxy.password;
      if (conn.proxy.privateKey !== undefined) proxy.privateKey = conn.proxy.privateKey;
      out.proxy = proxy;
    }
    if (withServerKey) {
      out.dialErrorLimit = 5;
      out.perDialTimeout = 10;
    }
    return out;
  }
}

/** The command line of the server's probe CLI (compiled, or the TypeScript source under tsx). */
function probeCommand(): string {
  const js = fileURLToPath(new URL("./ssh-probe-cli.js", import.meta.url));
  if (existsSync(js)) return `${shellWord(process.execPath)} ${shellWord(js)}`;
  const ts = fileURLToPath(new URL("./ssh-probe-cli.ts", import.meta.url));
  return `${shellWord(process.execPath)} --import ${shellWord(import.meta.resolve("tsx"))} ${shellWord(ts)}`;
}

/** A JSON string's inside (no quotes). */
function jsonInside(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

type Part = string | number | GraphRef | GraphSecret;

/**
 * The JSON text of `value` as the parts of one interpolation: leaves may be graph values (refs to VM
 * outputs, interpolations, secrets), which become parts inside a JSON string; literal text is
 * escaped here, references are addresses (no quote or backslash to escape).
 */
function jsonInterpolation(value: Record<string, unknown>): Part[] {
  const parts: Part[] = [];
  const literal = (t: string): void => {
    const last = parts[parts.length - 1];
    if (typeof last === "string") parts[parts.length - 1] = last + t;
    else parts.push(t);
  };
  const inString = (v: unknown): void => {
    if (typeof v === "string" || typeof v === "number") literal(jsonInside(String(v)));
    else if (isObject(v) && "secret" in v && Object.keys(v).length === 1) {
      const inner = v.secret;
      if (typeof inner === "string") parts.push({ secret: jsonInside(inner) });
      else if (isObject(inner) && "ref" in inner) parts.push({ secret: inner as unknown as GraphValue });
      else inString(inner);
    } else if (isObject(v) && "interpolate" in v && Array.isArray(v.interpolate)) {
      for (const p of v.interpolate) inString(p);
    } else if (isObject(v) && "ref" in v) parts.push(v as unknown as GraphRef);
    else throw new Error(`cannot place ${JSON.stringify(v)} in the probe request`);
  };
  const walk = (v: unknown): void => {
    if (v === null || typeof v === "number" || typeof v === "boolean") literal(JSON.stringify(v));
    else if (isObject(v) && !("ref" in v || "interpolate" in v || "secret" in v)) {
      literal("{");
      Object.entries(v).forEach(([k, x], i) => {
        literal(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`);
        walk(x);
      });
      literal("}");
    } else {
      literal('"');
      inString(v);
      literal('"');
    }
  };
  walk(value);
  return parts;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optionText(inf: CtxtInfrastructure, name: string): string | undefined {
  const o = inf.doc.contextualize.options?.get(name);
  if (o === undefined) return undefined;
  return typeof o.value === "string" ? o.value : o.value.text;
}

function maxTime(inf: CtxtInfrastructure): number {
  const t = inf.doc.contextualize.maxTime;
  return t === 0 || t.value <= 0 ? inf.settings.maxContextualizationTime : Math.floor(t.value);
}

/** A single shell word for values that come from the RADL (never secrets). */
function shellWord(v: string): string {
  return `'${v.replaceAll("'", `'\\''`)}'`;
}
