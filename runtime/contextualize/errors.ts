import { RadlPulumiError } from "../../compiler/errors.js";

/** A contextualization that cannot be generated from the document and the VMs given. */
export class ContextualizationError extends RadlPulumiError {}

/** A recipe whose YAML cannot be read, or is not a list of plays (IM rejects it too). */
export class RecipeYamlError extends ContextualizationError {
  constructor(
    readonly configure: string,
    detail: string,
  ) {
    super("E-CTXT-RECIPE-YAML", `configure '${configure}': ${detail}`);
  }
}

/** No VM can be the master (spec contextualization.md §1.4, §4 "No eligible master"). */
export class NoMasterError extends ContextualizationError {
  constructor() {
    super("E-CTXT-NO-MASTER", "No correct Master VM found. Check if there a linux VM with Public IP.");
  }
}

/** A contextualize item or VM that names something the document does not define. */
export class UnknownReferenceError extends ContextualizationError {
  constructor(what: string) {
    super("E-CTXT-UNKNOWN-REF", what);
  }
}
