/**
 * A RADL document deployed as one stack without the IM server (`radl up`/`preview`/`destroy`):
 * load the stored plan, plan again in "converge" mode, lower with the drivers and the
 * contextualizer, run the engine. The stored plan keeps VM ids and every driver choice, so `up` of
 * the same file again changes nothing and ids are never reused.
 *
 * The plan lives in `<dataDir>/deployments/<stack>.json` (mode 0600: it holds the contextualization
 * server key), not in the stack: the plan must be read before the program runs, and the stack's
 * outputs are produced by it.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AuthItem } from "../compiler/auth/types.js";
import type { ResourceGraph } from "../compiler/graph/types.js";
import type { RadlDocument } from "../compiler/ir.js";
import {
  lowerPlanDetailed,
  planDeployment,
  planFromJson,
  planToJson,
  type DeploymentPlan,
  type DriverLookup,
} from "../compiler/plan/index.js";
import { CommandContextualizer } from "../runtime/contextualize/graph.js";
import { generateServerKey, type ServerKey } from "../runtime/contextualize/server-key.js";
import { StackLayerError, StackNotFoundError } from "./errors.js";
import { resolveStackSettings, type StackManagerConfig } from "./settings.js";
import type { GraphOperationOptions, PreviewOutcome, StackManager, UpOutcome } from "./stack-manager.js";

/** What is kept between two `up`s of one stack. */
export interface DeploymentRecord {
  version: 1;
  stack: string;
  /** planToJson of the last plan brought up (or being brought up). */
  plan: string;
  /** Contextualization generation: grows when the plan changes, so unchanged `up`s re-run nothing. */
  generation: number;
  serverKey: ServerKey;
  /** Host keys the server's SSH probe recorded at first contact, by VM id (verified later, §2.7). */
  hostKeys?: Record<string, string>;
}

export class DeploymentRecordError extends StackLayerError {
  constructor(stack: string, file: string, detail: string) {
    super(
      "E-DEPLOYMENT-RECORD",
      `the stored plan of stack ${stack} (${file}) is unreadable: ${detail}`,
      stack,
    );
  }
}

export interface DeploymentInput {
  stack: string;
  document: RadlDocument;
  auth: AuthItem[];
  drivers: DriverLookup;
}

export interface PreparedDeployment {
  plan: DeploymentPlan;
  graph: ResourceGraph;
  record: DeploymentRecord;
  /** False when the plan equals the stored one (same VMs, same choices). */
  changed: boolean;
}

/** The stored plans of a data directory. */
export class DeploymentStore {
  constructor(readonly dataDir: string) {}

  /** The store of the data directory a StackManager opened with `config` would use (no engine needed). */
  static async configured(config: StackManagerConfig = {}): Promise<DeploymentStore> {
    return new DeploymentStore((await resolveStackSettings(config)).dataDir);
  }

  get dir(): string {
    return join(this.dataDir, "deployments");
  }

  fileOf(stack: string): string {
    return join(this.dir, `${stack}.json`);
  }

  async read(stack: string): Promise<DeploymentRecord | undefined> {
    const file = this.fileOf(stack);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new DeploymentRecordError(stack, file, (error as Error).message);
    }
    try {
      const record = JSON.parse(text) as DeploymentRecord;
      if (record.version !== 1 || typeof record.plan !== "string" || !record.serverKey) {
        throw new Error("unknown shape");
      }
      planFromJson(record.plan);
      return record;
    } catch (error) {
      throw new DeploymentRecordError(stack, file, (error as Error).message);
    }
  }

  async write(record: DeploymentRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(record.stack);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
    await rename(temporary, file);
  }

  async remove(stack: string): Promise<void> {
    await rm(this.fileOf(stack), { force: true });
  }
}

/**
 * Plans `input.document` against the stored plan (converge: the deploys give the wanted number of
 * VMs per system) and lowers it; writes the contextualization bundle under `<dataDir>/bundles`.
 */
export async function prepareDeployment(
  store: DeploymentStore,
  input: DeploymentInput,
): Promise<PreparedDeployment> {
  const previous = await store.read(input.stack);
  const previousPlan = previous ? planFromJson(previous.plan) : undefined;
  const plan = await planDeployment({
    infId: input.stack,
    document: input.document,
    auth: input.auth,
    drivers: input.drivers,
    mode: "converge",
    ...(previousPlan ? { previous: previousPlan } : {}),
  });
  const planJson = planToJson(plan);
  const changed = previous === undefined || previous.plan !== planJson;
  const record: DeploymentRecord = {
    version: 1,
    stack: input.stack,
    plan: planJson,
    generation: previous === undefined ? 1 : changed ? previous.generation + 1 : previous.generation,
    serverKey: previous?.serverKey ?? generateServerKey(),
    ...(previous?.hostKeys ? { hostKeys: previous.hostKeys } : {}),
  };
  const contextualizer = new CommandContextualizer({
    generation: record.generation,
    serverKey: record.serverKey,
    bundleRoot: join(store.dataDir, "bundles"),
    waitProbe: "server",
    hostKeys: Object.fromEntries(Object.entries(record.hostKeys ?? {}).map(([k, v]) => [Number(k), v])),
  });
  const lowered = lowerPlanDetailed(plan, input.drivers, { contextualizer, auth: input.auth });
  contextualizer.writeBundle({ plan, vms: lowered.vms, nodes: lowered.graph.nodes });
  return { plan, graph: lowered.graph, record, changed };
}

/** What `radl preview` shows: the changes `up` would make. Stores nothing. */
export async function previewDeployment(
  manager: StackManager,
  input: DeploymentInput,
  options: GraphOperationOptions = {},
): Promise<PreviewOutcome & { prepared: PreparedDeployment }> {
  const prepared = await prepareDeployment(new DeploymentStore(manager.settings.dataDir), input);
  return { ...(await previewPrepared(manager, prepared, options)), prepared };
}

export function previewPrepared(
  manager: StackManager,
  prepared: PreparedDeployment,
  options: GraphOperationOptions = {},
): Promise<PreviewOutcome> {
  return manager.previewGraph(prepared.record.stack, prepared.graph, options);
}

/** `radl up`: plan, then apply. */
export async function upDeployment(
  manager: StackManager,
  input: DeploymentInput,
  options: GraphOperationOptions = {},
): Promise<UpOutcome & { prepared: PreparedDeployment }> {
  const store = new DeploymentStore(manager.settings.dataDir);
  const prepared = await prepareDeployment(store, input);
  return { ...(await applyDeployment(manager, store, prepared, options)), prepared };
}

/**
 * Brings the stack up to a prepared deployment. The plan is stored before the engine runs, so VM
 * ids given to a failed or cancelled `up` are never given to other VMs by the next one.
 */
export async function applyDeployment(
  manager: StackManager,
  store: DeploymentStore,
  prepared: PreparedDeployment,
  options: GraphOperationOptions = {},
): Promise<UpOutcome> {
  await store.write(prepared.record);
  return manager.upGraph(prepared.record.stack, prepared.graph, options);
}

/**
 * `radl destroy`: every resource, then the stack and its stored plan. A plan stored for a stack
 * that never reached the backend (its first `up` failed before creating it) is dropped too.
 */
export async function destroyDeployment(
  manager: StackManager,
  stack: string,
  options: GraphOperationOptions = {},
): Promise<void> {
  const store = new DeploymentStore(manager.settings.dataDir);
  try {
    await manager.destroy(stack, { ...options, remove: true });
  } catch (error) {
    if (error instanceof StackNotFoundError) await store.remove(stack);
    throw error;
  }
  await store.remove(stack);
}
