import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { UnknownTokenError } from "../compiler/graph/errors.js";
import type { ResourceGraph } from "../compiler/graph/types.js";
import { validateGraph } from "../compiler/graph/validate.js";
import { registerGraph, type RegisterOptions } from "../runtime/register.js";
import { isTableToken } from "../runtime/token-table.js";

/**
 * The inline program of a graph. The graph is checked here, before any engine run, so a
 * dangling reference or an unknown token is a typed GraphError and the stack is not touched
 * (inside the program the same error would only surface as an engine failure).
 */
export function graphProgram(graph: ResourceGraph, options: RegisterOptions = {}): PulumiFn {
  const extra = Object.keys(options.extraFactories ?? {});
  for (const node of validateGraph(graph, { extraTokens: extra })) {
    if (!isTableToken(node.type) && !extra.includes(node.type))
      throw new UnknownTokenError(node.id, node.type);
  }
  return () => registerGraph(graph, options);
}
