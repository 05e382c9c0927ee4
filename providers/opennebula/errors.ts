/** Typed errors of the OpenNebula driver; messages are the IM's where it has one (providers.md §10). */
import { RadlPulumiError } from "../../compiler/errors.js";

/** The auth item lacks the username or the password (IM `NoCorrectAuthData`). */
export class OneAuthDataError extends RadlPulumiError {
  constructor() {
    super("E-ONE-AUTH-DATA", "No correct auth data has been specified to OpenNebula: username and password");
  }
}

/** A `host` with a path and neither a port nor an http(s) scheme. */
export class OneEndpointError extends RadlPulumiError {
  constructor(server: string) {
    super("E-ONE-ENDPOINT", `Invalid port/protocol specified for OpenNebula site: ${server}`);
  }
}

/** A RADL network the system connects to that no OpenNebula network can serve (§6.3). */
export class OneNetworkNotFoundError extends RadlPulumiError {
  constructor(readonly network: string) {
    super("E-ONE-NETWORK", `No ONE network found for network: ${network}`);
  }
}

/** An API call of the driver (read-back, power, image list, quotas) failed; the text names the call. */
export class OneApiError extends RadlPulumiError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A catalogue (`radl compile --catalog`) whose shape is not the one catalog.ts documents. */
export class OneCatalogError extends RadlPulumiError {
  constructor(reason: string) {
    super("E-ONE-CATALOG", `OpenNebula catalogue: ${reason}`);
  }
}
