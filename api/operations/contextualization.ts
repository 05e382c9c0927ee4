/**
 * The server's contextualization jobs (spec contextualization.md §2.6, §2.9–§2.13, im-api.md §4.2):
 * each Create/AddResource(context)/RemoveResource(context)/Reconfigure bumps the infrastructure's
 * generation g (and the configure generation c(v) of the VMs it reconfigures), then runs the shared
 * `ContextualizationRun` (stacks/contextualization-run.ts, the same code `radl up` uses) in the
 * background as a "ctxt" job in DATA_DB. Its logs are written into the record while it runs, its step
 * results make the VMs configured or unconfigured. One run per infrastructure: a new one, a removal
 * or a destroy cancels the running one first. After a restart, an unfinished job runs phase 2 again
 * for the same generation (finished steps are in the state; `run-step` attaches or reports the rest).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuthItem } from "../../compiler/auth/types.js";
import { loadRadl } from "../../compiler/load.js";
import { lowerPlanDetailed, type DeploymentPlan, type DriverLookup } from "../../compiler/plan/index.js";
import { CommandContextualizer } from "../../runtime/contextualize/graph.js";
import type { CtxtSettings } from "../../runtime/contextualize/model.js";
import { generateServerKeyAsync, type ServerKey } from "../../runtime/contextualize/server-key.js";
import {
  ContextualizationRun,
  recordedHostKeys,
  type ContextualizationSnapshot,
} from "../../stacks/contextualization-run.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import type { InfrastructureRecord, JobRecord, JsonObject } from "../store/index.js";
import { logLine, type InfData } from "./record.js";

/** im.cfg settings of contextualization (im-api.md §5.4). */
export interface ContextualizationConfig {
  /** Server-side root of the bundles, `<DATA_DIR>/bundles`. */
  bundleRoot: string;
  settings?: Partial<CtxtSettings>;
  /** UPDATE_CTXT_LOG_INTERVAL: seconds between two writes of the live logs (≤ 0: 1 s). */
  logIntervalSeconds?: number;
}

/** Kept in the record's (encrypted) secrets under `ctxt`. */
export interface CtxtRecordState {
  generation: number;
  /** c(v) of VMs whose configure generation is older than g (Reconfigure with a VM list). */
  configureGenerations: Record<string, number>;
  serverKey: ServerKey;
  /** Host keys recorded at first contact by the server's SSH probe, by VM id (§2.7): verified later. */
  hostKeys?: Record<string, string>;
  /** Epoch seconds when the current generation's run started (deadline after a restart). */
  startedAt?: number;
}

/** What the service lends to the jobs (its record access and job bookkeeping). */
export interface ContextualizationHost {
  stacks: StackManager;
  drivers: DriverLookup;
  getRecord(infId: string): Promise<InfrastructureRecord | undefined>;
  write(infId: string, change: (data: InfData) => void, secrets?: JsonObject): Promise<void>;
  planOf(record: InfrastructureRecord): DeploymentPlan | undefined;
  newJob(infId: string, kind: string, params: JsonObject): Promise<JobRecord>;
  jobState(job: JobRecord, state: JobRecord["state"], error?: string | null): Promise<void>;
  track(run: Promise<unknown>): void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  /** Ends the generation's processes on the master (set once the run knows its master). */
  kill?: () => Promise<void>;
}

export function ctxtStateOf(record: InfrastructureRecord): CtxtRecordState | undefined {
  const raw = record.secrets.ctxt as unknown as CtxtRecordState | undefined;
  return raw && typeof raw === "object" && raw.serverKey ? raw : undefined;
}

export class ContextualizationJobs {
  private readonly running = new Map<string, Running>();
  private detaching = false;

  constructor(
    private readonly host: ContextualizationHost,
    private readonly config: ContextualizationConfig,
  ) {}

  private get maxTime(): number {
    return this.config.settings?.maxContextualizationTime ?? 7200;
  }

  /** Whether a run of this infrastructure is going on. */
  isRunning(infId: string): boolean {
    return this.running.has(infId);
  }

  /**
   * Server shutdown: stops watching every run without ending it. The engine operation is cancelled,
   * the playbooks go on on the masters, the jobs stay `running` in DATA_DB with the logs last
   * written, and the next start resumes them (§2.13), as after a crash but without the wait.
   */
  async detach(): Promise<void> {
    this.detaching = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.allSettled(all.map((r) => r.done));
  }

  /** Cancels the running job of the infrastructure (if any) and waits for it to end. */
  async cancel(infId: string): Promise<void> {
    const r = this.running.get(infId);
    if (!r) return;
    r.controller.abort();
    // the engine does not stop remote commands (§2.1-5): end them on the master too
    await r.kill?.().catch(() => undefined);
    await r.done;
  }

  /**
   * A new generation: g + 1; c(v) = g for `vms` (all when null); logs and flags reset (logs of
   * destroyed VMs are kept); the run starts in the background. Resolves once the job is recorded.
   */
  async start(infId: string, vms: number[] | null, auth: AuthItem[]): Promise<void> {
    await this.cancel(infId);
    const record = await this.host.getRecord(infId);
    if (!record) return;
    const previous = ctxtStateOf(record);
    const generation = (previous?.generation ?? 0) + 1;
    const configureGenerations: Record<string, number> = {};
    if (vms !== null) {
      for (const vm of this.host.planOf(record)?.vms ?? []) {
        if (vms.includes(vm.id)) continue;
        const old = previous?.configureGenerations[String(vm.id)] ?? previous?.generation;
        if (old !== undefined) configureGenerations[String(vm.id)] = old;
      }
    }
    const state: CtxtRecordState = {
      generation,
      configureGenerations,
      serverKey: previous?.serverKey ?? (await generateServerKeyAsync(`radl-pulumi-${infId}`)),
      ...(previous?.hostKeys ? { hostKeys: previous.hostKeys } : {}),
      startedAt: Math.floor(Date.now() / 1000),
    };
    await this.host.write(
      infId,
      (d) => {
        d.cont_out = "";
        d.configured = null;
        for (const vm of d.vm_list) {
          if (vm.destroy || vm.id === null) continue;
          vm.configured = null;
          vm.cont_out = "";
        }
      },
      { ctxt: state as unknown as JsonObject },
    );
    const job = await this.host.newJob(infId, "ctxt", { generation });
    // Settled at once when nothing runs over SSH (disabled, Dummy VMs), else once the run started.
    await this.launch(job, infId, auth, false);
  }

  /** A ctxt job a stopped server left unfinished (§2.13). */
  resume(job: JobRecord): void {
    if (!job.infId) {
      void this.host.jobState(job, "failed", "No infrastructure");
      return;
    }
    void this.launch(job, job.infId, [], true);
  }

  private launch(job: JobRecord, infId: string, auth: AuthItem[], resumed: boolean): Promise<void> {
    const controller = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const done = this.run(job, infId, auth, resumed, controller.signal, ready)
      .catch(async (err: unknown) => {
        if (this.detaching && controller.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        await this.host
          .write(infId, (d) => {
            d.configured = false;
            d.cont_out += logLine(`Contextualization Error: ${message}`);
          })
          .catch(() => undefined);
        await this.host.jobState(job, "failed", message);
      })
      .finally(() => {
        ready();
        if (this.running.get(infId)?.controller === controller) this.running.delete(infId);
      });
    this.running.set(infId, { controller, done });
    this.host.track(done);
    return started;
  }

  private async run(
    job: JobRecord,
    infId: string,
    auth: AuthItem[],
    resumed: boolean,
    signal: AbortSignal,
    started: () => void,
  ): Promise<void> {
    await this.host.jobState(job, "running");
    const record = await this.host.getRecord(infId);
    const planned = record ? this.host.planOf(record) : undefined;
    // Reconfigure changes the stored RADL (configure, contextualize), not the launch plan
    const plan = planned && record ? withStoredDocument(planned, record) : undefined;
    const state = record ? ctxtStateOf(record) : undefined;
    if (!record || !plan || !state) {
      await this.host.jobState(job, "failed", "The infrastructure has no plan to contextualize");
      return;
    }
    const data = record.data as unknown as InfData;
    let maxTime = maxTimeOf(plan, this.maxTime);
    if (resumed) {
      const elapsed = Math.floor(Date.now() / 1000) - (state.startedAt ?? 0);
      maxTime -= elapsed;
      if (maxTime <= 0) {
        const reason =
          "ERROR: Max contextualization time passed: interrupted by a server restart after the maximum contextualization time.";
        await this.host.write(infId, (d) => {
          d.configured = false;
          d.cont_out += logLine(reason);
          for (const vm of d.vm_list) if (!vm.destroy && vm.configured === null) vm.configured = false;
        });
        await this.host.jobState(job, "failed", reason);
        return;
      }
    }
    const contextualizer = new CommandContextualizer({
      generation: state.generation,
      configureGenerations: Object.fromEntries(
        Object.entries(state.configureGenerations).map(([k, v]) => [Number(k), v]),
      ),
      serverKey: state.serverKey,
      bundleRoot: this.config.bundleRoot,
      settings: this.config.settings ?? {},
      // The server probes SSH itself: clear errors for F1/F2 and the master's host key pinned.
      waitProbe: "server",
      hostKeys: Object.fromEntries(Object.entries(state.hostKeys ?? {}).map(([k, v]) => [Number(k), v])),
      ...(typeof data.vm_master === "number" ? { previousMaster: data.vm_master } : {}),
    });
    const lowered = lowerPlanDetailed(plan, this.host.drivers, { contextualizer, auth });
    // A connector whose VMs cannot be reached over SSH (Dummy) is not contextualized: its VMs
    // are declared configured, as the IM does for them.
    const info = lowered.graph.outputs.extra?.ctxt as { disabled?: boolean; master?: number } | undefined;
    const disabled = info?.disabled === true;
    if (disabled || lowered.vms.every((v) => v.connection === undefined)) {
      await this.host.write(infId, (d) => {
        d.cont_out = disabled
          ? "Contextualization disabled by the RADL/TOSCA template.\n\n"
          : logLine("Contextualization started.") + logLine("Contextualization finished.");
        d.configured = true;
        for (const vm of d.vm_list) {
          if (vm.destroy || vm.id === null) continue;
          vm.configured = true;
          vm.cont_out = disabled ? "Contextualization disabled\n" : logLine("VM configured.");
        }
      });
      await this.host.jobState(job, "succeeded");
      return;
    }
    contextualizer.writeBundle({ plan, vms: lowered.vms, nodes: lowered.graph.nodes });
    const masterVm = lowered.vms.find((v) => v.vm.id === info?.master);
    const masterIps = Object.values(data.vm_list.find((v) => v.im_id === info?.master)?.ips ?? {});
    const host = typeof masterVm?.connection?.host === "string" ? masterVm.connection.host : masterIps[0];
    const running = this.running.get(infId);
    if (running && masterVm?.connection && host && masterVm.connection.proxy === undefined) {
      const conf = `${this.config.settings?.remoteConfDir ?? "/var/tmp/.im"}/${infId}`;
      running.kill = () =>
        killGeneration(
          { host, port: masterVm.connection!.port, user: masterVm.connection!.user },
          state.serverKey.privateKey,
          `sh ${conf}/gen-${state.generation}/bin/kill-gen ${conf} ${state.generation}`,
        );
    }

    const previous = resumed
      ? {
          infrastructureLog: `${data.cont_out}${logLine("Contextualization resumed after a server restart.")}`,
          // a VM's log is rebuilt whole: finished steps from the state, a step still running on
          // the master from its log there (run-step prints it from the start when it attaches)
          vmLogs: new Map<number, string>(),
        }
      : undefined;
    let pending: ContextualizationSnapshot | undefined;
    let writing: Promise<void> = Promise.resolve();
    const interval = Math.max(1, this.config.logIntervalSeconds ?? 20) * 1000;
    const flush = () => {
      const snap = pending;
      pending = undefined;
      if (!snap) return;
      writing = writing.then(() => this.host.write(infId, (d) => applyLogs(d, snap)).catch(() => undefined));
    };
    const timer = setInterval(flush, interval);
    timer.unref();
    const run = new ContextualizationRun(infId, lowered.graph, {
      signal,
      maxTimeSeconds: maxTime,
      message: `contextualize generation ${state.generation}`,
      onProgress: (s) => (pending = s),
      liveLogs: {
        endpointFile: contextualizer.endpointFile(infId),
        serverPrivateKey: state.serverKey.privateKey,
      },
      ...(previous ? { previous } : {}),
    });
    let outcome;
    try {
      started();
      outcome = await run.run(this.host.stacks);
    } finally {
      clearInterval(timer);
      pending = undefined;
      await writing;
    }
    if (outcome.cancelled && this.detaching) return;
    const master = info?.master;
    const seen = recordedHostKeys(outcome.up?.outputs);
    const hostKeys = { ...(state.hostKeys ?? {}), ...seen };
    await this.host.write(
      infId,
      (d) => {
        applyLogs(d, outcome);
        d.configured = outcome.ok;
        if (typeof master === "number") d.vm_master = master;
        for (const vm of d.vm_list) {
          if (vm.destroy || vm.id === null) continue;
          const result = outcome.vms.get(vm.im_id);
          vm.configured = result ? result.configured === true : outcome.ok;
        }
      },
      Object.keys(seen).length > 0 ? { ctxt: { ...state, hostKeys } as unknown as JsonObject } : undefined,
    );
    await this.host.jobState(
      job,
      outcome.cancelled ? "cancelled" : outcome.ok ? "succeeded" : "failed",
      outcome.error ?? null,
    );
  }
}

function applyLogs(d: InfData, snap: ContextualizationSnapshot): void {
  d.cont_out = snap.infrastructureLog;
  for (const vm of d.vm_list) {
    if (vm.destroy) continue;
    const log = snap.vms.get(vm.im_id);
    if (log) vm.cont_out = log.log;
  }
}

/** Runs `command` on the master with the server key through the OpenSSH client (best effort, ≤ 30 s). */
function killGeneration(
  target: { host: string; port: number; user: string },
  privateKey: string,
  command: string,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "radl-kill-"));
  const key = join(dir, "key");
  writeFileSync(key, privateKey, { mode: 0o600 });
  const options = [
    "BatchMode=yes",
    "StrictHostKeyChecking=no",
    "UserKnownHostsFile=/dev/null",
    "ConnectTimeout=5",
  ];
  const child = spawn(
    "ssh",
    [
      ...options.flatMap((o) => ["-o", o]),
      "-i",
      key,
      "-p",
      String(target.port),
      `${target.user}@${target.host}`,
      command,
    ],
    { stdio: "ignore" },
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    child.on("error", done);
    child.on("close", done);
  });
}

function withStoredDocument(plan: DeploymentPlan, record: InfrastructureRecord): DeploymentPlan {
  const text = (record.data as unknown as InfData).radl;
  if (typeof text !== "string" || text.trim() === "") return plan;
  const loaded = loadRadl(text, { source: "<stored>", lenient: true });
  return loaded.document ? { ...plan, document: loaded.document } : plan;
}

function maxTimeOf(plan: DeploymentPlan, fallback: number): number {
  const t = plan.document.contextualize.maxTime;
  return t === 0 || t.value <= 0 ? fallback : Math.floor(t.value);
}

/** `<DATA_DIR>/bundles`, where the server writes each generation's static files. */
export function bundleRootOf(dataDir: string): string {
  return join(dataDir, "bundles");
}
