/**
 * The ResourceGraph: the one lowering every back end consumes (DESIGN.md, providers.md §0, §9).
 *
 * Everything here is plain JSON: a graph can be stored, compared and printed, and
 * `JSON.parse(JSON.stringify(graph))` deep-equals the graph.
 */

/** A reference to another node: the resource itself (no `prop`) or one of its outputs. */
export interface GraphRef {
  /** Id of the referenced node. */
  ref: string;
  /**
   * Output property; a dotted path reaches into nested outputs ("networks.0.fixedIpV4").
   * Absent: the resource object itself (e.g. an explicit provider passed as an argument).
   */
  prop?: string;
}

/** A string built from literal parts and references, like `pulumi.interpolate`. */
export interface GraphInterpolation {
  interpolate: (string | number | GraphRef | GraphSecret)[];
}

/** A value that must be a Pulumi secret in the program and in the stack state. */
export interface GraphSecret {
  secret: GraphValue;
}

/** A Pulumi asset or archive (for `command:remote:CopyToRemote.source` and the like). */
export interface GraphAsset {
  asset:
    | { kind: "file"; path: string }
    | { kind: "string"; text: string }
    | { kind: "fileArchive"; path: string }
    | { kind: "assetArchive"; assets: Record<string, GraphAsset> };
}

export type GraphScalar = null | boolean | number | string;

/**
 * An argument value. A plain object whose keys are exactly those of one of the special forms
 * (`{ref}`, `{ref, prop}`, `{interpolate}`, `{secret}`, `{asset}`) IS that form; every other
 * object is a literal map.
 */
export type GraphValue =
  | GraphScalar
  | GraphRef
  | GraphInterpolation
  | GraphSecret
  | GraphAsset
  | GraphValue[]
  | { [key: string]: GraphValue };

export interface GraphNodeOptions {
  /** Id of the parent node (usually a component). VM components themselves have none (§9.4). */
  parent?: string;
  dependsOn?: string[];
  /** Id of the explicit provider node (`pulumi:providers:<pkg>`). */
  provider?: string;
  protect?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  retainOnDelete?: boolean;
  additionalSecretOutputs?: string[];
  /** Previous URNs or names, when a node's name or parent changes (§9.3 "Structure"). */
  aliases?: string[];
  customTimeouts?: { create?: string; update?: string; delete?: string };
}

export interface GraphNode {
  /** Unique within the graph; by convention the logical name (they differ only when two types share a name). */
  id: string;
  /** Pulumi type token, e.g. `aws:ec2/instance:Instance`, `im:index:VirtualMachine`. */
  type: string;
  /** Pulumi logical name (the `name` constructor argument), stable across updates (§9.3). */
  name: string;
  args: Record<string, GraphValue>;
  options?: GraphNodeOptions;
}

/** The stack outputs of one VM as declared by the program (providers.md §9.4), values may be refs. */
export interface VmOutputSpec {
  cloudKey: string;
  connector: string;
  /** IM format, e.g. "eu-west-1;i-0abc"; a ref when only known after creation. */
  instanceId: GraphValue;
  /** role → cloud id (server, ports, fips, volumes…). */
  physical: Record<string, GraphValue>;
  name: string;
  zone?: string;
  desiredPower: "running" | "stopped";
  nics: { radlNet: string; ip?: GraphValue; ipv6?: GraphValue; kind: string }[];
  outports: { remote: number; local: number; protocol: string }[];
  ssh: { host?: GraphValue; port: number; user: string; viaProxy?: string };
}

export interface SharedOutputSpec {
  securityGroups: Record<string, GraphValue>;
  networks: Record<string, GraphValue>;
  subnets: Record<string, GraphValue>;
  router?: GraphValue;
  vpc?: GraphValue;
  namespace?: GraphValue;
}

/** Secret per-VM values; kept apart from `vms` because one secret makes a whole output secret. */
export interface VmSecretSpec {
  privateKey?: GraphValue;
  password?: GraphValue;
}

export interface GraphOutputs {
  /** Keyed by IM VM id (decimal string). */
  vms: Record<string, VmOutputSpec>;
  shared: SharedOutputSpec;
  vmSecrets: Record<string, VmSecretSpec>;
  /** Anything else a back end adds (e.g. the contextualizer's generation). */
  extra?: Record<string, GraphValue>;
}

export const GRAPH_VERSION = 1;

export interface ResourceGraph {
  version: typeof GRAPH_VERSION;
  /** In declaration order; `registerGraph` orders them by dependencies itself. */
  nodes: GraphNode[];
  outputs: GraphOutputs;
}

/** The resolved shape of the `vms` stack output, as read back from a stack. */
export interface VmStackOutput {
  cloudKey: string;
  connector: string;
  instanceId: string;
  physical: Record<string, string>;
  name: string;
  zone?: string;
  desiredPower: "running" | "stopped";
  nics: { radlNet: string; ip?: string; ipv6?: string; kind: string }[];
  outports: { remote: number; local: number; protocol: string }[];
  ssh: { host?: string; port: number; user: string; viaProxy?: string };
}

export function emptyOutputs(): GraphOutputs {
  return { vms: {}, shared: { securityGroups: {}, networks: {}, subnets: {} }, vmSecrets: {} };
}

export function emptyGraph(): ResourceGraph {
  return { version: GRAPH_VERSION, nodes: [], outputs: emptyOutputs() };
}
