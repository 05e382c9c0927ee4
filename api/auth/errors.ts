import { ApiError } from "../errors.js";

/** The failures of im-api.md §3.13 with their REST status and the IM's wire texts. */

export const INVALID_CREDENTIALS = "Invalid InfrastructureManager credentials";

/** No, empty or undecodable `Authorization` header (REST 401). */
export function noAuthData(cause?: unknown): ApiError {
  return new ApiError("E-AUTH-NONE", "NoAuthData", 401, "No authentication data provided", { cause });
}

/** XML-RPC auth with an id the IM rejects (`[false, msg]`). */
export function invalidAuthId(id: string, cause?: unknown): ApiError {
  return new ApiError("E-AUTH-ID", "InvalidAuthId", 401, `Incorrect value in auth item id: ${id}`, { cause });
}

/**
 * Bad IM credentials. 401 here; the REST layer answers 400 on the routes where the reference does
 * (§1.4.3, §8.6 permits 401 everywhere).
 */
export function invalidUser(message: string = INVALID_CREDENTIALS, cause?: unknown): ApiError {
  return new ApiError("E-AUTH-INVALID-USER", "InvalidUser", 401, message, { cause });
}

/** `Invalid InfrastructureManager credentials. <detail>` (the OIDC rejections of §3.7). */
export function oidcRejected(detail: string, cause?: unknown): ApiError {
  return invalidUser(`${INVALID_CREDENTIALS}. ${detail}`, cause);
}

/** A token whose payload cannot be decoded: a generic error, 400 everywhere (§3.7 step 1). */
export function oidcDecodeError(detail: string, cause?: unknown): ApiError {
  return new ApiError(
    "E-AUTH-OIDC-DECODE",
    "OidcDecode",
    400,
    `Error trying to decode OIDC auth token: ${detail}`,
    {
      cause,
    },
  );
}

/** A valid identity that does not own the infrastructure (403). */
export function unauthorizedUser(): ApiError {
  return new ApiError(
    "E-AUTH-NOT-OWNER",
    "UnauthorizedUser",
    403,
    "Access to this infrastructure not granted.",
  );
}

/** The Vault login failed (§3.12): a generic error. */
export function vaultLoginError(status: number | string, body: string): ApiError {
  return new ApiError("E-AUTH-VAULT", "Other", 400, `Error getting Vault token: ${status} - ${body}`);
}
