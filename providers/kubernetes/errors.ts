/** Typed errors of the Kubernetes driver; messages keep the IM's texts where it has one (providers.md §10). */
import { RadlPulumiError } from "../../compiler/errors.js";
import { PlanError } from "../../compiler/plan/errors.js";

/** The auth item lacks what the connector needs (IM `NoCorrectAuthData`). */
export class KubernetesAuthDataError extends RadlPulumiError {
  constructor(readonly missing: string) {
    super("E-K8S-AUTH-DATA", `No correct auth data has been specified to Kubernetes: ${missing}`);
  }
}

/** A RADL feature the Kubernetes lowering cannot express, found at plan time. */
export class KubernetesPlanError extends PlanError {
  constructor(
    readonly system: string,
    readonly feature: string,
    detail: string,
  ) {
    super("E-K8S-PLAN", `system '${system}': ${feature} ${detail} (Kubernetes connector)`);
  }
}

/** The API server answered with an error status (401/403 included) or something that is not JSON. */
export class KubernetesApiError extends RadlPulumiError {
  constructor(
    readonly status: number,
    readonly path: string,
    detail: string,
  ) {
    super(
      status === 401 ? "E-K8S-UNAUTHORIZED" : status === 404 ? "E-K8S-NOT-FOUND" : "E-K8S-API",
      status === 401
        ? `Kubernetes API server rejected the credentials (401 Unauthorized) for ${path}: check the token or username/password`
        : `Kubernetes API server answered ${status} for ${path}: ${detail}`,
    );
  }
}

/** The API server could not be reached (connection refused, DNS, TLS, timeout). */
export class KubernetesUnreachableError extends RadlPulumiError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super("E-K8S-UNREACHABLE", `Error connecting with Kubernetes API server ${url}: ${reason}`);
  }
}

/** A `--catalog` entry for a Kubernetes cloud that does not have the documented shape. */
export class KubernetesCatalogError extends PlanError {
  constructor(
    readonly cloudId: string,
    detail: string,
  ) {
    super(
      "E-K8S-CATALOG",
      `catalogue of Kubernetes cloud '${cloudId}': ${detail} (docs/catalog-kubernetes.md)`,
    );
  }
}

/** A resource quantity the API server returned that is not one Kubernetes defines. */
export class KubernetesQuantityError extends RadlPulumiError {
  constructor(readonly text: string) {
    super("E-K8S-QUANTITY", `Unknown Kubernetes quantity format: '${text}'`);
  }
}
