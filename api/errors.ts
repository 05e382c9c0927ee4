import { RadlPulumiError } from "../compiler/errors.js";

/**
 * The IM error classes of im-api.md §1.4.2. The REST layer turns `imClass` into a status and a
 * route prefix (table §1.4.3); XML-RPC answers `[false, message]`. `status` is the status this error
 * has when a route has no exception of its own.
 */
export type ImErrorClass =
  | "NoAuthData"
  | "InvalidAuthId"
  | "InvalidUser"
  | "OidcDecode"
  | "UnauthorizedUser"
  | "IncorrectInfrastructure"
  | "DeletedInfrastructure"
  | "DisabledFunction"
  | "IncorrectVM"
  | "DeletedVM"
  | "IncorrectState"
  | "Other";

/** An error the API reports to its client with a status and a fixed text. */
export class ApiError extends RadlPulumiError {
  constructor(
    code: string,
    readonly imClass: ImErrorClass,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
