import { RadlPulumiError } from "../errors.js";

/** A graph that cannot be printed as a standalone project (the register back end would refuse it too, or it needs a name TypeScript cannot hold). */
export class EmitError extends RadlPulumiError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** `outputs.extra` keys become `export const <key>`: they must be identifiers and not clash with vms/shared/vmSecrets. */
export class OutputNameError extends EmitError {
  constructor(readonly key: string) {
    super(
      "E-EMIT-OUTPUT-NAME",
      `stack output "${key}" cannot be exported by a TypeScript program (not an identifier, or a reserved output name)`,
    );
  }
}

/** A token with no SDK class and no component type: an emitted program could not construct it. */
export class UnprintableTokenError extends EmitError {
  constructor(
    readonly nodeId: string,
    readonly type: string,
  ) {
    super("E-EMIT-TOKEN", `node ${nodeId}: type ${type} has no SDK class a standalone project can construct`);
  }
}

/** A caller's extra file has the path of a file the emitter writes itself. */
export class ProjectFileClashError extends EmitError {
  constructor(readonly path: string) {
    super("E-EMIT-FILE-CLASH", `extra project file ${path} has the path of a generated file`);
  }
}
