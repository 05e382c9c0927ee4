import { RadlPulumiError } from "../errors.js";

/** A ResourceGraph that cannot be registered or emitted; raised before any resource exists. */
export class GraphError extends RadlPulumiError {}

export class UnknownTokenError extends GraphError {
  constructor(
    readonly nodeId: string,
    readonly token: string,
  ) {
    super("E-GRAPH-UNKNOWN-TOKEN", `node '${nodeId}' has unknown resource type '${token}'`);
  }
}

export class DanglingReferenceError extends GraphError {
  constructor(
    readonly nodeId: string,
    readonly target: string,
    readonly where: string,
  ) {
    super("E-GRAPH-DANGLING-REF", `node '${nodeId}' refers to missing node '${target}' in ${where}`);
  }
}

export class DuplicateNodeError extends GraphError {
  constructor(
    readonly nodeId: string,
    detail: string,
  ) {
    super("E-GRAPH-DUPLICATE", `duplicate node '${nodeId}': ${detail}`);
  }
}

export class GraphCycleError extends GraphError {
  constructor(readonly cycle: string[]) {
    super("E-GRAPH-CYCLE", `dependency cycle: ${cycle.join(" -> ")}`);
  }
}

export class MalformedGraphError extends GraphError {
  constructor(message: string) {
    super("E-GRAPH-MALFORMED", message);
  }
}
