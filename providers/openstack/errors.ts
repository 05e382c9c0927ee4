/** Typed errors of the OpenStack driver; messages are the IM's where it has one (providers.md §10). */
import { RadlPulumiError } from "../../compiler/errors.js";

export const NO_CORRECT_AUTH =
  "No correct auth data has been specified to OpenStack: username, password and tenant or proxy";
export const VOMS_NOT_SUPPORTED = "OpenStack auth_version 2.0_voms (proxy certificates) is not supported";
export const NO_FLAVOR = "No flavor found for the specified VM requirements.";
export const INCORRECT_IMAGE = "Incorrect OpenStack image set.";

/** The auth item cannot be used (missing fields, VOMS proxies, an unknown auth_version). */
export class OpenStackAuthDataError extends RadlPulumiError {
  constructor(message: string = NO_CORRECT_AUTH) {
    super("E-OST-AUTH-DATA", message);
  }
}

/** An `ost://` URL of the wrong shape. */
export class OpenStackImageUrlError extends RadlPulumiError {
  constructor(readonly url: string) {
    super("E-OST-IMAGE-URL", `${INCORRECT_IMAGE} (${url})`);
  }
}

/** A plan-time rule of §4.2–4.4 that cannot be met (no flavour, an unknown provider_id...). */
export class OpenStackPlanError extends RadlPulumiError {
  constructor(message: string) {
    super("E-OST-PLAN", message);
  }
}

/** Keystone refused the credentials (HTTP 401/403 on the token request). */
export class OpenStackAuthError extends RadlPulumiError {
  constructor(
    readonly authUrl: string,
    readonly status: number,
  ) {
    super(
      "E-OST-AUTH",
      `OpenStack authentication failed at ${authUrl} (HTTP ${status}): check username, password, tenant and domain`,
    );
  }
}

/** A call to Keystone, Nova, Neutron, Glance or Cinder failed (unreachable, bad status, bad answer). */
export class OpenStackApiError extends RadlPulumiError {
  constructor(
    readonly call: string,
    reason: string,
    readonly status?: number,
  ) {
    super("E-OST-API", `OpenStack ${call} failed: ${reason}`);
  }
}

/** A catalogue (`radl compile --catalog`) whose shape is not the one catalog.ts documents. */
export class OpenStackCatalogError extends RadlPulumiError {
  constructor(reason: string) {
    super("E-OST-CATALOG", `OpenStack catalogue: ${reason}`);
  }
}
