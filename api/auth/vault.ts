import type { AuthItem } from "../../compiler/auth/index.js";
import { vaultLoginError } from "./errors.js";
import { httpCall, parseJson } from "./http.js";

const LOGIN_TIMEOUT_MS = 5_000;
const READ_TIMEOUT_MS = 10_000;

/**
 * Vault-backed credentials (§3.12): log in with the caller's JWT, read the KV v1 secret, and turn
 * each stored value (a JSON auth item) into an item. `callerToken` is the validated IM token.
 * Login failures are errors; failures reading the secret yield no items.
 */
export async function readVaultCredentials(
  vault: AuthItem,
  callerToken: string,
  options: { verifyTls: boolean },
): Promise<AuthItem[]> {
  const host = vault.host!.replace(/\/+$/, "");
  const login = await httpCall(`${host}/v1/auth/jwt/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(vault.role ? { jwt: vault.token, role: vault.role } : { jwt: vault.token }),
    timeoutMs: LOGIN_TIMEOUT_MS,
    verifyTls: options.verifyTls,
  }).catch((err: Error) => {
    throw vaultLoginError("no answer", err.message);
  });
  const auth = (
    parseJson(login.body) as { auth?: { client_token?: unknown; entity_id?: unknown } } | undefined
  )?.auth;
  if (login.status !== 200 || typeof auth?.client_token !== "string") {
    throw vaultLoginError(login.status, login.body);
  }

  const mount = (vault.mount_point || "credentials/").replace(/^\/+/, "").replace(/\/?$/, "/");
  const path = (vault.path || String(auth.entity_id ?? "")).replace(/^\/+/, "");
  let secret: Record<string, unknown> | undefined;
  try {
    const res = await httpCall(`${host}/v1/${mount}${path}`, {
      headers: { "x-vault-token": auth.client_token },
      timeoutMs: READ_TIMEOUT_MS,
      verifyTls: options.verifyTls,
    });
    if (res.status === 200)
      secret = (parseJson(res.body) as { data?: Record<string, unknown> } | undefined)?.data;
  } catch {
    secret = undefined;
  }
  const items: AuthItem[] = [];
  for (const value of Object.values(secret ?? {})) {
    const item = typeof value === "string" ? toItem(parseJson(value)) : undefined;
    if (!item) continue;
    const converted = convert(item, callerToken);
    if (converted) items.push(converted);
  }
  return items;
}

function toItem(value: unknown): AuthItem | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const item: AuthItem = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") item[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") item[k] = String(v);
  }
  return item;
}

function convert(item: AuthItem, token: string): AuthItem | undefined {
  const { enabled, ...rest } = item;
  if (enabled !== undefined && ["false", "0", "no"].includes(enabled.toLowerCase())) return undefined;
  if (rest.type === "Vault") return undefined;
  if (rest.type === "fedcloud") {
    const { project_id, vo: _vo, ...base } = rest;
    const out: AuthItem = {
      ...base,
      type: "OpenStack",
      username: "egi.eu",
      tenant: "openid",
      auth_version: "3.x_oidc_access_token",
      password: token,
    };
    if (project_id !== undefined) out.domain = project_id;
    return out;
  }
  if (rest.type === "EGI") return { ...rest, token };
  if (rest.type === "OpenStack" && rest.auth_version === "3.x_oidc_access_token")
    return { ...rest, password: token };
  return rest;
}
