/**
 * The interfaces plan and lowering call. compiler/ never imports a driver or the runtime:
 * cli/ and api/ pass the real ones in (providers/registry.ts, runtime/contextualize), tests pass fakes.
 */
import type { AuthItem } from "../auth/types.js";
import type { CloudRef } from "../auth/cloud.js";
import type { RadlDocument, SystemSec } from "../ir.js";
import type { GraphNode, GraphValue, SharedOutputSpec, VmOutputSpec, VmSecretSpec } from "../graph/types.js";
import type { DeploymentPlan, JsonValue, PlannedCloud, PlannedVm, RandomSource } from "./types.js";

export interface DriverCapabilities {
  start: boolean;
  stop: boolean;
  reboot: boolean;
  alter: boolean;
  snapshot: boolean;
  listImages: boolean;
  quotas: boolean;
  /** Kubernetes: 1 (providers.md §10). */
  maxVmsPerSystem?: number;
}

/**
 * What discovery would look up in one cloud (images, flavours, networks...), given instead by
 * `radl compile --catalog FILE`. Its shape is the driver's (documented in providers/<cloud>/).
 * When present the driver must answer from it alone and never call the cloud.
 */
export type CloudCatalog = Record<string, JsonValue>;

export interface ConcretizeContext {
  infId: string;
  cloud: CloudRef;
  auth: AuthItem;
  document: RadlDocument;
  random: RandomSource;
  catalog?: CloudCatalog;
}

export interface Concretized {
  /** A new system (never the input mutated) with the cloud's values filled in. */
  system: SystemSec;
  /** Soft-requirement score (radl.md §3.6: applied weights × 10000); 0 when none. */
  score?: number;
}

export interface PlanVmContext {
  infId: string;
  cloud: PlannedCloud;
  auth: AuthItem;
  document: RadlDocument;
  random: RandomSource;
}

export interface PlanCloudContext {
  infId: string;
  cloud: CloudRef;
  auth: AuthItem;
  document: RadlDocument;
  random: RandomSource;
  /** Decisions already stored for this cloud (empty the first time). */
  previous: Record<string, JsonValue>;
  /** Every live VM of the cloud, the new ones included. */
  vms: PlannedVm[];
  catalog?: CloudCatalog;
}

/** What lowering gives a driver for one cloud: only that cloud's live VMs. */
export interface CloudSlice {
  plan: DeploymentPlan;
  cloud: PlannedCloud;
  vms: PlannedVm[];
  /** The caller's auth item for this cloud (type + host match, im-api §3.11), if it sent one. */
  credentials?: AuthItem;
}

/** An SSH endpoint in the shape of `command.remote.ConnectionArgs` (providers.md §2.9). */
export interface SshConnectionSpec {
  host: GraphValue;
  port: number;
  user: string;
  password?: GraphValue;
  privateKey?: GraphValue;
  proxy?: { host: GraphValue; port?: number; user?: string; password?: GraphValue; privateKey?: GraphValue };
}

export interface LoweredVm {
  vm: PlannedVm;
  /** Id of the `im:index:VirtualMachine` node (`vm-<id>`). */
  componentId: string;
  /** Nodes the VM's contextualization must wait for (its server, public IPs...). */
  readyNodeIds: string[];
  output: VmOutputSpec;
  secrets: VmSecretSpec;
  /** First-contact SSH connection; undefined when the VM cannot be reached (e.g. no IP at all). */
  connection?: SshConnectionSpec;
  /** Private and public addresses as graph values (constants or refs), for inventories. */
  privateIp?: GraphValue;
  publicIp?: GraphValue;
}

export interface LoweredCloud {
  nodes: GraphNode[];
  vms: LoweredVm[];
  shared?: Partial<SharedOutputSpec>;
}

/** Live facts of one VM (providers.md §2.5). */
export interface VmFacts {
  state: "pending" | "running" | "stopped" | "off" | "failed" | "unknown";
  instanceId?: string;
  instanceName?: string;
  ips: {
    ip: string;
    ipv6?: boolean;
    kind: "fixed" | "floating" | "elastic" | "pod" | "host";
    radlNet?: string;
  }[];
  size?: { cpu?: number; memMB?: number; instanceType?: string };
  extra?: Record<string, JsonValue>;
}

export interface ActContext {
  cloud: PlannedCloud;
  auth: AuthItem;
}

/** One implementation per connector type (providers.md §1.6). */
export interface Driver {
  /** The auth `type` it serves, e.g. "Dummy". */
  readonly type: string;
  readonly capabilities: DriverCapabilities;
  /** Tokens it emits that are not in compiler/graph KNOWN_TOKENS (e.g. dynamic resources). */
  readonly extraTokens?: readonly string[];
  /** Cheap URL test, no I/O: could `url` (undefined when the system has none) be deployed here? */
  matchesImage(url: string | undefined, cloud: CloudRef): boolean;
  /** providers.md §9.2 identity, hashed into the cloud key; may call the cloud (e.g. STS). */
  cloudIdentity(cloud: CloudRef, auth: AuthItem): Promise<string>;
  /** = concrete_system: null when the system cannot be deployed in this cloud. */
  concretize(system: SystemSec, ctx: ConcretizeContext): Promise<Concretized | null>;
  /** Per-cloud discovery, stored (D1). Called whenever new VMs are planned into the cloud. */
  planCloud?(ctx: PlanCloudContext): Promise<Record<string, JsonValue>>;
  /** Per-VM choices, made once when the VM is planned and stored (D1). */
  planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>>;
  /** Pure and deterministic: the graph nodes and outputs of one cloud's live VMs and shared objects. */
  lower(slice: CloudSlice): LoweredCloud;
  /** = updateVMInfo without side effects. */
  readBack?(vm: PlannedVm, ctx: ActContext): Promise<VmFacts>;
  reboot?(vm: PlannedVm, ctx: ActContext): Promise<void>;
  snapshot?(vm: PlannedVm, disk: number, name: string, ctx: ActContext): Promise<string>;
  deleteImage?(url: string, ctx: ActContext): Promise<void>;
  listImages?(filters: Record<string, string>, ctx: ActContext): Promise<{ uri: string; name: string }[]>;
  quotas?(ctx: ActContext, region?: string): Promise<Record<string, { used: number; limit: number }>>;
}

/** How plan and lowering find drivers (providers/registry.ts builds one). */
export interface DriverLookup {
  get(type: string): Driver | undefined;
}

export function driverLookup(drivers: Iterable<Driver>): DriverLookup {
  const map = new Map<string, Driver>();
  for (const d of drivers) map.set(d.type, d);
  return { get: (type) => map.get(type) };
}

export interface ContextualizeInput {
  plan: DeploymentPlan;
  /** The lowered live VMs, in VM id order. */
  vms: LoweredVm[];
  /** Every cloud node lowered so far (read-only). */
  nodes: readonly GraphNode[];
}

export interface ContextualizeOutput {
  nodes: GraphNode[];
  outputs?: Record<string, GraphValue>;
}

/** Implemented by runtime/contextualize: configure/contextualize sections → command nodes. */
export interface Contextualizer {
  lower(input: ContextualizeInput): ContextualizeOutput;
}
