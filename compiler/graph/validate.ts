import {
  DanglingReferenceError,
  DuplicateNodeError,
  GraphCycleError,
  MalformedGraphError,
  UnknownTokenError,
} from "./errors.js";
import { KNOWN_TOKENS, isProviderToken } from "./tokens.js";
import type { GraphNode, GraphValue, ResourceGraph } from "./types.js";
import { GRAPH_VERSION } from "./types.js";
import { collectRefs } from "./values.js";

export interface ValidateOptions {
  /** Tokens accepted besides KNOWN_TOKENS (e.g. dynamic resources a caller registers itself). */
  extraTokens?: Iterable<string>;
}

/** The ids a node must come after: its parent, provider, dependsOn and every ref in its args. */
export function nodeDependencies(node: GraphNode): { target: string; where: string }[] {
  const deps: { target: string; where: string }[] = [];
  const o = node.options ?? {};
  if (o.parent !== undefined) deps.push({ target: o.parent, where: "options.parent" });
  if (o.provider !== undefined) deps.push({ target: o.provider, where: "options.provider" });
  for (const d of o.dependsOn ?? []) deps.push({ target: d, where: "options.dependsOn" });
  for (const [key, value] of Object.entries(node.args)) {
    for (const r of collectRefs(value)) deps.push({ target: r.ref, where: `args.${key}` });
  }
  return deps;
}

function checkJson(value: unknown, path: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new MalformedGraphError(`${path} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkJson(v, `${path}.${k}`);
    return;
  }
  throw new MalformedGraphError(`${path} is not plain JSON (${typeof value})`);
}

function checkShape(graph: ResourceGraph): void {
  if (graph === null || typeof graph !== "object") throw new MalformedGraphError("graph is not an object");
  if (graph.version !== GRAPH_VERSION) {
    throw new MalformedGraphError(`graph version ${String(graph.version)} is not ${GRAPH_VERSION}`);
  }
  if (!Array.isArray(graph.nodes)) throw new MalformedGraphError("graph.nodes is not an array");
  graph.nodes.forEach((n, i) => {
    for (const field of ["id", "type", "name"] as const) {
      if (typeof n?.[field] !== "string" || n[field] === "") {
        throw new MalformedGraphError(`node #${i} has no ${field}`);
      }
    }
    if (n.args === null || typeof n.args !== "object" || Array.isArray(n.args)) {
      throw new MalformedGraphError(`node '${n.id}' has no args object`);
    }
  });
  checkJson(graph.nodes, "nodes");
  checkJson(graph.outputs, "outputs");
}

/**
 * Checks a graph before anything is registered or emitted, and returns its nodes in an order
 * where every node comes after everything it depends on (stable: declaration order otherwise).
 * Throws MalformedGraphError, DuplicateNodeError, UnknownTokenError, DanglingReferenceError or
 * GraphCycleError.
 */
export function validateGraph(graph: ResourceGraph, options: ValidateOptions = {}): GraphNode[] {
  checkShape(graph);
  const known = new Set([...KNOWN_TOKENS, ...(options.extraTokens ?? [])]);
  const byId = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (byId.has(node.id)) throw new DuplicateNodeError(node.id, "two nodes have this id");
    byId.set(node.id, node);
  }
  for (const node of graph.nodes) {
    if (!known.has(node.type)) throw new UnknownTokenError(node.id, node.type);
    for (const dep of nodeDependencies(node)) {
      if (!byId.has(dep.target)) throw new DanglingReferenceError(node.id, dep.target, dep.where);
    }
    const provider = node.options?.provider;
    if (provider !== undefined && !isProviderToken(byId.get(provider)!.type)) {
      throw new MalformedGraphError(
        `node '${node.id}' uses '${provider}' as provider, which is not a provider`,
      );
    }
  }
  for (const r of collectRefs(graph.outputs as unknown as GraphValue)) {
    if (!byId.has(r.ref)) throw new DanglingReferenceError("<outputs>", r.ref, "outputs");
  }
  const order = topologicalOrder(graph.nodes, byId);
  checkUrnCollisions(order);
  return order;
}

function topologicalOrder(nodes: GraphNode[], byId: Map<string, GraphNode>): GraphNode[] {
  const state = new Map<string, "visiting" | "done">();
  const order: GraphNode[] = [];
  const stack: string[] = [];
  const visit = (node: GraphNode): void => {
    const s = state.get(node.id);
    if (s === "done") return;
    if (s === "visiting") {
      throw new GraphCycleError([...stack.slice(stack.indexOf(node.id)), node.id]);
    }
    state.set(node.id, "visiting");
    stack.push(node.id);
    for (const dep of nodeDependencies(node)) visit(byId.get(dep.target)!);
    stack.pop();
    state.set(node.id, "done");
    order.push(node);
  };
  for (const node of nodes) visit(node);
  return order;
}

/** Two nodes whose URNs would be equal (same name and the same type chain) fail in the engine; fail here. */
function checkUrnCollisions(order: GraphNode[]): void {
  const chain = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const node of order) {
    const parent = node.options?.parent;
    const typeChain = parent === undefined ? node.type : `${chain.get(parent)}$${node.type}`;
    chain.set(node.id, typeChain);
    const urnTail = `${typeChain}::${node.name}`;
    const other = seen.get(urnTail);
    if (other !== undefined) {
      throw new DuplicateNodeError(node.id, `same type chain and name as node '${other}' (${urnTail})`);
    }
    seen.set(urnTail, node.id);
  }
}
