import { RadlPulumiError } from "../errors.js";

/** Planning cannot place or concretize what the RADL asks for. Messages keep the IM's texts. */
export class PlanError extends RadlPulumiError {}

export class UnknownCloudIdError extends PlanError {
  constructor(readonly cloudId: string) {
    super("E-PLAN-CLOUD-ID", `No auth data for cloud with ID: ${cloudId}`);
  }
}

/** An auth type with no driver (providers.md §10). */
export class UnsupportedCloudError extends PlanError {
  constructor(
    readonly type: string,
    knownToIm: boolean,
  ) {
    super(
      "E-PLAN-UNSUPPORTED-CLOUD",
      knownToIm
        ? `Cloud provider not supported: ${type} (no Pulumi lowering is available for this connector)`
        : `Cloud provider not supported: ${type}`,
    );
  }
}

export class NoCloudError extends PlanError {
  constructor(
    readonly system: string,
    detail: string,
  ) {
    super("E-PLAN-NO-CLOUD", detail);
  }
}

export class NoConcreteSystemError extends PlanError {
  constructor(
    readonly system: string,
    readonly cloudId: string,
  ) {
    super(
      "E-PLAN-NO-CONCRETE",
      `Error, no concrete system to deploy: ${system} in cloud: ${cloudId}. Check if a correct image is being used`,
    );
  }
}

export class NoUsernameError extends PlanError {
  constructor(readonly system: string) {
    super("E-PLAN-NO-USERNAME", `No username for deploy: ${system}`);
  }
}

export class UnknownSystemError extends PlanError {
  constructor(readonly system: string) {
    super("E-PLAN-UNKNOWN-SYSTEM", `deploy names system '${system}', which is not defined`);
  }
}

export class TooManyVmsError extends PlanError {
  constructor(message: string) {
    super("E-PLAN-TOO-MANY-VMS", message);
  }
}

export class MissingDriverError extends PlanError {
  constructor(readonly connector: string) {
    super("E-PLAN-NO-DRIVER", `no driver is registered for connector '${connector}'`);
  }
}

export class UnknownVmError extends PlanError {
  constructor(readonly vmId: number) {
    super("E-PLAN-UNKNOWN-VM", `Invalid VM ID: ${vmId}`);
  }
}

/**
 * Planning needs a fact only the cloud knows (a flavour list, the default network...) and can get
 * it neither from the cloud's API nor from a catalogue (`radl compile --catalog`).
 */
export class DiscoveryNeededError extends PlanError {
  constructor(
    readonly system: string,
    readonly cloudId: string,
    readonly needed: string,
    reason?: string,
  ) {
    super(
      "E-PLAN-DISCOVERY",
      `system '${system}' in cloud '${cloudId}' needs ${needed}, which could not be discovered` +
        `${reason !== undefined ? ` (${reason})` : ""}: pin it in the RADL, give credentials that reach ` +
        `the cloud, or pass a catalogue with --catalog`,
    );
  }
}
