import { type AuthItem, authItemsFromXmlRpc, parseAuthHeader } from "../../compiler/auth/index.js";
import { RadlPulumiError } from "../../compiler/errors.js";
import { invalidAuthId, noAuthData } from "./errors.js";
import { decodeJwt } from "jose";

/** The Vault settings that turn a REST `Bearer` header into Vault-backed credentials (§3.12). */
export interface VaultSettings {
  VAULT_URL: string | undefined;
  VAULT_PATH: string | undefined;
  VAULT_MOUNT_POINT: string | undefined;
  VAULT_ROLE: string | undefined;
}

/**
 * The REST `Authorization` header → auth items (§3.3): Vault mode for `Bearer` when VAULT_URL is
 * set, the `Basic`/`Bearer` shortcuts, the line format, or the JSON form. Anything undecodable
 * (including an invalid `id`) is 401 `No authentication data provided`.
 */
export function decodeRestAuthorization(header: string | undefined, vault: VaultSettings): AuthItem[] {
  const value = header?.trim() ?? "";
  if (value === "") throw noAuthData();
  if (value.startsWith("Bearer ") && vault.VAULT_URL) {
    const token = value.slice("Bearer ".length).trim();
    return [{ type: "InfrastructureManager", token }, vaultItem(token, vault)];
  }
  let items: AuthItem[];
  try {
    items = parseAuthHeader(value);
  } catch (err) {
    if (err instanceof RadlPulumiError) throw noAuthData(err);
    throw err;
  }
  if (items.length === 0) throw noAuthData();
  return items;
}

/** XML-RPC's list of structs (§3.4); an invalid id answers `Incorrect value in auth item id: <id>`. */
export function decodeXmlRpcAuth(value: unknown): AuthItem[] {
  try {
    return authItemsFromXmlRpc(value);
  } catch (err) {
    if (err instanceof RadlPulumiError && err.code === "E-AUTH-ID") {
      throw invalidAuthId((err as RadlPulumiError & { id: string }).id, err);
    }
    if (err instanceof RadlPulumiError) throw noAuthData(err);
    throw err;
  }
}

/** The Vault item synthesised from a Bearer token; `#USER_SUB#` needs the token's `sub`. */
function vaultItem(token: string, vault: VaultSettings): AuthItem {
  const item: AuthItem = { type: "Vault", host: vault.VAULT_URL!, token };
  if (vault.VAULT_PATH) {
    let sub = "";
    if (vault.VAULT_PATH.includes("#USER_SUB#")) {
      try {
        sub = String(decodeJwt(token).sub ?? "");
      } catch {
        sub = "";
      }
    }
    item.path = vault.VAULT_PATH.replaceAll("#USER_SUB#", sub);
  }
  if (vault.VAULT_MOUNT_POINT) item.mount_point = vault.VAULT_MOUNT_POINT;
  if (vault.VAULT_ROLE) item.role = vault.VAULT_ROLE;
  return item;
}
