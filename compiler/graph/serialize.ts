import { MalformedGraphError } from "./errors.js";
import type { ResourceGraph } from "./types.js";
import { validateGraph, type ValidateOptions } from "./validate.js";

/** The stored form of a graph: plain JSON (the graph is JSON already; this validates first). */
export function graphToJson(graph: ResourceGraph, options: ValidateOptions = {}): string {
  validateGraph(graph, options);
  return JSON.stringify(graph);
}

/** A stored graph back, validated; bad JSON or a bad graph is a typed GraphError. */
export function graphFromJson(text: string, options: ValidateOptions = {}): ResourceGraph {
  let graph: ResourceGraph;
  try {
    graph = JSON.parse(text) as ResourceGraph;
  } catch (e) {
    throw new MalformedGraphError(`stored graph is not JSON: ${(e as Error).message}`);
  }
  validateGraph(graph, options);
  return graph;
}
