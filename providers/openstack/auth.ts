/**
 * The OpenStack auth line (providers.md §4.1): what the driver's REST client and the explicit
 * `openstack.Provider` need, and the §9.2 identity. Credentials never leave this shape except as
 * Pulumi secrets.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import { parseCloudHost } from "../../compiler/auth/cloud.js";
import { OpenStackAuthDataError, VOMS_NOT_SUPPORTED } from "./errors.js";

export const DEFAULT_AUTH_VERSION = "2.0_password";
export const DEFAULT_DOMAIN = "Default";

const KNOWN_VERSIONS = new Set(["2.0_password", "3.x_password", "3.x_appcred", "3.x_oidc_access_token"]);

export interface OpenStackAuth {
  /** Keystone URL as gophercloud wants it (version path appended when the host has none). */
  authUrl: string;
  /** Scheme + host + port, without a path: the base the REST client appends `/v3` or `/v2.0` to. */
  keystoneBase: string;
  server: string;
  port: number;
  authVersion: string;
  username?: string;
  password?: string;
  tenant?: string;
  tenantId?: string;
  domain: string;
  region?: string;
  token?: string;
  endpointOverrides: Record<string, string>;
  insecure: boolean;
}

function given(item: AuthItem, key: string): string | undefined {
  const v = item[key];
  return v === undefined || v === "" ? undefined : v;
}

/** Throws OpenStackAuthDataError with the IM's texts when the item cannot be used. */
export function openStackAuth(item: AuthItem): OpenStackAuth {
  const host = given(item, "host");
  if (host === undefined) throw new OpenStackAuthDataError("No auth data has been specified to OpenStack.");
  const authVersion = given(item, "auth_version") ?? DEFAULT_AUTH_VERSION;
  if (authVersion === "2.0_voms" || given(item, "proxy") !== undefined) {
    throw new OpenStackAuthDataError(VOMS_NOT_SUPPORTED);
  }
  if (!KNOWN_VERSIONS.has(authVersion)) {
    throw new OpenStackAuthDataError(`Unsupported OpenStack auth_version: ${authVersion}`);
  }
  if (authVersion === "3.x_oidc_access_token") {
    throw new OpenStackAuthDataError(
      "OpenStack auth_version 3.x_oidc_access_token is not supported yet: give a Keystone token as auth_token",
    );
  }
  const token = given(item, "auth_token");
  const username = given(item, "username");
  const password = given(item, "password");
  const tenant = given(item, "tenant");
  const tenantId = given(item, "tenant_id");
  const hasPassword = username !== undefined && password !== undefined;
  const hasProject = tenant !== undefined || tenantId !== undefined || authVersion === "3.x_appcred";
  if (token === undefined && !(hasPassword && hasProject)) throw new OpenStackAuthDataError();

  const parsed = parseCloudHost(host);
  const protocol = parsed.protocol ?? "http";
  const server = parsed.server ?? host;
  const port = parsed.port;
  const keystoneBase = `${protocol}://${server}${port === -1 ? "" : `:${port}`}`;
  const path = parsed.path ?? "";
  const bare = path === "" || path === "/" || /^\/v3\/?$/.test(path) || /^\/v2\.0\/?$/.test(path);
  const versionPath = authVersion.startsWith("3.") ? "/v3" : "/v2.0";
  const authUrl = bare ? `${keystoneBase}${versionPath}` : `${keystoneBase}${path}`;

  const overrides: Record<string, string> = {};
  for (const [field, key] of [
    ["base_url", "compute"],
    ["network_url", "network"],
    ["image_url", "image"],
    ["volume_url", "volumev3"],
  ] as const) {
    const v = given(item, field);
    if (v !== undefined) overrides[key] = v;
  }
  const verify = given(item, "verify_ssl");
  const out: OpenStackAuth = {
    authUrl,
    keystoneBase: bare ? keystoneBase : `${keystoneBase}${path.replace(/\/(v3|v2\.0)\/?$/, "")}`,
    server,
    port,
    authVersion,
    domain: given(item, "domain") ?? DEFAULT_DOMAIN,
    endpointOverrides: overrides,
    // The IM's default is VERIFI_SSL = False; `verify_ssl = true` in the auth line turns checks on.
    insecure: verify === undefined ? true : !/^(true|yes|1)$/i.test(verify),
  };
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (tenant !== undefined) out.tenant = tenant;
  if (tenantId !== undefined) out.tenantId = tenantId;
  const region = given(item, "service_region");
  if (region !== undefined) out.region = region;
  if (token !== undefined) out.token = token;
  return out;
}

/** §9.2: authUrl host:port + project + user domain. */
export function openStackIdentity(auth: OpenStackAuth): string {
  const project =
    auth.tenantId ?? auth.tenant ?? (auth.authVersion === "3.x_appcred" ? auth.username : "") ?? "";
  return `${auth.server}:${auth.port}|${project}|${auth.domain}`;
}
