import { GraphError } from "../compiler/graph/errors.js";

/** The installed SDK has no class where the token table says (an SDK upgrade moved it). */
export class SdkClassMissingError extends GraphError {
  constructor(pkg: string, path: string[]) {
    super("E-REGISTER-SDK-CLASS", `@pulumi/${pkg} has no class ${path.join(".")}`);
  }
}

/** A ref names an output the referenced resource's class does not have. */
export class UnknownOutputError extends GraphError {
  constructor(
    readonly nodeId: string,
    readonly prop: string,
  ) {
    super("E-REGISTER-UNKNOWN-OUTPUT", `node '${nodeId}' has no output '${prop}'`);
  }
}
