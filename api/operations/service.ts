import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { AuthItem } from "../../compiler/auth/types.js";
import { cloudsFromAuth } from "../../compiler/auth/cloud.js";
import { check } from "../../compiler/check.js";
import { formatDiagnostic, isError } from "../../compiler/diagnostic.js";
import { RadlPulumiError } from "../../compiler/errors.js";
import { featureValue, numberFeature } from "../../compiler/features.js";
import { emptyDocument, type RadlDocument, type SystemSec } from "../../compiler/ir.js";
import { decodeRadlJson } from "../../compiler/json/decode.js";
import { detectFormat, loadRadl } from "../../compiler/load.js";
import { parseRadl } from "../../compiler/parse.js";
import {
  AlterVmSystemError,
  alterVmDocument,
  completeDocument,
  reconfigureRadl,
  updateStoredRadl,
  withoutInternalSystems,
} from "../../compiler/merge.js";
import {
  liveVms,
  lowerPlan,
  NoCloudError,
  UnknownCloudIdError,
  planDeployment,
  type VmTagSettings,
  planFromJson,
  planToJson,
  removeVms,
  resizeVm,
  setDesiredPower,
  setStringFeature,
  type Contextualizer,
  type DeploymentPlan,
  type DriverLookup,
  type PlannedCloud,
  type PlannedVm,
  type PowerState,
} from "../../compiler/plan/index.js";
import { printRadl } from "../../compiler/print.js";
import { Semaphore } from "../../stacks/semaphore.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { canAccess, listingKeys, ownersOf, type AuthContext, type Authenticator } from "../auth/index.js";
import { ApiError } from "../errors.js";
import {
  recoverJobs,
  serverLeaseName,
  StoreConflictError,
  type InfrastructureRecord,
  type InfrastructureStore,
  type JsonObject,
  type JobRecord,
} from "../store/index.js";
import {
  DeletedVmError,
  DisabledFunctionError,
  IncorrectInfrastructureError,
  IncorrectPropertyError,
  IncorrectStateError,
  IncorrectVmError,
  InvalidPropertyError,
  OperationFailedError,
  ServerStoppingError,
  UnauthorizedUserError,
} from "./errors.js";
import { fromJson, logLine, nowSeconds, toJson, type InfData, type StoredVm } from "./record.js";
import { FeatureEntries } from "./feature-entries.js";
import { DEFAULT_LAUNCH_LIMITS, launchVms, type LaunchLimits } from "./launch.js";
import { ContextualizationJobs, type ContextualizationConfig } from "./contextualization.js";
import { aggregateState, vmState, type ProviderState, type VmState } from "./state.js";
import { serviceVersion } from "./version.js";

/** A request body that describes infrastructure, as the transport received it (im-api §1.2). */
export interface RadlBody {
  text: string;
  /** From Content-Type: RADL text, RADL-JSON or TOSCA YAML. */
  kind: "radl" | "json" | "tosca";
}

export interface ImServiceOptions {
  store: InfrastructureStore;
  stacks: StackManager;
  drivers: DriverLookup;
  authenticator: Authenticator;
  /** Lowers configure/contextualize sections; without one, contextualization is a no-op that succeeds. */
  contextualizer?: Contextualizer;
  /** Real contextualization (SSH + Ansible through command resources) run as background jobs. */
  contextualization?: ContextualizationConfig;
  /** §5.7: 0 normal, 1 read-only, 2 read + delete. */
  bootMode?: number;
  /** Seconds between provider refreshes of a VM (VM_INFO_UPDATE_FREQUENCY). */
  vmInfoUpdateFrequency?: number;
  /** Seconds without a successful refresh before a VM reads `unknown` (VM_INFO_UPDATE_ERROR_GRACE_PERIOD). */
  vmInfoUpdateErrorGracePeriod?: number;
  /** MAX_SIMULTANEOUS_LAUNCHES, MAX_VM_FAILS, DELAY_BETWEEN_VM_RETRIES (api/operations/launch.ts). */
  launchLimits?: Partial<LaunchLimits>;
  /** im.cfg's VM_TAG_* names and the service URL, for the tags of newly planned VMs. */
  vmTags?: VmTagSettings;
  /** Identifies this server's jobs and lease; default a random UUID. */
  serverId?: string;
  /** Async creates planned and launched at once; the others wait, queued (default 2). */
  createConcurrency?: number;
}

export interface InfStateResult {
  state: VmState;
  vm_states: Record<string, VmState>;
}

export interface StatsRecord {
  creation_date: string;
  tosca_name: string;
  vm_count: number;
  cpu_count: number;
  memory_size: number;
  cloud_type: string;
  cloud_host: string;
  hybrid: boolean;
  deleted: boolean;
  im_user: string;
  inf_id: string;
  last_date: string;
}

/** What an operation does, for the BOOT_MODE gate (im-api.md §5.7). */
export type OperationMode = "read" | "write" | "delete";

const JOB_LEASE_MS = 60_000;
/** Records kept parsed for reads (a few KB each, more with long contextualization logs). */
const READ_CACHE_SIZE = 2000;

/** A stored record as the read operations use it, parsed once per version. */
interface CachedRecord {
  record: InfrastructureRecord;
  data: InfData;
  /** Parsed on first use; undefined when the record has no plan. */
  plan?: DeploymentPlan | undefined;
  /** GetVMInfo's documents of this version by VM id: a pure function of the record (shared, never mutated). */
  vmInfo?: Map<number, RadlDocument>;
}

/**
 * The IM operations (im-api §1.6 / im-xmlrpc §2.3), independent of any transport: the REST routes
 * and the XML-RPC methods call these with an authenticated `AuthContext`. Errors are the typed IM
 * classes of api/operations/errors.ts (or ApiError from api/auth), so each transport renders them.
 * Long operations are jobs in DATA_DB; `start()` recovers those a previous server left unfinished.
 */
export class ImService {
  readonly serverId: string;
  private readonly store: InfrastructureStore;
  private readonly stacks: StackManager;
  private readonly drivers: DriverLookup;
  private readonly authenticator: Authenticator;
  private readonly contextualizer: Contextualizer | undefined;
  private readonly ctxt: ContextualizationJobs | undefined;
  private readonly bootMode: number;
  private readonly refreshSeconds: number;
  private readonly graceSeconds: number;
  private readonly launchLimits: LaunchLimits;
  private readonly vmTags: VmTagSettings | undefined;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly readCache = new Map<string, CachedRecord>();
  private readonly background = new Set<Promise<unknown>>();
  private leaseTimer: NodeJS.Timeout | undefined;
  /** Set by `close`: launches stop where they are and their jobs wait for the next start. */
  private readonly stopping = stoppingController();
  /** When the last async create was accepted (performance.now()). */
  private lastAsyncCreate = -Infinity;
  private readonly createSlots: Semaphore;

  constructor(options: ImServiceOptions) {
    this.store = options.store;
    this.stacks = options.stacks;
    this.drivers = options.drivers;
    this.authenticator = options.authenticator;
    this.contextualizer = options.contextualizer;
    this.bootMode = options.bootMode ?? 0;
    this.refreshSeconds = options.vmInfoUpdateFrequency ?? 10;
    this.graceSeconds = options.vmInfoUpdateErrorGracePeriod ?? 120;
    this.launchLimits = { ...DEFAULT_LAUNCH_LIMITS, ...options.launchLimits };
    this.vmTags = options.vmTags;
    this.serverId = options.serverId ?? randomUUID();
    this.createSlots = new Semaphore(Math.max(1, options.createConcurrency ?? 2));
    this.ctxt = options.contextualization
      ? new ContextualizationJobs(
          {
            stacks: this.stacks,
            drivers: this.drivers,
            getRecord: (id) => this.store.getInfrastructure(id),
            write: (id, change, secrets) => this.write(id, change, secrets),
            planOf: (record) => this.planOf(record),
            newJob: (id, kind, params) => this.newJob(id, kind, params),
            jobState: (job, state, error) => this.jobState(job, state, error ?? null),
            track: (run) => this.track(run),
          },
          options.contextualization,
        )
      : undefined;
  }

  // ------------------------------------------------------------------ life cycle

  /** Takes this server's lease and resumes (or fails) the jobs a stopped server left unfinished. */
  async start(): Promise<JobRecord[]> {
    const lease = serverLeaseName(this.serverId);
    await this.store.acquireLease(lease, this.serverId, JOB_LEASE_MS);
    this.leaseTimer = setInterval(() => {
      void this.store.acquireLease(lease, this.serverId, JOB_LEASE_MS).catch(() => undefined);
    }, JOB_LEASE_MS / 3);
    this.leaseTimer.unref();
    const recovered = await recoverJobs(this.store, this.serverId, (job) =>
      job.kind === "launch" ||
      job.kind === "destroy" ||
      job.kind === "create" ||
      (job.kind === "ctxt" && this.ctxt)
        ? "resume"
        : "fail",
    );
    for (const job of recovered.failed) {
      if (job.infId) await this.failInterrupted(job.infId, job.error ?? "Interrupted by a server restart");
    }
    for (const job of recovered.resumed) this.track(this.resume(job));
    return recovered.resumed;
  }

  /**
   * Stops without losing a job: contextualization runs are left to the masters, launches are
   * cancelled where they are, and queued async creates are planned but not launched; their jobs
   * stay unfinished in DATA_DB and the next start carries them on. Then gives up the lease.
   */
  async close(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.stopping.abort();
    await this.ctxt?.detach();
    await Promise.allSettled([...this.background]);
    await this.store.releaseLease(serverLeaseName(this.serverId), this.serverId).catch(() => undefined);
  }

  /** Resolves when every background job started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  // ------------------------------------------------------------------ auth

  authenticate(items: readonly AuthItem[]): Promise<AuthContext> {
    return this.authenticator.authenticate(items);
  }

  // ------------------------------------------------------------------ simple reads

  version(): string {
    return serviceVersion();
  }

  async listInfrastructures(ctx: AuthContext, filter?: string): Promise<string[]> {
    let regex: RegExp | undefined;
    if (filter !== undefined && filter !== "") {
      try {
        regex = new RegExp(filter);
      } catch (err) {
        throw new OperationFailedError(`Invalid filter: ${(err as Error).message}`);
      }
    }
    // The owner keys are filtered in DATA_DB and nothing else is read: a key binds the username
    // (password owners) or the issuer and subject (OIDC owners, token only) it was derived from,
    // so a key match is the access rule of canAccess.
    const keys = await listingKeys(ctx, this.store.ownerHasher);
    const ids = await this.store.listInfrastructureIds(keys ? { ownerKeys: keys } : {});
    if (!regex) return ids;
    const matching: string[] = [];
    for (const id of ids) {
      const record = await this.store.getInfrastructure(id);
      if (!record || !(await canAccess(ctx, record.owners, this.store.ownerHasher))) continue;
      const data = fromJson(record.data);
      if (regex.test(data.radl) || (data.extra_info.TOSCA && regex.test(data.extra_info.TOSCA)))
        matching.push(id);
    }
    return matching;
  }

  /** GetInfrastructureInfo: the ids of the VMs not destroyed (failed ones included). */
  async getInfrastructureInfo(ctx: AuthContext, infId: string): Promise<string[]> {
    const { data } = await this.openRead(ctx, infId);
    return data.vm_list.filter((vm) => !vm.destroy).map((vm) => String(vm.im_id));
  }

  async getInfrastructureState(ctx: AuthContext, infId: string): Promise<InfStateResult> {
    const opened = await this.openRead(ctx, infId);
    const data = await this.refresh(ctx, opened);
    const vms = [...data.vm_list].filter((vm) => !vm.destroy).sort((a, b) => a.im_id - b.im_id);
    const vm_states: Record<string, VmState> = {};
    for (const vm of vms) vm_states[String(vm.im_id)] = this.stateOf(data, vm);
    return {
      state: aggregateState(Object.values(vm_states), data.configured, data.deleting),
      vm_states,
    };
  }

  async getInfrastructureContMsg(ctx: AuthContext, infId: string, headerOnly = false): Promise<string> {
    const { data } = await this.openRead(ctx, infId);
    let out = data.cont_out;
    if (headerOnly) return out;
    for (const vm of data.vm_list) {
      if (vm.destroy) continue;
      const log = this.vmLog(vm);
      if (log !== "") out += `VM ${vm.im_id}:\n${log}\n${"*".repeat(75)}\n`;
    }
    return out;
  }

  async getInfrastructureRadl(ctx: AuthContext, infId: string): Promise<string> {
    const { data } = await this.openRead(ctx, infId);
    const doc = this.storedDocument(data);
    return printRadl(withoutInternalSystems({ ...doc, deploys: [] }));
  }

  async getInfrastructureTosca(ctx: AuthContext, infId: string): Promise<string> {
    const { data } = await this.openRead(ctx, infId);
    if (!data.extra_info.TOSCA) throw new InvalidPropertyError("tosca");
    return data.extra_info.TOSCA;
  }

  async getInfrastructureOutputs(ctx: AuthContext, infId: string): Promise<Record<string, unknown>> {
    const { data } = await this.openRead(ctx, infId);
    if (!data.extra_info.TOSCA) throw new InvalidPropertyError("outputs");
    return {};
  }

  async getInfrastructureOwners(ctx: AuthContext, infId: string): Promise<string[]> {
    const { record } = await this.openRead(ctx, infId);
    return record.owners.map((o) => o.username);
  }

  /** GetVMInfo: the VM's current RADL (its networks and its single system). */
  async getVmInfo(ctx: AuthContext, infId: string, vmId: string): Promise<RadlDocument> {
    const entry = await this.openRead(ctx, infId);
    const data = await this.refresh(ctx, entry);
    const vm = this.vmOf(data, vmId);
    // refreshed: written as a new version, so the document of this one is not kept
    if (data !== entry.data) return this.vmDocument(data, this.entryPlan(entry), vm);
    let doc = entry.vmInfo?.get(vm.im_id);
    if (!doc) {
      doc = this.vmDocument(data, this.entryPlan(entry), vm);
      (entry.vmInfo ??= new Map()).set(vm.im_id, doc);
    }
    return doc;
  }

  /** GetVMProperty: a feature of the VM's system (`contmsg` is its log); IncorrectProperty when absent. */
  async getVmProperty(
    ctx: AuthContext,
    infId: string,
    vmId: string,
    property: string,
  ): Promise<string | number | string[] | FeatureEntries> {
    const { data, record } = await this.openRead(ctx, infId);
    const vm = this.vmOf(data, vmId);
    if (property === "contmsg") return this.vmLog(vm);
    const system = this.vmDocument(data, this.readPlan(record), vm).systems[0]!;
    // Numbers in the base unit, as the reference's getValue (`memory.size = 2g` → bytes).
    const value = featureValue(system.features, property);
    const plain =
      typeof value === "object" && !Array.isArray(value) ? new FeatureEntries(property, value) : value;
    if (plain === undefined)
      throw new IncorrectPropertyError(`Incorrect property ${property} for VM ID ${vmId}`);
    return plain;
  }

  async getVmContMsg(ctx: AuthContext, infId: string, vmId: string): Promise<string> {
    return String(await this.getVmProperty(ctx, infId, vmId, "contmsg"));
  }

  // ------------------------------------------------------------------ create / add / remove

  /** CreateInfrastructure. Sync: returns when launches ended (400 and deleted if all failed). */
  async createInfrastructure(
    ctx: AuthContext,
    body: RadlBody,
    options: { async?: boolean } = {},
  ): Promise<string> {
    this.requireMode("write");
    const document = parseBody(body);
    if (options.async && document.deploys.length > 0) return this.createAsync(ctx, document);
    const id = randomUUID();
    const plan =
      document.deploys.length > 0
        ? await this.plan({ infId: id, document, auth: [...ctx.credentials] })
        : undefined;
    const now = nowSeconds();
    const data: InfData = {
      ...newInfData(id, document, now),
      cont_out: plan ? "" : logLine("Infrastructure without any deploy. Exiting."),
      configured: plan ? null : false,
      vm_id: plan?.nextVmId ?? 0,
      vm_list: plan ? plan.vms.map((vm) => newStoredVm(plan, vm.id, now)) : [],
    };
    await this.store.createInfrastructure({
      id,
      owners: await ownersOf(ctx, this.store.ownerHasher),
      data: toJson(data),
      secrets: plan ? { plan: planToJson(plan) } : {},
    });
    if (!plan) return id;
    const vmIds = plan.vms.map((v) => v.id);
    const job = await this.newJob(id, "launch", { vmIds, context: true });
    const run = this.runLaunch(job, plan, vmIds, true, [...ctx.credentials]);
    if (options.async) {
      this.track(run);
      return id;
    }
    const failure = await run;
    if (failure !== null) {
      await this.markDeleted(id);
      throw new OperationFailedError(`Error adding VMs: ${failure}`);
    }
    return id;
  }

  /**
   * Async CreateInfrastructure: the request answers what parse and check refuse and auth data
   * with no cloud (or naming a cloud id it lacks) as the sync create does; then it stores the
   * record (no VMs yet: the state reads `pending`) and a `create` job, and returns the id.
   * Planning and the launch run in the job; a planning error ends the infrastructure `failed`
   * with the cause in its contmsg (the reference fails the same way in its AddResource thread).
   */
  private async createAsync(ctx: AuthContext, document: RadlDocument): Promise<string> {
    const auth = [...ctx.credentials];
    checkClouds(document, auth);
    const id = randomUUID();
    await this.store.createInfrastructure({
      id,
      owners: await ownersOf(ctx, this.store.ownerHasher),
      data: toJson(newInfData(id, document, nowSeconds())),
      secrets: {},
    });
    const job = await this.newJob(id, "create", {});
    // After this response is written, and a few at a time: a burst of creates neither delays the
    // requests that follow (the engine runs, plans and keys of all of them at once would) nor
    // runs more deployments at once than the engine does anyway.
    this.lastAsyncCreate = performance.now();
    this.track(
      this.afterCreateBurst().then(async () => {
        // a server that stops plans the creates still waiting (their credentials are not stored)
        // and leaves the launches to its next start
        const release = await this.createSlots.acquire(this.stopping.signal).catch(() => undefined);
        try {
          await this.runCreate(job, document, auth);
        } finally {
          release?.();
        }
      }),
    );
    return id;
  }

  /**
   * Resolves once no async create has been accepted for CREATE_BURST_QUIET_MS, or at the latest
   * CREATE_BURST_MAX_DEFER_MS from now. Planning and starting an engine run (a CLI spawned several
   * times, the program run in this process) hold the event loop for tens of milliseconds at a
   * time; started in the middle of a burst, they delay the answers to the creates that follow.
   * A deployment that takes seconds to minutes loses nothing by starting a moment later.
   */
  private async afterCreateBurst(): Promise<void> {
    const start = performance.now();
    for (;;) {
      const now = performance.now();
      const quiet = now - this.lastAsyncCreate;
      const left = CREATE_BURST_MAX_DEFER_MS - (now - start);
      if (quiet >= CREATE_BURST_QUIET_MS || left <= 0 || this.stopping.signal.aborted) return;
      await new Promise((r) => setTimeout(r, Math.min(CREATE_BURST_QUIET_MS - quiet, left)));
    }
  }

  /**
   * The `create` job: plans, stores the plan and the VMs, then launches them under a `launch` job.
   * That job is recorded before the plan, so that a crash leaves either a plan with its launch job
   * (resumed) or no plan (the create job is failed on restart: cloud credentials are not stored).
   */
  private async runCreate(job: JobRecord, document: RadlDocument, auth: AuthItem[]): Promise<void> {
    const infId = job.infId!;
    await this.jobState(job, "running");
    let plan: DeploymentPlan;
    try {
      plan = await this.plan({ infId, document, auth });
    } catch (err) {
      const failure = messageOf(err);
      await this.failCreate(infId, `Error creating the infrastructure: ${failure}`);
      await this.jobState(job, "failed", failure);
      return;
    }
    const vmIds = plan.vms.map((v) => v.id);
    const launch = await this.newJob(infId, "launch", { vmIds, context: true });
    const now = nowSeconds();
    try {
      await this.write(
        infId,
        (d) => {
          d.vm_id = plan.nextVmId;
          d.vm_list = plan.vms.map((vm) => newStoredVm(plan, vm.id, now));
        },
        { plan: planToJson(plan) },
      );
    } catch (err) {
      // destroyed meanwhile: nothing was launched
      await this.jobState(launch, "cancelled", messageOf(err));
      await this.jobState(job, "failed", messageOf(err));
      return;
    }
    await this.jobState(job, "succeeded");
    await this.runLaunch(launch, plan, vmIds, true, auth);
  }

  /** An infrastructure whose VMs could not be planned: no VMs, contextualization failed (§4.4: `failed`). */
  private async failCreate(infId: string, message: string): Promise<void> {
    await this.write(infId, (d) => {
      d.configured = false;
      d.cont_out += logLine(message);
    }).catch(() => undefined);
  }

  /**
   * EstimateResources (`dry_run`): what a create would launch, per cloud id, without creating
   * anything: `{cloudId: {cloudType, cloudEndpoint, compute: [...], storage: [...]}}`.
   */
  async estimateResources(ctx: AuthContext, body: RadlBody): Promise<Record<string, unknown>> {
    const document = parseBody(body);
    if (document.deploys.length === 0) return {};
    const plan = await this.plan({ infId: "estimate", document, auth: [...ctx.credentials] });
    const out: Record<
      string,
      { cloudType: string; cloudEndpoint: string; compute: unknown[]; storage: unknown[] }
    > = {};
    for (const vm of plan.vms) {
      const cloud = plan.clouds.find((c) => c.cloudKey === vm.cloudKey)!;
      const entry = (out[cloud.id] ??= {
        cloudType: cloud.type,
        cloudEndpoint:
          cloud.host ?? (cloud.server ? `${cloud.protocol ?? "https"}://${cloud.server}:${cloud.port}` : ""),
        compute: [],
        storage: [],
      });
      const compute: Record<string, number> = {
        cpuCores: numberFeature(vm.concrete.features, "cpu.count") ?? 1,
        memoryInMegabytes: numberFeature(vm.concrete.features, "memory.size", "M") ?? 0,
      };
      const disk = numberFeature(vm.concrete.features, "disk.0.free_size", "G");
      if (disk !== undefined) compute.diskSizeInGigabytes = disk;
      const gpu = numberFeature(vm.concrete.features, "gpu.count");
      if (gpu !== undefined) compute.GPU = gpu;
      entry.compute.push(compute);
      for (let i = 1; vm.concrete.features.features.has(`disk.${i}.size`); i++) {
        entry.storage.push({
          sizeInGigabytes: numberFeature(vm.concrete.features, `disk.${i}.size`, "G") ?? 0,
        });
      }
    }
    return out;
  }

  /** AddResource: returns the ids of the new VMs; with `context`, the infrastructure is reconfigured. */
  async addResource(
    ctx: AuthContext,
    infId: string,
    body: RadlBody,
    options: { context?: boolean } = {},
  ): Promise<number[]> {
    this.requireMode("write");
    const context = options.context ?? true;
    return this.withLock(infId, async () => {
      const { data, record } = await this.open(ctx, infId);
      if (data.deleting) throw new OperationFailedError("Infrastructure deleted. Do not add resources.");
      const doc = parseBody(body, { check: false });
      const stored = this.storedDocument(data);
      const completed = completeDocument(stored, doc, {
        privateNetworkClouds: new Map(Object.entries(data.private_networks)),
      });
      const updated = updateStoredRadl(stored, completed).radl;
      const errors = check(updated).filter(isError);
      if (errors.length > 0)
        throw new OperationFailedError(errors.map((d) => formatDiagnostic(d)).join("\n"));
      const previous = this.planOf(record);
      const deploys = completed.deploys.filter((d) => d.count.value > 0);
      const plan =
        deploys.length > 0
          ? await this.plan({
              infId,
              document: updated,
              auth: [...ctx.credentials],
              deploys,
              ...(previous ? { previous } : {}),
            })
          : previous
            ? { ...previous, document: updated }
            : undefined;
      const firstNew = previous?.nextVmId ?? 0;
      const newIds = plan ? plan.vms.filter((v) => v.id >= firstNew).map((v) => v.id) : [];
      const now = nowSeconds();
      await this.write(
        infId,
        (d) => {
          d.radl = printRadl(updated);
          if (plan) d.vm_id = plan.nextVmId;
          for (const id of newIds) d.vm_list.push(newStoredVm(plan!, id, now));
          if (newIds.length > 0) d.adding = true;
        },
        plan ? { plan: planToJson(plan) } : undefined,
      );
      if (newIds.length === 0) {
        if (context) await this.contextualizeNow(infId, null, [...ctx.credentials]);
        return [];
      }
      const job = await this.newJob(infId, "launch", { vmIds: newIds, context });
      const failure = await this.runLaunch(job, plan!, newIds, context, [...ctx.credentials]);
      if (failure !== null) {
        await this.write(
          infId,
          (d) => {
            for (const vm of d.vm_list) if (newIds.includes(vm.im_id)) vm.destroy = true;
          },
          { plan: planToJson(removeVms(plan!, newIds)) },
        );
        throw new OperationFailedError(`Error adding VMs: ${failure}`);
      }
      return newIds;
    });
  }

  /** RemoveResource: validates every id first; returns how many were removed. */
  async removeResource(
    ctx: AuthContext,
    infId: string,
    vmIds: string,
    options: { context?: boolean } = {},
  ): Promise<number> {
    this.requireMode("write");
    return this.withLock(infId, async () => {
      const { data, record } = await this.open(ctx, infId);
      const ids = vmIds
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
        .map((s) => this.vmOf(data, s).im_id);
      if (ids.length === 0) return 0;
      const current = this.planOf(record)!;
      // a VM that failed all its launch attempts is already out of the plan (launch.ts)
      const plan = removeVms(
        current,
        ids.filter((id) => current.vms.some((v) => v.id === id && v.removed !== true)),
      );
      // §2.11: a running contextualization is cancelled first (its logs stay with the VMs)
      await this.ctxt?.cancel(infId);
      await this.write(infId, (d) => {
        for (const vm of d.vm_list) if (ids.includes(vm.im_id)) vm.deleting = true;
      });
      try {
        await this.stacks.upGraph(infId, this.lower(plan, [...ctx.credentials]), {
          message: "RemoveResource",
        });
      } catch (err) {
        await this.write(infId, (d) => {
          for (const vm of d.vm_list) if (ids.includes(vm.im_id)) vm.deleting = false;
        });
        throw new OperationFailedError(`Error removing resources: [${messageOf(err)}]`);
      }
      await this.write(
        infId,
        (d) => {
          for (const vm of d.vm_list) {
            if (!ids.includes(vm.im_id)) continue;
            vm.deleting = false;
            vm.destroy = true;
            vm.state = "off";
          }
        },
        { plan: planToJson(plan) },
      );
      if (options.context ?? true) await this.contextualizeNow(infId, null, [...ctx.credentials]);
      return ids.length;
    });
  }

  /** AlterVM: the request's system must be the VM's; its sizing replaces the VM's. */
  async alterVm(ctx: AuthContext, infId: string, vmId: string, body: RadlBody): Promise<RadlDocument> {
    this.requireMode("write");
    return this.withLock(infId, async () => {
      const { data, record } = await this.open(ctx, infId);
      const vm = this.vmOf(data, vmId);
      const doc = parseBody(body);
      let requested: SystemSec;
      try {
        requested = alterVmDocument(doc, vm.system).systems[0]!;
      } catch (err) {
        if (err instanceof AlterVmSystemError)
          throw new OperationFailedError(`Incorrect RADL no system with name ${vm.system} provided.`);
        throw err;
      }
      const { plan, changed } = resizeVm(this.planOf(record)!, vm.im_id, requested);
      if (changed) {
        try {
          await this.stacks.upGraph(infId, this.lower(plan, [...ctx.credentials]), { message: "AlterVM" });
        } catch (err) {
          throw new OperationFailedError(`Error modifying the VM: ${messageOf(err)}`);
        }
        await this.write(infId, () => undefined, { plan: planToJson(plan) });
      }
      const fresh = await this.open(ctx, infId);
      return this.vmDocument(fresh.data, plan, this.vmOf(fresh.data, vmId));
    });
  }

  // ------------------------------------------------------------------ power

  async startInfrastructure(ctx: AuthContext, infId: string): Promise<void> {
    await this.power(ctx, infId, undefined, "running", "Error starting the infrastructure: ");
  }

  async stopInfrastructure(ctx: AuthContext, infId: string): Promise<void> {
    await this.power(ctx, infId, undefined, "stopped", "Error stopping the infrastructure: ");
  }

  async startVm(ctx: AuthContext, infId: string, vmId: string): Promise<void> {
    await this.power(ctx, infId, vmId, "running", "Error starting the VM: ");
  }

  async stopVm(ctx: AuthContext, infId: string, vmId: string): Promise<void> {
    await this.power(ctx, infId, vmId, "stopped", "Error stopping the VM: ");
  }

  async rebootVm(ctx: AuthContext, infId: string, vmId: string): Promise<void> {
    this.requireMode("write");
    const { data, record } = await this.open(ctx, infId);
    const vm = this.vmOf(data, vmId);
    const plan = this.planOf(record)!;
    const planned = plan.vms.find((v) => v.id === vm.im_id)!;
    const driver = this.drivers.get(planned.connector);
    const cloud = plan.clouds.find((c) => c.cloudKey === planned.cloudKey)!;
    const auth = ctx.credentials.find((a) => a.type === cloud.type) ?? { type: cloud.type };
    try {
      if (!driver?.reboot) throw new Error(`the ${planned.connector} connector cannot reboot VMs`);
      await driver.reboot(withInstanceId(planned, vm.id), { cloud, auth });
    } catch (err) {
      throw new OperationFailedError(`Error rebooting the VM: ${messageOf(err)}`);
    }
  }

  /** CreateDiskSnapshot: the new image URL (auto-deleted with the infrastructure when asked). */
  async createDiskSnapshot(
    ctx: AuthContext,
    infId: string,
    vmId: string,
    disk: number,
    imageName: string,
    autoDelete: boolean,
  ): Promise<string> {
    this.requireMode("write");
    const { data, record } = await this.open(ctx, infId);
    const vm = this.vmOf(data, vmId);
    const plan = this.planOf(record)!;
    const planned = plan.vms.find((v) => v.id === vm.im_id)!;
    const driver = this.drivers.get(planned.connector);
    const cloud = plan.clouds.find((c) => c.cloudKey === planned.cloudKey)!;
    const auth = ctx.credentials.find((a) => a.type === cloud.type) ?? { type: cloud.type };
    let url: string;
    try {
      if (!driver?.snapshot) throw new Error(`the ${planned.connector} connector cannot take snapshots`);
      url = await driver.snapshot(withInstanceId(planned, vm.id), disk, imageName, { cloud, auth });
    } catch (err) {
      throw new OperationFailedError(`Error creating snapshot: ${messageOf(err)}`);
    }
    if (autoDelete) await this.write(infId, (d) => void d.snapshots.push(url));
    return url;
  }

  // ------------------------------------------------------------------ reconfigure

  /** Reconfigure: merges configure/contextualize of the body and restarts contextualization. */
  async reconfigure(ctx: AuthContext, infId: string, body: RadlBody, vmList?: string): Promise<void> {
    this.requireMode("write");
    let vms: number[] | null = null;
    if (vmList !== undefined && vmList.trim() !== "") {
      const parts = vmList.split(",").map((s) => s.trim());
      if (parts.some((p) => !/^\d+$/.test(p))) throw new OperationFailedError("Incorrect vm_list format.");
      vms = parts.map(Number);
    }
    // Parse errors win over an unknown infrastructure (im-xmlrpc.md, Reconfigure).
    const doc = parseBody(body);
    await this.withLock(infId, async () => {
      const { data } = await this.open(ctx, infId);
      const updated = reconfigureRadl(this.storedDocument(data), doc);
      await this.write(infId, (d) => void (d.radl = printRadl(updated)));
      await this.contextualizeNow(infId, vms, [...ctx.credentials]);
    });
  }

  // ------------------------------------------------------------------ destroy

  /** DestroyInfrastructure. Async returns once the state reads `deleting`. */
  async destroyInfrastructure(
    ctx: AuthContext,
    infId: string,
    options: { force?: boolean; async?: boolean } = {},
  ): Promise<void> {
    this.requireMode("delete");
    const { data } = await this.open(ctx, infId);
    if (data.adding) throw new IncorrectStateError();
    await this.ctxt?.cancel(infId);
    await this.write(infId, (d) => void (d.deleting = true));
    const job = await this.newJob(infId, "destroy", { force: options.force ?? false });
    const run = this.runDestroy(job, options.force ?? false, [...ctx.credentials]);
    if (options.async) {
      this.track(run.catch(() => undefined));
      return;
    }
    await run;
  }

  // ------------------------------------------------------------------ export / import / owners

  /** ExportInfrastructure: §6.5 keys plus the plan and the stack state; `delete` unloads it untouched. */
  async exportInfrastructure(
    ctx: AuthContext,
    infId: string,
    options: { delete?: boolean } = {},
  ): Promise<string> {
    if (options.delete) this.requireMode("delete");
    const { data, record } = await this.open(ctx, infId);
    const plan = this.planOf(record);
    const stackState = (await this.stacks.stackExists(infId)) ? await this.stacks.exportState(infId) : null;
    const exported = {
      ...data,
      auth: record.owners.map((o) => ({ type: "InfrastructureManager", username: o.username })),
      vm_list: data.vm_list.map((vm) => ({
        ...vm,
        info: plan ? printRadl(this.vmDocument(data, plan, vm)) : "",
        requested_radl: "",
      })),
      plan: plan ? planToJson(plan) : null,
      pulumi_state: stackState,
    };
    const text = JSON.stringify(exported);
    if (options.delete) await this.markDeleted(infId);
    return text;
  }

  /** ImportInfrastructure: keeps the id; the caller's IM identities become the owners. */
  async importInfrastructure(ctx: AuthContext, text: string): Promise<string> {
    this.requireMode("write");
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("not a JSON object");
      if (typeof parsed.id !== "string" || parsed.id === "") throw new Error("no id");
      if (!Array.isArray(parsed.vm_list)) throw new Error("no vm_list");
    } catch (err) {
      throw new OperationFailedError(`Error importing the infrastructure, incorrect data: ${messageOf(err)}`);
    }
    const id = parsed.id as string;
    const existing = await this.store.getInfrastructure(id, { includeDeleted: true });
    if (existing && !existing.deleted)
      throw new OperationFailedError("Trying to add an existing infrastructure ID.");
    const {
      plan: planText,
      pulumi_state: stackState,
      auth: _auth,
      ...rest
    } = parsed as Record<string, unknown> & { plan?: string | null; pulumi_state?: unknown };
    const data: InfData = {
      id,
      radl: typeof rest.radl === "string" ? rest.radl : "",
      extra_info: (rest.extra_info as Record<string, string>) ?? {},
      cont_out: typeof rest.cont_out === "string" ? rest.cont_out : "",
      configured: (rest.configured as boolean | null) ?? null,
      deleting: false,
      adding: false,
      deleted: false,
      creation_date: typeof rest.creation_date === "number" ? rest.creation_date : nowSeconds(),
      vm_master: null,
      vm_id: typeof rest.vm_id === "number" ? rest.vm_id : 0,
      system_counter: 0,
      private_networks: (rest.private_networks as Record<string, string>) ?? {},
      snapshots: Array.isArray(rest.snapshots) ? (rest.snapshots as string[]) : [],
      vm_list: (rest.vm_list as (StoredVm & { info?: string; requested_radl?: string })[]).map(
        ({ info: _info, requested_radl: _requested, ...vm }) => ({
          ...newImportedVm(vm),
        }),
      ),
    };
    if (typeof planText === "string") planFromJson(planText);
    const owners = await ownersOf(ctx, this.store.ownerHasher);
    const secrets: JsonObject = typeof planText === "string" ? { plan: planText } : {};
    if (existing) {
      await this.store.updateInfrastructure(id, existing.version, {
        deleted: false,
        owners,
        data: toJson(data),
        secrets,
      });
    } else {
      await this.store.createInfrastructure({ id, owners, data: toJson(data), secrets });
    }
    if (stackState && typeof stackState === "object") {
      await this.stacks.importState(id, stackState as Parameters<StackManager["importState"]>[1]);
    }
    return id;
  }

  /** ChangeInfrastructureAuth: the new identity is validated like a login, then appended or made sole owner. */
  async changeInfrastructureAuth(
    ctx: AuthContext,
    infId: string,
    newAuth: AuthItem,
    overwrite = false,
  ): Promise<void> {
    const { record } = await this.open(ctx, infId);
    let other: AuthContext;
    try {
      other = await this.authenticator.authenticate([{ ...newAuth, type: "InfrastructureManager" }]);
    } catch (err) {
      throw new OperationFailedError(`Invalid new infrastructure data provided: ${messageOf(err)}`);
    }
    const added = await ownersOf(other, this.store.ownerHasher);
    if (!overwrite && (await canAccess({ ...other, admin: false }, record.owners, this.store.ownerHasher)))
      return;
    const owners = overwrite ? added : [...record.owners, ...added];
    await this.store.updateInfrastructure(infId, record.version, { owners });
  }

  // ------------------------------------------------------------------ clouds, stats

  async getCloudImageList(
    ctx: AuthContext,
    cloudId: string,
    filters: Record<string, string> = {},
  ): Promise<{ uri: string; name: string }[]> {
    const { driver, cloud, auth } = this.cloudOf(ctx, cloudId);
    if (!driver.listImages)
      throw new OperationFailedError(`The ${driver.type} connector cannot list images.`);
    return driver.listImages(filters, { cloud, auth });
  }

  async getCloudQuotas(
    ctx: AuthContext,
    cloudId: string,
  ): Promise<Record<string, { used: number; limit: number }>> {
    const { driver, cloud, auth } = this.cloudOf(ctx, cloudId);
    if (!driver.quotas) throw new OperationFailedError(`The ${driver.type} connector cannot read quotas.`);
    return driver.quotas({ cloud, auth });
  }

  /** GetStats: one record per infrastructure of the caller created in [initDate, endDate], deleted included. */
  async getStats(ctx: AuthContext, initDate?: Date, endDate?: Date): Promise<StatsRecord[]> {
    const keys = await listingKeys(ctx, this.store.ownerHasher);
    const out: StatsRecord[] = [];
    const summaries = await this.store.listInfrastructures({
      ...(keys ? { ownerKeys: keys } : {}),
      includeDeleted: true,
    });
    for (const summary of summaries) {
      if (!(await canAccess(ctx, summary.owners, this.store.ownerHasher))) continue;
      if (initDate && summary.createdAt < initDate) continue;
      if (endDate && summary.createdAt > endDate) continue;
      const record = await this.store.getInfrastructure(summary.id, { includeDeleted: true });
      if (!record) continue;
      const data = fromJson(record.data);
      const plan = this.planOf(record);
      const vms = plan?.vms ?? [];
      const hosts = new Set(vms.map((v) => v.cloudKey));
      const firstCloud = plan?.clouds[0];
      let cpu = 0;
      let memory = 0;
      for (const vm of vms) {
        cpu += numberFeature(vm.concrete.features, "cpu.count") ?? 1;
        memory += numberFeature(vm.concrete.features, "memory.size", "M") ?? 0;
      }
      out.push({
        creation_date: formatDateTime(summary.createdAt),
        tosca_name: "",
        vm_count: vms.length,
        cpu_count: cpu,
        memory_size: memory,
        cloud_type: firstCloud?.type ?? "",
        cloud_host: firstCloud?.server ?? firstCloud?.host ?? "",
        hybrid: hosts.size > 1,
        deleted: record.deleted || data.deleted,
        im_user: record.owners[0]?.username ?? "",
        inf_id: record.id,
        last_date: formatDateTime(record.updatedAt),
      });
    }
    return out;
  }

  // ------------------------------------------------------------------ internals

  /**
   * The BOOT_MODE gate (im-api.md §5.7): DisabledFunction for an operation the mode forbids. The
   * reference checks it before the credentials, so the listeners call it before authenticating too.
   */
  requireMode(mode: OperationMode): void {
    if (mode === "read") return;
    if (this.bootMode === 1 || (this.bootMode === 2 && mode === "write")) throw new DisabledFunctionError();
  }

  private async open(
    ctx: AuthContext,
    infId: string,
  ): Promise<{ record: InfrastructureRecord; data: InfData }> {
    const record = await this.store.getInfrastructure(infId);
    if (!record || record.deleted) throw new IncorrectInfrastructureError();
    if (!(await canAccess(ctx, record.owners, this.store.ownerHasher))) throw new UnauthorizedUserError();
    return { record, data: fromJson(record.data) };
  }

  private vmOf(data: InfData, vmId: string): StoredVm {
    if (!/^\d+$/.test(vmId)) throw new IncorrectVmError();
    const vm = data.vm_list.find((v) => v.im_id === Number(vmId));
    if (!vm) throw new IncorrectVmError();
    if (vm.destroy) throw new DeletedVmError();
    return vm;
  }

  private planOf(record: InfrastructureRecord): DeploymentPlan | undefined {
    const text = record.secrets.plan;
    return typeof text === "string" ? planFromJson(text) : undefined;
  }

  /**
   * `open` for the operations that only read: access is checked on the record's head (owners and
   * version), and the record is decrypted and parsed only when its version changed since the last
   * read here. DATA_DB stays the source of truth (every write bumps the version, whoever makes it);
   * the cached objects are never handed to writers, which read the store themselves (`write`).
   */
  private async openRead(ctx: AuthContext, infId: string): Promise<CachedRecord> {
    const head = await this.store.getInfrastructureHead(infId);
    if (!head || head.deleted) throw new IncorrectInfrastructureError();
    if (!(await canAccess(ctx, head.owners, this.store.ownerHasher))) throw new UnauthorizedUserError();
    const cached = this.readCache.get(infId);
    if (cached && cached.record.version === head.version) {
      // most recently used last, so that the oldest entry is the one evicted
      this.readCache.delete(infId);
      this.readCache.set(infId, cached);
      return cached;
    }
    const record = await this.store.getInfrastructure(infId);
    if (!record || record.deleted) throw new IncorrectInfrastructureError();
    if (!(await canAccess(ctx, record.owners, this.store.ownerHasher))) throw new UnauthorizedUserError();
    this.remember(record);
    return this.readCache.get(infId) ?? { record, data: fromJson(record.data) };
  }

  /** Caches a record just written, unless a newer version is already cached. */
  private remember(record: InfrastructureRecord, samePlan?: { plan: DeploymentPlan | undefined }): void {
    const cached = this.readCache.get(record.id);
    if (cached && cached.record.version >= record.version) return;
    this.readCache.delete(record.id);
    if (this.readCache.size >= READ_CACHE_SIZE) this.readCache.delete(this.readCache.keys().next().value!);
    this.readCache.set(record.id, { record, data: fromJson(record.data), ...samePlan });
  }

  /** The entry's plan, parsed on first use. */
  private entryPlan(entry: CachedRecord): DeploymentPlan | undefined {
    if (!("plan" in entry)) entry.plan = this.planOf(entry.record);
    return entry.plan;
  }

  /** The plan for reads that never change it: parsed once per cached record version. */
  private readPlan(record: InfrastructureRecord): DeploymentPlan | undefined {
    const cached = this.readCache.get(record.id);
    return cached?.record === record ? this.entryPlan(cached) : this.planOf(record);
  }

  private storedDocument(data: InfData): RadlDocument {
    if (data.radl.trim() === "") return emptyDocument("<api>");
    const result = loadRadl(data.radl, { source: "<stored>", lenient: true });
    if (!result.document)
      throw new OperationFailedError("The stored RADL of this infrastructure cannot be read.");
    return result.document;
  }

  private plan(input: Omit<Parameters<typeof planDeployment>[0], "drivers">): Promise<DeploymentPlan> {
    return planDeployment({
      ...input,
      drivers: this.drivers,
      ...(this.vmTags === undefined ? {} : { vmTags: this.vmTags }),
    }).catch((err: unknown) => {
      throw err instanceof ApiError ? err : new OperationFailedError(messageOf(err));
    });
  }

  private lower(plan: DeploymentPlan, auth: AuthItem[]) {
    return lowerPlan(plan, this.drivers, {
      auth,
      ...(this.contextualizer ? { contextualizer: this.contextualizer } : {}),
    });
  }

  /**
   * §4.2 step 3: VMs not refreshed for VM_INFO_UPDATE_FREQUENCY seconds are read back from their
   * driver (with the caller's credentials for that cloud); changes are saved.
   */
  private async refresh(ctx: AuthContext, entry: CachedRecord): Promise<InfData> {
    const { record, data } = entry;
    const now = nowSeconds();
    const due = (vm: StoredVm) =>
      !vm.destroy && !vm.creating && vm.id !== null && now - vm.last_update >= this.refreshSeconds;
    if (data.deleting || !data.vm_list.some(due)) return data;
    const plan = this.entryPlan(entry);
    if (!plan) return data;
    const updates = new Map<number, ProviderState>();
    const unknown = new Set<number>();
    for (const vm of data.vm_list) {
      if (!due(vm)) continue;
      const planned = plan.vms.find((v) => v.id === vm.im_id);
      const cloud = plan.clouds.find((c) => c.cloudKey === planned?.cloudKey);
      const driver = planned ? this.drivers.get(planned.connector) : undefined;
      const auth = ctx.credentials.find((a) => a.type === cloud?.type);
      if (!planned || !cloud || !driver?.readBack || !auth) continue;
      try {
        updates.set(vm.im_id, (await driver.readBack(withInstanceId(planned, vm.id), { cloud, auth })).state);
      } catch {
        // §4.2 step 4: a failed read-back keeps the last state until the last successful one is
        // older than VM_INFO_UPDATE_ERROR_GRACE_PERIOD; then the VM reads `unknown`
        if (now - vm.last_update > this.graceSeconds && vm.state !== "unknown") unknown.add(vm.im_id);
      }
    }
    if (updates.size === 0 && unknown.size === 0) return data;
    const change = (d: InfData) => {
      for (const vm of d.vm_list) {
        if (unknown.has(vm.im_id)) vm.state = "unknown";
        const state = updates.get(vm.im_id);
        if (state === undefined) continue;
        vm.state = state;
        vm.last_update = now;
      }
    };
    const next = structuredClone(data);
    change(next);
    try {
      // written over the version just read (no second read), and kept as the cached record
      // (only the data changes: the parsed plan goes with it)
      this.remember(
        await this.store.updateInfrastructure(record.id, record.version, { data: toJson(next) }),
        {
          plan,
        },
      );
    } catch (err) {
      if (err instanceof StoreConflictError) await this.write(record.id, change).catch(() => undefined);
    }
    return next;
  }

  private stateOf(data: InfData, vm: StoredVm): VmState {
    return vmState({
      providerState: vm.state,
      configured: vm.configured,
      failedLaunch: vm.error_msg !== null && vm.id === null,
      destroyed: vm.destroy,
      deleting: vm.deleting,
      creating: vm.creating,
      infConfigured: data.configured,
    });
  }

  private vmLog(vm: StoredVm): string {
    return (vm.error_msg ? `${vm.error_msg}\n` : "") + vm.cont_out;
  }

  /** The VM's RADL: the infrastructure's networks and its concrete system with live facts (§1.7.19). */
  private vmDocument(data: InfData, plan: DeploymentPlan | undefined, vm: StoredVm): RadlDocument {
    const planned = plan?.vms.find((v) => v.id === vm.im_id);
    if (!plan || !planned) throw new IncorrectVmError();
    const system = structuredClone(planned.concrete);
    const fs = system.features;
    setStringFeature(fs, "state", this.stateOf(data, vm));
    setStringFeature(fs, "provider.type", vm.cloud.type);
    if (vm.cloud.server) setStringFeature(fs, "provider.host", vm.cloud.server);
    if (vm.id) setStringFeature(fs, "instance_id", vm.id);
    for (const [nic, ip] of Object.entries(vm.ips)) setStringFeature(fs, `net_interface.${nic}.ip`, ip);
    return { ...emptyDocument(), networks: structuredClone(plan.document.networks), systems: [system] };
  }

  private cloudOf(ctx: AuthContext, cloudId: string) {
    const refs = cloudsFromAuth([...ctx.credentials]);
    const ref = refs.find((c) => c.id === cloudId);
    if (!ref) throw new OperationFailedError(`Cloud ID ${cloudId} not found.`);
    const driver = this.drivers.get(ref.type);
    if (!driver) throw new OperationFailedError(`Cloud type ${ref.type} not supported.`);
    const cloud: PlannedCloud = {
      id: ref.id,
      type: ref.type,
      cloudKey: "",
      port: ref.port ?? 0,
      decisions: {},
      ...(ref.host ? { host: ref.host } : {}),
      ...(ref.server ? { server: ref.server } : {}),
    };
    return { driver, cloud, auth: ctx.credentials[ref.index]! };
  }

  private async power(
    ctx: AuthContext,
    infId: string,
    vmId: string | undefined,
    power: PowerState,
    failurePrefix: string,
  ): Promise<void> {
    this.requireMode("write");
    await this.withLock(infId, async () => {
      const { data, record } = await this.open(ctx, infId);
      const plan = this.planOf(record);
      const ids =
        vmId !== undefined ? [this.vmOf(data, vmId).im_id] : plan ? liveVms(plan).map((v) => v.id) : [];
      if (!plan || ids.length === 0) return;
      const next = setDesiredPower(plan, ids, power);
      try {
        await this.stacks.upGraph(infId, this.lower(next, [...ctx.credentials]), {
          message: `power ${power}`,
        });
      } catch (err) {
        throw new OperationFailedError(`${failurePrefix}${messageOf(err)}`);
      }
      await this.write(
        infId,
        (d) => {
          for (const vm of d.vm_list) {
            if (!ids.includes(vm.im_id) || vm.destroy || vm.id === null) continue;
            vm.state = power;
            vm.last_update = nowSeconds();
          }
        },
        { plan: planToJson(next) },
      );
    });
  }

  /** Runs `up` for the plan; marks the VMs launched or failed. Returns null or the failure text. */
  private async runLaunch(
    job: JobRecord,
    plan: DeploymentPlan,
    vmIds: number[],
    context: boolean,
    auth: AuthItem[],
  ): Promise<string | null> {
    // the job stays queued for the next start
    if (this.stopping.signal.aborted) throw new ServerStoppingError();
    await this.jobState(job, "running");
    let failure: string | null = null;
    try {
      const launched = await launchVms({
        stacks: this.stacks,
        plan,
        vmIds,
        lower: (p) => this.lower(p, auth),
        limits: this.launchLimits,
        message: "launch",
        signal: this.stopping.signal,
      });
      const outputs = launched.outputs;
      // §4.7: VMs that used up their MAX_VM_FAILS attempts stay, failed, unless all of them failed
      if (launched.failed.size > 0 && launched.failed.size === vmIds.length) {
        failure = [...launched.failed].map(([id, text]) => `VM ${id}: ${text}`).join("\n");
      }
      await this.write(
        plan.infId,
        (d) => {
          for (const vm of d.vm_list) {
            const text = launched.failed.get(vm.im_id);
            if (text === undefined || !vmIds.includes(vm.im_id)) continue;
            vm.creating = false;
            vm.state = "failed";
            vm.error_msg = `Error launching the VM: ${text}`;
          }
        },
        launched.failed.size > 0 ? { plan: planToJson(launched.plan) } : undefined,
      );
      if (failure !== null) throw new Error(failure);
      await this.write(plan.infId, (d) => {
        const now = nowSeconds();
        for (const vm of d.vm_list) {
          const out = outputs[String(vm.im_id)];
          if (vm.destroy || !out) continue;
          if (vmIds.includes(vm.im_id)) {
            vm.creating = false;
            vm.id = out.instanceId;
            vm.state = out.desiredPower;
            vm.last_update = now;
            vm.ips = {};
            out.nics.forEach((nic, i) => {
              if (nic.ip) vm.ips[String(i)] = nic.ip;
            });
          }
          if (context) vm.configured = null;
        }
        d.adding = false;
      });
    } catch (err) {
      // cut by the stop: the job stays running, and the next start runs it again
      if (this.stopping.signal.aborted) throw new ServerStoppingError();
      failure = messageOf(err);
      await this.write(plan.infId, (d) => {
        for (const vm of d.vm_list) {
          if (!vmIds.includes(vm.im_id) || vm.state === "failed") continue;
          vm.creating = false;
          vm.state = "failed";
          vm.error_msg = `Error launching the VMs of type ${vm.cloud.type}: ${failure}`;
        }
        d.adding = false;
        d.cont_out += logLine(`Error launching the VMs: ${failure}`);
      }).catch(() => undefined);
    }
    // launched as the server stops: the next start runs the (now empty) update again and then
    // starts the contextualization, which a stopping server would only leave behind
    if (failure === null && this.stopping.signal.aborted) throw new ServerStoppingError();
    if (failure === null && context) await this.contextualizeNow(plan.infId, null, auth);
    await this.jobState(job, failure === null ? "succeeded" : "failed", failure);
    return failure;
  }

  /**
   * Contextualization. The configure steps run inside `up` when a contextualizer is wired in (its
   * outcome is the launch's); here the flags and the log are settled as §4.3 describes.
   */
  private async contextualizeNow(infId: string, vms: number[] | null, auth: AuthItem[] = []): Promise<void> {
    if (this.ctxt) {
      await this.ctxt.start(infId, vms, auth);
      return;
    }
    await this.write(infId, (d) => {
      const disabled = this.storedDocument(d).contextualize.items?.size === 0;
      d.cont_out = disabled
        ? "Contextualization disabled by the RADL/TOSCA template.\n\n"
        : logLine("Contextualization started.") + logLine("Contextualization finished.");
      d.configured = true;
      for (const vm of d.vm_list) {
        if (vm.destroy || vm.id === null) continue;
        if (vms !== null && !vms.includes(vm.im_id) && vm.configured !== null) continue;
        vm.configured = true;
        vm.cont_out = disabled ? "Contextualization disabled\n" : logLine("VM configured.");
      }
    });
  }

  private async runDestroy(job: JobRecord, force: boolean, auth: AuthItem[] = []): Promise<void> {
    const infId = job.infId!;
    await this.jobState(job, "running");
    await this.deleteSnapshots(infId, auth);
    try {
      if (await this.stacks.stackExists(infId))
        await this.stacks.destroy(infId, { remove: true, message: "destroy" });
    } catch (err) {
      const message = `Error destroying the infrastructure: ${messageOf(err)}`;
      if (!force) {
        await this.write(infId, (d) => void (d.deleting = false)).catch(() => undefined);
        await this.jobState(job, "failed", message);
        throw new OperationFailedError(message);
      }
    }
    await this.markDeleted(infId);
    await this.jobState(job, "succeeded");
  }

  /** Auto-delete snapshots (§1.7.24) go with the infrastructure; a failure is logged in contmsg, not fatal. */
  private async deleteSnapshots(infId: string, auth: AuthItem[]): Promise<void> {
    const record = await this.store.getInfrastructure(infId);
    const plan = record ? this.planOf(record) : undefined;
    if (!record || !plan) return;
    const notes: string[] = [];
    for (const url of fromJson(record.data).snapshots) {
      const cloud = plan.clouds.find((c) => this.drivers.get(c.type)?.deleteImage);
      const driver = cloud ? this.drivers.get(cloud.type) : undefined;
      const item = auth.find((a) => a.type === cloud?.type);
      if (!cloud || !driver?.deleteImage || !item) {
        notes.push(`Snapshot ${url} not deleted: no credentials for its cloud.`);
        continue;
      }
      await driver.deleteImage(url, { cloud, auth: item }).catch((err: unknown) => {
        notes.push(`Error deleting snapshot ${url}: ${messageOf(err)}`);
      });
    }
    if (notes.length > 0) {
      await this.write(infId, (d) => void (d.cont_out += notes.map((n) => logLine(n)).join(""))).catch(
        () => undefined,
      );
    }
  }

  private async resume(job: JobRecord): Promise<void> {
    const record = job.infId ? await this.store.getInfrastructure(job.infId) : undefined;
    if (!record) {
      await this.jobState(job, "failed", "The infrastructure no longer exists");
      return;
    }
    if (job.kind === "destroy") {
      await this.runDestroy(job, Boolean(job.params.force)).catch(() => undefined);
      return;
    }
    if (job.kind === "ctxt") {
      this.ctxt?.resume(job);
      return;
    }
    const plan = this.planOf(record);
    if (job.kind === "create") {
      // with a plan, its launch job (recorded first) carries on; without one, the credentials
      // needed to plan are gone
      if (plan) {
        await this.jobState(job, "succeeded");
        return;
      }
      const reason =
        "Interrupted by a server restart before its VMs were planned (cloud credentials are not stored): create it again";
      await this.failCreate(record.id, `Error creating the infrastructure: ${reason}`);
      await this.jobState(job, "failed", reason);
      return;
    }
    if (!plan) {
      await this.jobState(job, "failed", "No plan stored");
      return;
    }
    const vmIds = Array.isArray(job.params.vmIds) ? (job.params.vmIds as number[]) : [];
    await this.runLaunch(job, plan, vmIds, Boolean(job.params.context), []);
  }

  private async failInterrupted(infId: string, reason: string): Promise<void> {
    await this.write(infId, (d) => {
      d.adding = false;
      for (const vm of d.vm_list) {
        if (!vm.creating) continue;
        vm.creating = false;
        vm.state = "failed";
        vm.error_msg = reason;
      }
    }).catch(() => undefined);
  }

  private async markDeleted(infId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const record = await this.store.getInfrastructure(infId, { includeDeleted: true });
      if (!record) return;
      const data = fromJson(record.data);
      data.deleted = true;
      data.deleting = false;
      try {
        await this.store.updateInfrastructure(infId, record.version, { deleted: true, data: toJson(data) });
        return;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt > 10) throw err;
      }
    }
  }

  /** Read-modify-write of the record with optimistic locking (retried on a conflict). */
  private async write(infId: string, change: (data: InfData) => void, secrets?: JsonObject): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const record = await this.store.getInfrastructure(infId);
      if (!record) throw new IncorrectInfrastructureError();
      const data = fromJson(structuredClone(record.data));
      change(data);
      try {
        await this.store.updateInfrastructure(infId, record.version, {
          data: toJson(data),
          ...(secrets ? { secrets: { ...record.secrets, ...secrets } } : {}),
        });
        return;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt > 10) throw err;
      }
    }
  }

  private async withLock<T>(infId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(infId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(infId, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(infId) === settled) this.locks.delete(infId);
    }
  }

  private newJob(infId: string, kind: string, params: JsonObject): Promise<JobRecord> {
    return this.store.createJob({ infId, kind, params, holder: this.serverId, state: "queued" });
  }

  private async jobState(
    job: JobRecord,
    state: JobRecord["state"],
    error: string | null = null,
  ): Promise<void> {
    await this.store
      .updateJob(job.id, { state, error, ...(state === "running" ? {} : { holder: null }) })
      .catch(() => undefined);
  }

  private track(run: Promise<unknown>): void {
    const p = run.catch(() => undefined);
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}

const CREATE_BURST_QUIET_MS = 100;
const CREATE_BURST_MAX_DEFER_MS = 2_000;

/** Every queued create and engine run listens to it: more than the default 10 listeners is normal. */
function stoppingController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

function newStoredVm(plan: DeploymentPlan, id: number, now: number): StoredVm {
  const vm = plan.vms.find((v) => v.id === id)!;
  const cloud = plan.clouds.find((c) => c.cloudKey === vm.cloudKey);
  return {
    im_id: id,
    creation_im_id: id,
    id: null,
    cloud: {
      id: cloud?.id ?? "",
      type: vm.connector,
      ...(cloud?.server ? { server: cloud.server } : {}),
      ...(cloud?.port ? { port: cloud.port } : {}),
      ...(cloud?.protocol ? { protocol: cloud.protocol } : {}),
      ...(cloud?.path ? { path: cloud.path } : {}),
    },
    system: vm.system,
    state: "pending",
    configured: null,
    destroy: false,
    deleting: false,
    creating: true,
    cont_out: "",
    error_msg: null,
    last_update: now,
    creation_date: now,
    ips: {},
    cpu: numberFeature(vm.concrete.features, "cpu.count") ?? null,
    memory_mb: null,
  };
}

/** A new record's data before any VM is planned. */
function newInfData(id: string, document: RadlDocument, now: number): InfData {
  return {
    id,
    radl: printRadl(document),
    extra_info: {},
    cont_out: "",
    configured: null,
    deleting: false,
    adding: false,
    deleted: false,
    creation_date: now,
    vm_master: null,
    vm_id: 0,
    system_counter: 0,
    private_networks: {},
    snapshots: [],
    vm_list: [],
  };
}

/**
 * The cloud errors of planning that need no driver: no cloud item at all, or a deploy naming a
 * cloud id the auth data lacks (same texts as the planner's).
 */
function checkClouds(document: RadlDocument, auth: AuthItem[]): void {
  const clouds = cloudsFromAuth(auth);
  for (const deploy of document.deploys) {
    if (deploy.cloud !== undefined && !clouds.some((c) => c.id === deploy.cloud))
      throw new OperationFailedError(new UnknownCloudIdError(deploy.cloud).message);
  }
  if (clouds.length === 0) {
    const first = document.deploys[0]?.system ?? "";
    throw new OperationFailedError(
      new NoCloudError(first, "No cloud credentials were given in the auth data").message,
    );
  }
}

function newImportedVm(vm: Partial<StoredVm>): StoredVm {
  const states: ProviderState[] = ["pending", "running", "stopped", "off", "failed", "unknown"];
  return {
    im_id: Number(vm.im_id ?? 0),
    creation_im_id: Number(vm.creation_im_id ?? vm.im_id ?? 0),
    id: vm.id ?? null,
    cloud: vm.cloud ?? { id: "", type: "" },
    system: vm.system ?? "",
    state: states.includes(vm.state as ProviderState) ? (vm.state as ProviderState) : "running",
    configured: vm.configured ?? null,
    destroy: Boolean(vm.destroy),
    deleting: false,
    creating: false,
    cont_out: vm.cont_out ?? "",
    error_msg: vm.error_msg ?? null,
    last_update: vm.last_update ?? nowSeconds(),
    creation_date: vm.creation_date ?? nowSeconds(),
    ips: vm.ips ?? {},
    cpu: vm.cpu ?? null,
    memory_mb: vm.memory_mb ?? null,
  };
}

/**
 * Parses a request body (§1.2): empty = empty RADL; errors carry `<api>:line:col`. With
 * `check: false` only the syntax is checked: the caller checks the document once it is completed
 * with the stored definitions (AddResource may deploy a system stored earlier).
 */
export function parseBody(body: RadlBody, options: { check?: boolean } = {}): RadlDocument {
  if (body.kind === "tosca")
    throw new OperationFailedError("TOSCA documents are not supported by this server yet.");
  if (body.text.trim() === "") return emptyDocument("<api>");
  const result =
    options.check === false
      ? detectFormat(body.text) === "json"
        ? decodeRadlJson(body.text, { source: "<api>" })
        : parseRadl(body.text, { source: "<api>" })
      : loadRadl(body.text, { source: "<api>" });
  if (!result.document || result.diagnostics.some(isError)) {
    throw new OperationFailedError(
      result.diagnostics
        .filter(isError)
        .map((d) => formatDiagnostic(d))
        .join("\n"),
      "E-IM-RADL",
    );
  }
  return result.document;
}

function formatDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function messageOf(err: unknown): string {
  if (err instanceof RadlPulumiError || err instanceof Error) return err.message;
  return String(err);
}

/**
 * The planned VM as drivers act on it: with the cloud's instance id (known only after the launch,
 * from the stack outputs stored in the VM record) when the plan did not choose one itself.
 */
function withInstanceId(planned: PlannedVm, instanceId: string | null): PlannedVm {
  if (instanceId === null || planned.decisions.instanceId !== undefined) return planned;
  return { ...planned, decisions: { ...planned.decisions, instanceId } };
}
