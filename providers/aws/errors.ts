/** Typed errors of the EC2 driver; messages keep the IM's texts (providers.md §3, §10). */
import { RadlPulumiError } from "../../compiler/errors.js";
import { PlanError } from "../../compiler/plan/errors.js";

/** Missing or incomplete EC2 credentials (IM text). */
export class Ec2AuthDataError extends PlanError {
  constructor(message: string) {
    super("E-EC2-AUTH", message);
  }
}

/** An `aws://` image URL that is not `aws://<region>/<ami-id>`, or a region that is not one. */
export class Ec2ImageUrlError extends PlanError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      "E-EC2-IMAGE-URL",
      `Incorrect AMI selected: '${url}' (${reason}); expected aws://<region>/<ami-id>`,
    );
  }
}

/** A RADL value the EC2 connector cannot use (IM texts where the IM has one). */
export class Ec2PlanError extends PlanError {
  constructor(message: string) {
    super("E-EC2-PLAN", message);
  }
}

/** No instance type of the table satisfies the system (providers.md §10). */
export class NoInstanceTypeError extends PlanError {
  constructor(readonly system: string) {
    super(
      "E-EC2-NO-INSTANCE-TYPE",
      `No flavor found for the specified VM requirements. (system '${system}')`,
    );
  }
}

/** A malformed discovery catalogue (`radl compile --catalog`), naming the field. */
export class Ec2CatalogError extends PlanError {
  constructor(cloudId: string, reason: string) {
    super("E-EC2-CATALOG", `EC2 catalogue of cloud '${cloudId}': ${reason}`);
  }
}

/**
 * An EC2 API call failed: `kind` says whether the credentials were refused ("auth"), the endpoint
 * could not be reached ("unreachable") or the API answered with another error ("api").
 */
export class Ec2ApiError extends RadlPulumiError {
  constructor(
    readonly kind: "auth" | "unreachable" | "api",
    readonly operation: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const what =
      kind === "auth"
        ? "the credentials were refused"
        : kind === "unreachable"
          ? "the endpoint could not be reached"
          : "the API answered with an error";
    super(`E-EC2-API-${kind.toUpperCase()}`, `EC2 ${operation} failed: ${what}: ${detail}`, options);
  }
}
