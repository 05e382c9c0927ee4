/**
 * One contextualization run of an infrastructure (spec contextualization.md §2.9, §2.10): the `up`
 * of the full graph (VMs + the CommandContextualizer's `ctxt-*` nodes) watched through its engine
 * events. While it runs it keeps the infrastructure log (IM phase lines from the infrastructure
 * nodes) and each VM's log (the step nodes' output lines as they arrive); at the end each step's
 * `IM-CTXT-RESULT` line decides whether the VM is configured. A watchdog aborts the run at the
 * maximum contextualization time plus a grace period; the caller's signal cancels it.
 *
 * `radl up` and the IM server both use it; launching is a separate, earlier `up` of `launchGraph`.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { ResourceGraph } from "../compiler/graph/types.js";
import {
  infrastructureLine,
  parseStepOutput,
  vmStatusLine,
  type StepResult,
} from "../runtime/contextualize/contmsg.js";
import { CTXT_COMPONENT } from "../runtime/contextualize/graph.js";
import { followMasterLogs, type LogFollower } from "../runtime/contextualize/live-logs.js";
import { OperationCancelledError } from "./errors.js";
import type { GraphOperationOptions, StackManager, UpOutcome } from "./stack-manager.js";

/** What the contextualizer put in `graph.outputs.extra.ctxt` (runtime/contextualize/graph.ts). */
export interface CtxtGraphInfo {
  generation: number;
  disabled: boolean;
  reason?: string;
  error?: string;
  master?: number;
  /** The master's conf dir; step logs are `<confDir>/run/<generation>/<vm>/<stage>.log`. */
  confDir?: string;
  skippedVms: number[];
  stages: { name: string; vms: { vm: number; tasks: string[]; node: string }[] }[];
}

const INFRA_NODES = [
  "ctxt-wait-master",
  "ctxt-bootstrap",
  "ctxt-tool",
  "ctxt-bundle",
  "ctxt-activate",
  "ctxt-hosts",
];

/** The IM's phase messages (spec §1.11, §2.9), said when an infrastructure node starts. */
const PHASE_LINES: Record<string, string[]> = {
  "ctxt-wait-master": [
    "Select master VM",
    "Wait master VM to boot",
    "Wait master VM to have the SSH active.",
  ],
  "ctxt-tool": ["Configure Ansible in the master VM."],
  "ctxt-bundle": ["Creating and copying Ansible playbook files"],
  "ctxt-activate": ["Copying YAML, hosts and inventory files."],
};
const DONE_LINES: Record<string, string> = {
  "ctxt-tool": "Ansible successfully configured in the master VM.",
};

export const MAX_TIME_PASSED = "ERROR: Max contextualization time passed.";

/** Live text kept per step before its final output arrives (that output is capped on the master too). */
const LIVE_CAP = 1 << 20;

export function isContextualizationNode(id: string, parent?: string): boolean {
  return id === CTXT_COMPONENT || parent === CTXT_COMPONENT || id.startsWith("ctxt-");
}

/** The graph without the contextualization nodes and outputs: the launch (phase 1) `up`. */
export function launchGraph(graph: ResourceGraph): ResourceGraph {
  const nodes = graph.nodes.filter((n) => !isContextualizationNode(n.id, n.options?.parent));
  const extra = { ...(graph.outputs.extra ?? {}) };
  delete extra.ctxt;
  delete extra.ctxtSteps;
  return { ...graph, nodes, outputs: { ...graph.outputs, extra } };
}

export function contextualizationInfo(graph: ResourceGraph): CtxtGraphInfo | undefined {
  const info = graph.outputs.extra?.ctxt as Partial<CtxtGraphInfo> | undefined;
  if (info === undefined || typeof info !== "object" || info === null) return undefined;
  return {
    generation: Number(info.generation ?? 0),
    disabled: Boolean(info.disabled),
    ...(typeof info.reason === "string" ? { reason: info.reason } : {}),
    ...(typeof info.error === "string" ? { error: info.error } : {}),
    ...(typeof info.master === "number" ? { master: info.master } : {}),
    ...(typeof info.confDir === "string" ? { confDir: info.confDir } : {}),
    skippedVms: Array.isArray(info.skippedVms) ? info.skippedVms : [],
    stages: Array.isArray(info.stages) ? info.stages : [],
  };
}

export interface VmContextualization {
  vm: number;
  /** null while the run has not decided (live snapshots). */
  configured: boolean | null;
  log: string;
  results: StepResult[];
}

export interface ContextualizationSnapshot {
  infrastructureLog: string;
  vms: Map<number, VmContextualization>;
}

export interface ContextualizationOutcome extends ContextualizationSnapshot {
  /** False when an infrastructure node failed, the run timed out or was cancelled. */
  ok: boolean;
  timedOut: boolean;
  cancelled: boolean;
  error?: string;
  up?: UpOutcome;
  /** Step nodes created or replaced by this run (0 for an `up` that re-ran nothing). */
  stepsRun: number;
}

export interface ContextualizationRunOptions extends GraphOperationOptions {
  /** MAX_CONTEXTUALIZATION_TIME (or the RADL's `contextualize <s>`), seconds; 0 = no watchdog. */
  maxTimeSeconds?: number;
  /** Seconds after the deadline before the watchdog aborts the `up` (the master stops first, §2.10). */
  graceSeconds?: number;
  /** Called whenever a log grows; cheap to call often (callers persist at their own pace). */
  onProgress?: (snapshot: ContextualizationSnapshot) => void;
  /** Clock for log lines (tests). */
  now?: () => Date;
  /**
   * Follow the step logs on the master while they grow (live-logs.ts): the file where the server
   * probe records the master's endpoint (CommandContextualizer.endpointFile) and the server key.
   */
  liveLogs?: { endpointFile: string; serverPrivateKey: string };
  /** Log text kept from before (a resumed run continues the same logs). */
  previous?: { infrastructureLog: string; vmLogs: Map<number, string> };
}

function nodeName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function stdoutOf(outputs: Record<string, unknown> | undefined): string | undefined {
  const v = outputs?.stdout;
  if (typeof v === "string") return v;
  // secret outputs arrive wrapped; step nodes' stdout is never secret, so this only skips them
  return undefined;
}

/** See the module comment. One instance per run. */
export class ContextualizationRun {
  private infrastructureLog: string;
  private readonly previousVmLogs: Map<number, string>;
  private readonly live = new Map<string, string>();
  private readonly final = new Map<string, string>();
  private readonly nodeOf = new Map<string, { vm: number; stage: string }>();
  private readonly info: CtxtGraphInfo | undefined;
  private infraError: string | undefined;
  private stepsRun = 0;
  private follower: LogFollower | undefined;
  private readonly now: () => Date;

  constructor(
    readonly stack: string,
    readonly graph: ResourceGraph,
    private readonly options: ContextualizationRunOptions = {},
  ) {
    this.info = contextualizationInfo(graph);
    this.now = options.now ?? (() => new Date());
    this.infrastructureLog = options.previous?.infrastructureLog ?? "";
    this.previousVmLogs = options.previous?.vmLogs ?? new Map();
    for (const stage of this.info?.stages ?? [])
      for (const v of stage.vms) this.nodeOf.set(v.node, { vm: v.vm, stage: stage.name });
  }

  /** The VM ids this run configures (those with step nodes). */
  get vmIds(): number[] {
    return [...new Set([...this.nodeOf.values()].map((n) => n.vm))].sort((a, b) => a - b);
  }

  private line(message: string): void {
    this.infrastructureLog += infrastructureLine(message, this.now());
  }

  /** The logs so far (VM logs: each stage's final output, else the lines received for it). */
  snapshot(decided?: Map<number, boolean>): ContextualizationSnapshot {
    const vms = new Map<number, VmContextualization>();
    for (const stage of this.info?.stages ?? []) {
      for (const v of stage.vms) {
        const entry = vms.get(v.vm) ?? {
          vm: v.vm,
          configured: decided?.get(v.vm) ?? null,
          log: this.previousVmLogs.get(v.vm) ?? "",
          results: [],
        };
        const out = this.final.get(v.node);
        if (out !== undefined) {
          const parsed = parseStepOutput(out);
          entry.log += parsed.log.endsWith("\n") || parsed.log === "" ? parsed.log : `${parsed.log}\n`;
          if (parsed.result) entry.results.push(parsed.result);
        } else {
          entry.log += this.live.get(v.node) ?? "";
        }
        vms.set(v.vm, entry);
      }
    }
    for (const id of this.info?.skippedVms ?? [])
      vms.set(id, {
        vm: id,
        configured: decided?.get(id) ?? null,
        log: "Contextualization disabled\n",
        results: [],
      });
    return { infrastructureLog: this.infrastructureLog, vms };
  }

  private progress(): void {
    try {
      this.options.onProgress?.(this.snapshot());
    } catch {
      // a listener's failure must not stop the run
    }
  }

  private onEvent(event: EngineEvent): void {
    const pre = event.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same") {
      const name = nodeName(pre.urn);
      for (const l of PHASE_LINES[name] ?? []) this.line(l);
      if (this.nodeOf.has(name) && (pre.op === "create" || pre.op === "create-replacement")) {
        this.stepsRun++;
        // the log follower may have delivered lines of a shared stage run before the node started
        if (!this.live.has(name)) this.live.set(name, "");
        // a resumed run finds ctxt-activate done already
        this.startFollowing();
      }
      this.progress();
      return;
    }
    const done = event.resOutputsEvent?.metadata;
    if (done) {
      const name = nodeName(done.urn);
      if (done.op !== "same" && DONE_LINES[name]) this.line(DONE_LINES[name]);
      if (done.op !== "same" && name === "ctxt-activate") this.startFollowing();
      const out = stdoutOf(done.new?.outputs);
      if (this.nodeOf.has(name) && out !== undefined) this.final.set(name, out);
      this.progress();
      return;
    }
    const diag = event.diagnosticEvent;
    if (diag?.urn) {
      const name = nodeName(diag.urn);
      if (this.nodeOf.has(name) && diag.severity !== "error") {
        const text = diag.message.endsWith("\n") ? diag.message : `${diag.message}\n`;
        this.live.set(name, (this.live.get(name) ?? "") + text);
        this.progress();
      } else if (INFRA_NODES.includes(name) && diag.severity === "error" && !diag.ephemeral) {
        this.infraError ??= diag.message.trim();
      }
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) {
      const name = nodeName(failed.urn);
      if (INFRA_NODES.includes(name)) this.infraError ??= `${name} failed`;
    }
  }

  /** Runs the `up`; never throws for a failed contextualization (the outcome says it). */
  async run(manager: StackManager): Promise<ContextualizationOutcome> {
    const info = this.info;
    if (info === undefined || info.disabled) {
      const up = await manager.upGraph(this.stack, this.graph, this.upOptions());
      if (info?.disabled) this.line("Contextualization disabled by the RADL/TOSCA template.");
      return this.finish({ ok: true, up });
    }
    if (info.error !== undefined) {
      const up = await manager.upGraph(this.stack, this.graph, this.upOptions());
      this.line(`Contextualization Error: ${info.error}`);
      return this.finish({ ok: false, up, error: info.error });
    }
    this.line("Contextualization started.");
    const watchdog = new AbortController();
    let timedOut = false;
    const maxTime = this.options.maxTimeSeconds ?? 0;
    const timer =
      maxTime > 0
        ? setTimeout(
            () => {
              timedOut = true;
              watchdog.abort();
            },
            (maxTime + (this.options.graceSeconds ?? 60)) * 1000,
          )
        : undefined;
    const signals = [watchdog.signal, ...(this.options.signal ? [this.options.signal] : [])];
    try {
      const up = await manager.upGraph(this.stack, this.graph, this.upOptions(AbortSignal.any(signals)));
      const out = (up.outputs.ctxtSteps?.value ?? {}) as Record<string, string>;
      for (const [node, stdout] of Object.entries(out))
        if (typeof stdout === "string" && this.nodeOf.has(node)) this.final.set(node, stdout);
      return this.finish({ ok: true, up });
    } catch (error) {
      if (error instanceof OperationCancelledError) {
        if (timedOut) this.line(MAX_TIME_PASSED);
        else this.line("Contextualization cancelled.");
        return this.finish({ ok: false, timedOut, cancelled: !timedOut, error: error.message });
      }
      const message = this.infraError ?? (error as Error).message;
      this.line(`Contextualization Error: ${message}`);
      return this.finish({ ok: false, error: message });
    } finally {
      if (timer) clearTimeout(timer);
      this.follower?.stop();
    }
  }

  private startFollowing(): void {
    const live = this.options.liveLogs;
    const info = this.info;
    if (live === undefined || info?.confDir === undefined || this.follower !== undefined) return;
    const nodeOfFile = new Map<string, string>();
    for (const [node, { vm, stage }] of this.nodeOf)
      nodeOfFile.set(`${info.confDir}/run/${info.generation}/${vm}/${stage}.log`, node);
    this.follower = followMasterLogs(live.endpointFile, live.serverPrivateKey, [...nodeOfFile.keys()], {
      onText: (file, text) => {
        const node = nodeOfFile.get(file);
        if (node === undefined || this.final.has(node)) return;
        const before = this.live.get(node) ?? "";
        if (before.length > LIVE_CAP) return;
        this.live.set(node, before + text);
        this.progress();
      },
      onReset: (file) => {
        const node = nodeOfFile.get(file);
        if (node !== undefined) this.live.set(node, "");
      },
    });
  }

  private upOptions(signal?: AbortSignal): GraphOperationOptions {
    const own = this.options.onEvent;
    return {
      ...this.options,
      ...(signal ? { signal } : {}),
      message: this.options.message ?? "contextualize",
      onEvent: (e) => {
        this.onEvent(e);
        own?.(e);
      },
    };
  }

  private finish(
    r: Partial<ContextualizationOutcome> & { ok: boolean; up?: UpOutcome },
  ): ContextualizationOutcome {
    const snap = this.snapshot();
    const expected = new Map<number, number>();
    for (const stage of this.info?.stages ?? [])
      for (const v of stage.vms) expected.set(v.vm, (expected.get(v.vm) ?? 0) + 1);
    let allOk = r.ok;
    for (const [id, vm] of snap.vms) {
      if (this.info?.skippedVms.includes(id)) {
        vm.configured = true;
        continue;
      }
      const complete = vm.results.length === (expected.get(id) ?? 0);
      vm.configured = r.ok && complete && vm.results.every((x) => x.ok);
      if (complete) vm.log += vmStatusLine(vm.results);
      else if (r.timedOut) vm.log += `${MAX_TIME_PASSED}\n`;
      else vm.log += "Contextualization not finished.\n";
      if (!vm.configured) allOk = false;
    }
    if (r.ok) this.line(allOk ? "Contextualization finished." : "Contextualization finished with errors.");
    return {
      infrastructureLog: this.infrastructureLog,
      vms: snap.vms,
      ok: r.ok,
      timedOut: r.timedOut ?? false,
      cancelled: r.cancelled ?? false,
      stepsRun: this.stepsRun,
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.up ? { up: r.up } : {}),
    };
  }
}

/** Convenience: one run, as `radl up` and the server's jobs call it. */
export function contextualize(
  manager: StackManager,
  stack: string,
  graph: ResourceGraph,
  options: ContextualizationRunOptions = {},
): Promise<ContextualizationOutcome> {
  return new ContextualizationRun(stack, graph, options).run(manager);
}

/** The host keys the probe recorded in this run (`outputs.ctxt.hostKeys`), by VM id. */
export function recordedHostKeys(
  outputs: Record<string, { value: unknown }> | undefined,
): Record<string, string> {
  const ctxt = outputs?.ctxt?.value as { hostKeys?: Record<string, unknown> } | undefined;
  const keys: Record<string, string> = {};
  for (const [vm, key] of Object.entries(ctxt?.hostKeys ?? {})) {
    if (typeof key === "string" && key.trim() !== "") keys[vm] = key.trim();
  }
  return keys;
}
