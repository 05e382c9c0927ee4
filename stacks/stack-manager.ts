import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  LocalWorkspace,
  type Deployment,
  type EngineEvent,
  type LocalWorkspaceOptions,
  type OpMap,
  type OutputMap,
  type PulumiCommand,
  type PulumiFn,
  type Stack,
  type UpdateSummary,
} from "@pulumi/pulumi/automation/index.js";
import type { ResourceGraph } from "../compiler/graph/types.js";
import type { RegisterOptions } from "../runtime/register.js";
import { graphProgram } from "./graph-program.js";
import { lowPriorityEngine } from "./engine-priority.js";
import { pendingOperations, readFileBackendLocks, type PendingOperation } from "./backend-locks.js";
import { classifyEngineError } from "./classify-error.js";
import {
  engineEnv,
  ensureCommandPlugin,
  locateEngine,
  pulumiCommand,
  type EngineInstallation,
} from "./engine.js";
import {
  BackendUnreachableError,
  EngineOperationError,
  InvalidStackNameError,
  InvalidStateError,
  OperationCancelledError,
  StackLayerError,
  StackManagerClosedError,
  StackNotFoundError,
} from "./errors.js";
import { OperationJournal, processIsGone } from "./journal.js";
import { SerialQueue } from "./serial-queue.js";
import { Semaphore } from "./semaphore.js";
import {
  fileBackendDir,
  prepareDataDir,
  resolveStackSettings,
  type StackManagerConfig,
  type StackSettings,
} from "./settings.js";

export type StackOperation =
  | "preview"
  | "up"
  | "refresh"
  | "destroy"
  | "remove"
  | "outputs"
  | "export"
  | "import"
  | "history"
  | "recover";

/** An engine event of one operation, as delivered to subscribers. */
export interface StackEvent {
  stack: string;
  operation: StackOperation;
  operationId: number;
  event: EngineEvent;
}

export type StackEventListener = (event: StackEvent) => void;

export interface OperationOptions {
  /** Aborting cancels the operation: it leaves the queue, or the engine is interrupted. */
  signal?: AbortSignal;
  /** Events of this operation only (subscribers of the manager get them too). */
  onEvent?: (event: EngineEvent) => void;
  /** Raw engine output, for logs. */
  onOutput?: (text: string) => void;
  message?: string;
}

export interface GraphOperationOptions extends OperationOptions {
  /** Passed to registerGraph (extra factories for tokens outside the table). */
  register?: RegisterOptions;
}

export interface UpOutcome {
  outputs: OutputMap;
  summary: UpdateSummary;
}

export interface PreviewOutcome {
  changeSummary: OpMap;
}

export interface RefreshOptions extends OperationOptions {
  /** Drops pending creates left by an interrupted operation (their resources were never recorded). */
  clearPendingCreates?: boolean;
}

export interface DestroyOptions extends OperationOptions {
  /** Also removes the stack (its state and history) once it is empty. */
  remove?: boolean;
}

export interface HistoryEntry {
  version: number;
  kind: string;
  result: string;
  startTime: Date;
  endTime: Date;
  message: string;
  resourceChanges?: OpMap;
}

/** What start-up repair did to one stack. */
export interface RecoveryRecord {
  stack: string;
  reasons: string[];
  removedLocks: number;
  pendingOperations: PendingOperation[];
  /** Copy of the state taken before any repair, in `<data>/recovery/`. */
  backupFile?: string;
  refreshed: boolean;
  error?: StackLayerError;
}

export interface StackManagerOptions extends StackManagerConfig {
  /** Repair interrupted stacks while opening (default true). */
  recover?: boolean;
}

const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const noProgram: PulumiFn = async () => ({});

/**
 * One Automation API stack per infrastructure. Operations on one stack run one after the other
 * (a queue); engine runs of all stacks share a global limit; engine events go to subscribers as
 * they arrive. Open with `StackManager.open()`.
 */
export class StackManager {
  private readonly queue = new SerialQueue();
  private readonly engineSlots: Semaphore;
  private readonly listeners = new Set<StackEventListener>();
  private readonly stacks = new Map<string, Stack>();
  private readonly controllers = new Map<string, Set<AbortController>>();
  private readonly journal: OperationJournal;
  private nextOperationId = 1;
  private closed = false;
  /** What the start-up repair did (empty when nothing was interrupted). */
  recovered: RecoveryRecord[] = [];

  private constructor(
    readonly settings: StackSettings,
    readonly engine: EngineInstallation,
    private readonly command: PulumiCommand,
    private readonly env: Record<string, string>,
  ) {
    this.engineSlots = new Semaphore(settings.parallelism);
    this.journal = new OperationJournal(settings.journalDir);
  }

  /**
   * Resolves settings, finds the engine, prepares the data directory (backend dir, passphrase,
   * plugin cache), checks that the backend answers and repairs interrupted stacks.
   */
  static async open(options: StackManagerOptions = {}): Promise<StackManager> {
    const settings = await resolveStackSettings(options);
    const engine = await locateEngine({ root: settings.engineRoot, cacheDir: settings.engineCacheDir });
    await prepareDataDir(settings);
    const command = await pulumiCommand(await lowPriorityEngine(engine, settings.niceness, settings.dataDir));
    await ensureCommandPlugin(engine, settings.pulumiHome);
    let passphrase = settings.passphrase;
    // an inherited PULUMI_CONFIG_PASSPHRASE would win over a passphrase file in the CLI
    if ("file" in passphrase && process.env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
      passphrase = { value: (await readFile(passphrase.file, "utf8")).trim() };
    }
    const env = engineEnv({ pulumiHome: settings.pulumiHome, backendUrl: settings.backendUrl, passphrase });
    const manager = new StackManager(settings, engine, command, env);
    await manager.listStacks();
    if (options.recover !== false) manager.recovered = await manager.recover();
    return manager;
  }

  /** Receives the engine events of every operation; returns the unsubscribe function. */
  subscribe(listener: StackEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Engine runs in progress and waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.engineSlots.running, waiting: this.engineSlots.waiting };
  }

  /** Names of the project's stacks in the backend. */
  async listStacks(): Promise<string[]> {
    const workspace = await this.workspace(join(this.settings.dataDir, "admin-workspace"));
    try {
      const stacks = await workspace.listStacks();
      return stacks.map((s) => s.name.split("/").pop() ?? s.name).sort();
    } catch (error) {
      const typed = classifyEngineError(error, this.context("(all)", "list", false));
      // listing runs no program and touches no stack: what fails there is the backend
      if (typed instanceof EngineOperationError) {
        throw new BackendUnreachableError(
          this.settings.backendUrl,
          typed.detail ?? typed.message,
          undefined,
          {
            cause: error,
          },
        );
      }
      throw typed;
    }
  }

  async stackExists(stack: string): Promise<boolean> {
    validateStackName(stack);
    return (await this.listStacks()).includes(stack);
  }

  async preview(stack: string, program: PulumiFn, options: OperationOptions = {}): Promise<PreviewOutcome> {
    return this.operate(stack, "preview", options, { engine: true, create: true }, async (s, run) => {
      s.workspace.program = program;
      const result = await s.preview({ ...run, message: options.message, color: "never" });
      return { changeSummary: result.changeSummary };
    });
  }

  async up(stack: string, program: PulumiFn, options: OperationOptions = {}): Promise<UpOutcome> {
    return this.operate(stack, "up", options, { engine: true, create: true }, async (s, run) => {
      s.workspace.program = program;
      const result = await s.up({ ...run, message: options.message, color: "never" });
      return { outputs: result.outputs, summary: result.summary };
    });
  }

  /** `up` of the inline program that registers `graph` (checked before the engine starts). */
  async upGraph(
    stack: string,
    graph: ResourceGraph,
    options: GraphOperationOptions = {},
  ): Promise<UpOutcome> {
    validateStackName(stack);
    return this.up(stack, graphProgram(graph, options.register), options);
  }

  async previewGraph(
    stack: string,
    graph: ResourceGraph,
    options: GraphOperationOptions = {},
  ): Promise<PreviewOutcome> {
    validateStackName(stack);
    return this.preview(stack, graphProgram(graph, options.register), options);
  }

  async refresh(stack: string, options: RefreshOptions = {}): Promise<UpdateSummary> {
    return this.operate(stack, "refresh", options, { engine: true, create: false }, async (s, run) => {
      s.workspace.program = noProgram;
      const result = await s.refresh({
        ...run,
        message: options.message,
        clearPendingCreates: options.clearPendingCreates,
        color: "never",
      });
      return result.summary;
    });
  }

  /** Deletes every resource of the stack; with `remove`, the stack itself afterwards. */
  async destroy(stack: string, options: DestroyOptions = {}): Promise<UpdateSummary> {
    return this.operate(stack, "destroy", options, { engine: true, create: false }, async (s, run) => {
      s.workspace.program = noProgram;
      const result = await s.destroy({ ...run, message: options.message, color: "never" });
      if (options.remove) await this.removeNow(stack, s, false);
      return result.summary;
    });
  }

  /** Removes the stack, its state and history; refuses while it has resources unless `force`. */
  async removeStack(stack: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.operate(stack, "remove", options, { engine: false, create: false }, async (s) => {
      await this.removeNow(stack, s, options.force ?? false);
    });
  }

  async outputs(stack: string, options: { signal?: AbortSignal } = {}): Promise<OutputMap> {
    return this.operate(stack, "outputs", options, { engine: false, create: false }, (s) => s.outputs());
  }

  async history(stack: string, pageSize = 20): Promise<HistoryEntry[]> {
    return this.operate(stack, "history", {}, { engine: false, create: false }, async (s) => {
      const entries = await s.history(pageSize, 1);
      return entries.map((e) => ({
        version: e.version,
        kind: e.kind,
        result: e.result,
        startTime: e.startTime,
        endTime: e.endTime,
        message: e.message,
        resourceChanges: e.resourceChanges,
      }));
    });
  }

  /** The stack's state (a Pulumi deployment; secrets stay encrypted with this backend's passphrase). */
  async exportState(stack: string): Promise<Deployment> {
    return this.operate(stack, "export", {}, { engine: false, create: false }, (s) => s.exportStack());
  }

  /**
   * Replaces the stack's state (creating the stack if needed). Moving a stack between backends
   * with different passphrases needs the secrets re-encrypted first; same passphrase works as is.
   */
  async importState(stack: string, state: Deployment): Promise<void> {
    if (
      !state ||
      typeof state !== "object" ||
      typeof state.version !== "number" ||
      typeof state.deployment !== "object"
    ) {
      throw new InvalidStateError(stack, "expected an object with a numeric version and a deployment object");
    }
    await this.operate(stack, "import", {}, { engine: false, create: true }, (s) => s.importStack(state));
  }

  /** Cancels the running and queued operations of a stack; returns how many were signalled. */
  cancel(stack: string): number {
    const controllers = this.controllers.get(stack);
    if (!controllers) return 0;
    for (const c of controllers) c.abort();
    return controllers.size;
  }

  /**
   * Finds stacks whose last operation was interrupted and repairs them: a running journal entry
   * or a file-backend lock whose process is gone on this host, or a failed/cancelled operation.
   * For each: backup of the state, stale locks removed, pending operations cleared by a refresh
   * (resources already recorded are kept and re-read), journal cleared.
   */
  async recover(): Promise<RecoveryRecord[]> {
    const reasons = new Map<string, string[]>();
    const note = (stack: string, reason: string) =>
      reasons.set(stack, [...(reasons.get(stack) ?? []), reason]);
    for (const entry of await this.journal.all()) {
      if (entry.state !== "running") note(entry.stack, `last ${entry.operation} ${entry.state}`);
      else if (processIsGone(entry.pid, entry.hostname))
        note(entry.stack, `${entry.operation} interrupted (pid ${entry.pid} gone)`);
    }
    const stateDir = fileBackendDir(this.settings.backendUrl);
    const staleLocks = new Map<string, number>();
    const liveLocks = new Set<string>();
    if (stateDir) {
      for (const lock of await readFileBackendLocks(stateDir, this.settings.project.name)) {
        if (processIsGone(lock.pid, lock.hostname)) {
          staleLocks.set(lock.stack, (staleLocks.get(lock.stack) ?? 0) + 1);
          note(lock.stack, `lock of pid ${lock.pid} left behind`);
        } else {
          liveLocks.add(lock.stack);
        }
      }
    }
    const records: RecoveryRecord[] = [];
    for (const [stack, why] of reasons) {
      if (!STACK_NAME.test(stack)) continue;
      records.push(await this.repair(stack, why, liveLocks.has(stack) ? 0 : (staleLocks.get(stack) ?? 0)));
    }
    return records;
  }

  private async repair(stack: string, reasons: string[], staleLocks: number): Promise<RecoveryRecord> {
    const record: RecoveryRecord = {
      stack,
      reasons,
      removedLocks: 0,
      pendingOperations: [],
      refreshed: false,
    };
    try {
      await this.operate(stack, "recover", {}, { engine: true, create: false, journal: false }, async (s) => {
        if (staleLocks > 0) {
          await s.cancel();
          record.removedLocks = staleLocks;
        }
        const state = await s.exportStack();
        record.backupFile = await this.backup(stack, state);
        record.pendingOperations = pendingOperations(state);
        if (record.pendingOperations.length > 0) {
          s.workspace.program = noProgram;
          await s.refresh({ clearPendingCreates: true, color: "never", message: "radl-pulumi recovery" });
          record.refreshed = true;
        }
      });
      await this.journal.clear(stack);
    } catch (error) {
      const typed = classifyEngineError(error, this.context(stack, "recover", false));
      if (typed instanceof StackNotFoundError) await this.journal.clear(stack);
      else record.error = typed;
    }
    return record;
  }

  private async backup(stack: string, state: Deployment): Promise<string> {
    await mkdir(this.settings.recoveryDir, { recursive: true });
    const file = join(
      this.settings.recoveryDir,
      `${stack}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    );
    await writeFile(file, JSON.stringify(state), { mode: 0o600 });
    return file;
  }

  /** Waits for queued work to finish and refuses new operations. */
  async close(options: { cancel?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (options.cancel) for (const stack of this.controllers.keys()) this.cancel(stack);
    await this.queue.idle();
  }

  private async removeNow(stack: string, s: Stack, force: boolean): Promise<void> {
    await s.workspace.removeStack(stack, { force });
    this.stacks.delete(stack);
  }

  private context(stack: string, operation: string, cancelled: boolean) {
    return { stack, operation, backendUrl: this.settings.backendUrl, cancelled };
  }

  private async operate<T>(
    stack: string,
    operation: StackOperation,
    options: OperationOptions,
    mode: { engine: boolean; create: boolean; journal?: boolean },
    body: (
      s: Stack,
      run: { signal: AbortSignal; onEvent: (e: EngineEvent) => void; onOutput?: (t: string) => void },
    ) => Promise<T>,
  ): Promise<T> {
    validateStackName(stack);
    if (this.closed) throw new StackManagerClosedError();
    const controller = new AbortController();
    const external = options.signal;
    const forward = () => controller.abort();
    if (external?.aborted) controller.abort();
    external?.addEventListener("abort", forward, { once: true });
    const active = this.controllers.get(stack) ?? new Set<AbortController>();
    active.add(controller);
    this.controllers.set(stack, active);
    const operationId = this.nextOperationId++;
    const cancelled = () => new OperationCancelledError(stack, operation);
    const journaled = mode.engine && mode.journal !== false;
    try {
      return await this.queue.run(stack, async () => {
        if (controller.signal.aborted) throw cancelled();
        const release = mode.engine
          ? await this.engineSlots.acquire(controller.signal, cancelled)
          : () => undefined;
        let outcome: "succeeded" | { state: "failed" | "cancelled"; error: string } = "succeeded";
        try {
          if (controller.signal.aborted) throw cancelled();
          const s = await this.stackHandle(stack, mode.create);
          if (journaled) await this.journal.start(stack, operation);
          const onEvent = (event: EngineEvent) =>
            this.deliver({ stack, operation, operationId, event }, options.onEvent);
          return await body(s, { signal: controller.signal, onEvent, onOutput: options.onOutput });
        } catch (error) {
          const typed = classifyEngineError(error, this.context(stack, operation, controller.signal.aborted));
          outcome = {
            state: typed instanceof OperationCancelledError ? "cancelled" : "failed",
            error: typed.message,
          };
          throw typed;
        } finally {
          if (journaled) await this.journal.finish(stack, outcome).catch(() => undefined);
          release();
        }
      });
    } finally {
      external?.removeEventListener("abort", forward);
      active.delete(controller);
      if (active.size === 0 && this.controllers.get(stack) === active) this.controllers.delete(stack);
    }
  }

  private deliver(event: StackEvent, own?: (e: EngineEvent) => void): void {
    // The Node SDK logs every RegisterResource response, secret values resolved, as debug
    // diagnostics; they must never reach a subscriber that prints or stores events.
    if ((event.event.diagnosticEvent?.severity as string | undefined) === "debug") return;
    for (const listener of [...this.listeners, ...(own ? [(e: StackEvent) => own(e.event)] : [])]) {
      try {
        listener(event);
      } catch {
        // a subscriber's failure must not fail the operation or reach the engine's handlers
      }
    }
  }

  /**
   * For a standalone project (`radl compile --set-config`): creates or selects `stack` with
   * `projectDir` as its workspace (its own Pulumi.yaml) in this backend, and sets `entries` as the
   * stack's config, secret ones encrypted with the backend's passphrase. With a file backend the
   * values land in `<projectDir>/Pulumi.<stack>.yaml`. Runs no program and changes no resource.
   */
  async writeStackConfig(
    projectDir: string,
    stack: string,
    entries: readonly { key: string; value: string; secret: boolean }[],
  ): Promise<void> {
    validateStackName(stack);
    // the project's own Pulumi.yaml, not the server's project settings
    const { projectSettings: _server, ...options } = this.workspaceOptions(projectDir);
    const handle = await LocalWorkspace.createOrSelectStack(
      { stackName: stack, workDir: projectDir },
      options,
    );
    if (entries.length === 0) return;
    await handle.setAllConfig(
      Object.fromEntries(entries.map((e) => [e.key, { value: e.value, secret: e.secret }])),
    );
  }

  private async stackHandle(stack: string, create: boolean): Promise<Stack> {
    const cached = this.stacks.get(stack);
    if (cached) return cached;
    const workDir = join(this.settings.workspacesDir, stack);
    await mkdir(workDir, { recursive: true });
    const options = this.workspaceOptions(workDir);
    const args = { projectName: this.settings.project.name, stackName: stack, program: noProgram };
    const handle = create
      ? await LocalWorkspace.createOrSelectStack(args, options)
      : await LocalWorkspace.selectStack(args, options);
    this.stacks.set(stack, handle);
    return handle;
  }

  private async workspace(workDir: string): Promise<LocalWorkspace> {
    await mkdir(workDir, { recursive: true });
    return LocalWorkspace.create(this.workspaceOptions(workDir));
  }

  private workspaceOptions(workDir: string): LocalWorkspaceOptions {
    return {
      workDir,
      pulumiHome: this.settings.pulumiHome,
      pulumiCommand: this.command,
      envVars: this.env,
      secretsProvider: "passphrase",
      projectSettings: this.settings.project,
      program: noProgram,
    };
  }
}

function validateStackName(stack: string): void {
  if (typeof stack !== "string" || !STACK_NAME.test(stack)) throw new InvalidStackNameError(stack);
}
