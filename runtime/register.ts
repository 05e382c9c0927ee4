/**
 * ResourceGraph → real Pulumi resources, inside a Pulumi program (inline Automation API program
 * or under runtime mocks). Usable directly as an inline program body:
 *   `program: () => registerGraph(graph)` — its result is the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { UnknownTokenError } from "../compiler/graph/errors.js";
import type { GraphNode, GraphValue, ResourceGraph } from "../compiler/graph/types.js";
import { validateGraph } from "../compiler/graph/validate.js";
import { isAsset, isInterpolation, isRef, isSecret } from "../compiler/graph/values.js";
import type { GraphAsset, GraphRef } from "../compiler/graph/types.js";
import { UnknownOutputError } from "./errors.js";
import { isTableToken, loadFactories, type ResourceFactory } from "./token-table.js";

export interface RegisterOptions {
  /** Factories for tokens outside the table (e.g. dynamic-provider resources). */
  extraFactories?: Record<string, ResourceFactory>;
}

export interface RegisteredGraph {
  /** Node id → the SDK object. */
  resources: Map<string, pulumi.Resource>;
  /** The stack outputs (`vms`, `shared`, `vmSecrets` as a secret, plus `extra` keys). */
  outputs: Record<string, pulumi.Output<unknown>>;
}

/** Registers every node and returns the stack outputs. Throws typed errors before registering anything. */
export async function registerGraph(
  graph: ResourceGraph,
  options: RegisterOptions = {},
): Promise<Record<string, pulumi.Output<unknown>>> {
  return (await registerGraphDetailed(graph, options)).outputs;
}

export async function registerGraphDetailed(
  graph: ResourceGraph,
  options: RegisterOptions = {},
): Promise<RegisteredGraph> {
  const extra = options.extraFactories ?? {};
  const order = validateGraph(graph, { extraTokens: Object.keys(extra) });
  for (const node of order) {
    if (!isTableToken(node.type) && !(node.type in extra)) throw new UnknownTokenError(node.id, node.type);
  }
  const factories = await loadFactories(order.map((n) => n.type));
  for (const [token, factory] of Object.entries(extra)) factories.set(token, factory);

  const resources = new Map<string, pulumi.Resource>();
  const resolver = new ValueResolver(resources);
  for (const node of order) {
    const factory = factories.get(node.type)!;
    const args = resolver.resolveRecord(node.args);
    resources.set(node.id, factory(node.name, args, resourceOptions(node, resources)));
  }

  const o = graph.outputs;
  const outputs: Record<string, pulumi.Output<unknown>> = {
    vms: pulumi.output(resolver.resolve(o.vms as unknown as GraphValue)),
    shared: pulumi.output(resolver.resolve(o.shared as unknown as GraphValue)),
    vmSecrets: pulumi.secret(resolver.resolve(o.vmSecrets as unknown as GraphValue)),
  };
  for (const [key, value] of Object.entries(o.extra ?? {}))
    outputs[key] = pulumi.output(resolver.resolve(value));
  return { resources, outputs };
}

function resourceOptions(
  node: GraphNode,
  resources: Map<string, pulumi.Resource>,
): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
  const o = node.options ?? {};
  const opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions = {};
  if (o.parent !== undefined) opts.parent = resources.get(o.parent)!;
  if (o.dependsOn !== undefined) opts.dependsOn = o.dependsOn.map((id) => resources.get(id)!);
  if (o.provider !== undefined) opts.provider = resources.get(o.provider) as pulumi.ProviderResource;
  if (o.protect !== undefined) opts.protect = o.protect;
  if (o.ignoreChanges !== undefined) opts.ignoreChanges = o.ignoreChanges;
  if (o.deleteBeforeReplace !== undefined) opts.deleteBeforeReplace = o.deleteBeforeReplace;
  if (o.retainOnDelete !== undefined) opts.retainOnDelete = o.retainOnDelete;
  if (o.additionalSecretOutputs !== undefined) opts.additionalSecretOutputs = o.additionalSecretOutputs;
  if (o.aliases !== undefined) opts.aliases = o.aliases;
  if (o.customTimeouts !== undefined) opts.customTimeouts = o.customTimeouts;
  return opts;
}

class ValueResolver {
  constructor(private readonly resources: Map<string, pulumi.Resource>) {}

  resolveRecord(args: Record<string, GraphValue>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) out[k] = this.resolve(v);
    return out;
  }

  resolve(value: GraphValue): unknown {
    if (value === null || typeof value !== "object") return value;
    if (isRef(value)) return this.resolveRef(value);
    if (isInterpolation(value)) {
      return pulumi.concat(
        ...value.interpolate.map((p) => this.resolve(p as GraphValue) as pulumi.Input<string>),
      );
    }
    if (isSecret(value)) return pulumi.secret(this.resolve(value.secret));
    if (isAsset(value)) return toAsset(value);
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    return this.resolveRecord(value as Record<string, GraphValue>);
  }

  private resolveRef(r: GraphRef): unknown {
    const resource = this.resources.get(r.ref)!;
    if (r.prop === undefined) return resource;
    const [head, ...rest] = r.prop.split(".");
    const first = (resource as unknown as Record<string, unknown>)[head!];
    if (!pulumi.Output.isInstance(first)) throw new UnknownOutputError(r.ref, r.prop);
    if (rest.length === 0) return first;
    return first.apply((v: unknown) => dig(v, rest));
  }
}

function dig(value: unknown, path: string[]): unknown {
  let v = value;
  for (const segment of path) {
    if (v === null || v === undefined) return undefined;
    v = (v as Record<string, unknown>)[segment];
  }
  return v;
}

function toAsset(value: { asset: GraphAsset["asset"] }): pulumi.asset.Asset | pulumi.asset.Archive {
  const a = value.asset;
  switch (a.kind) {
    case "file":
      return new pulumi.asset.FileAsset(a.path);
    case "string":
      return new pulumi.asset.StringAsset(a.text);
    case "fileArchive":
      return new pulumi.asset.FileArchive(a.path);
    case "assetArchive": {
      const assets: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {};
      for (const [k, v] of Object.entries(a.assets)) assets[k] = toAsset(v);
      return new pulumi.asset.AssetArchive(assets);
    }
  }
}
