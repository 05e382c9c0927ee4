/** Test helper: what the mocks should see as a node's inputs, given the mocked outputs of other nodes. */
import type { GraphNode, GraphValue, ResourceGraph } from "../../compiler/graph/types.js";
import { isAsset, isInterpolation, isRef, isSecret } from "../../compiler/graph/values.js";
import type { Registration } from "./mocks-support.js";

export type StateOf = (nodeId: string) => Record<string, unknown>;

export function expectedValue(value: GraphValue, stateOf: StateOf): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isRef(value)) {
    let v: unknown = stateOf(value.ref);
    for (const seg of (value.prop ?? "").split(".").filter((s) => s !== ""))
      v = (v as Record<string, unknown>)[seg];
    return v;
  }
  if (isInterpolation(value))
    return value.interpolate.map((p) => String(expectedValue(p as GraphValue, stateOf))).join("");
  if (isSecret(value)) return expectedValue(value.secret, stateOf);
  if (isAsset(value)) return value;
  if (Array.isArray(value)) return value.map((v) => expectedValue(v, stateOf));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, expectedValue(v as GraphValue, stateOf)]),
  );
}

/** Asserts-ready comparison data: for each graph node, the registration that matches it. */
export function matchRegistrations(graph: ResourceGraph, regs: Registration[]): Map<string, Registration> {
  const byNode = new Map<string, Registration>();
  for (const node of graph.nodes) {
    const found = regs.filter((r) => r.type === node.type && r.name === node.name);
    if (found.length !== 1)
      throw new Error(`node ${node.id}: ${found.length} registrations of ${node.type}::${node.name}`);
    byNode.set(node.id, found[0]!);
  }
  return byNode;
}

export function nodeById(graph: ResourceGraph, id: string): GraphNode {
  return graph.nodes.find((n) => n.id === id)!;
}
