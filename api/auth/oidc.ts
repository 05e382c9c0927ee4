import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { oidcDecodeError, oidcRejected } from "./errors.js";
import { httpCall, parseJson } from "./http.js";

/** The `[im]` options OIDC validation reads (§5.4). */
export interface OidcSettings {
  OIDC_ISSUERS: readonly string[];
  OIDC_AUDIENCE: string | undefined;
  OIDC_CLIENT_ID: string | undefined;
  OIDC_CLIENT_SECRET: string | undefined;
  OIDC_SCOPES: readonly string[];
  OIDC_GROUPS: readonly string[];
  OIDC_GROUPS_CLAIM: string;
  VERIFI_SSL: boolean;
}

/** Who a valid token belongs to (§3.7 step 7). */
export interface OidcIdentity {
  /** `__OPENID__<name>`. */
  username: string;
  /** `<issuer with trailing slash><sub>`: what OIDC owners match on (§9.8). */
  password: string;
  issuer: string;
  sub: string;
  groups: string[];
  claims: Record<string, unknown>;
}

interface Discovery {
  jwks_uri?: string;
  userinfo_endpoint?: string;
  introspection_endpoint?: string;
}

const TIMEOUT_MS = 10_000;
/** A JWKS is fetched again when a token names an unknown key, at most this often. */
const JWKS_REFRESH_MS = 30_000;

/**
 * OIDC access tokens (§3.7): the reference's checks (expiry, issuer, userinfo or introspection,
 * audience, scopes, groups) plus signature verification against the issuer's JWKS with `jose`.
 * Discovery documents and key sets are cached per issuer; userinfo answers per token until `exp`.
 */
export class OidcValidator {
  private readonly discovery = new Map<string, Promise<Discovery>>();
  private readonly jwks = new Map<string, { at: number; keys: ReturnType<typeof createLocalJWKSet> }>();
  private readonly userinfo = new Map<string, { exp: number; value: Record<string, unknown> | undefined }>();

  constructor(private readonly settings: OidcSettings) {}

  async validate(token: string): Promise<OidcIdentity> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
      decodeProtectedHeader(token);
    } catch (err) {
      throw oidcDecodeError((err as Error).message, err);
    }
    if (typeof claims.exp !== "number") throw oidcRejected("OIDC auth Error getting token info.");
    if (claims.exp * 1000 <= Date.now()) throw oidcRejected("OIDC auth Token expired.");

    const s = this.settings;
    const introspection = Boolean(s.OIDC_CLIENT_ID && s.OIDC_CLIENT_SECRET && s.OIDC_ISSUERS.length === 1);
    const issuer = introspection ? s.OIDC_ISSUERS[0]! : String(claims.iss ?? "");
    if (!introspection && !s.OIDC_ISSUERS.includes(issuer)) throw oidcRejected("Issuer not accepted.");

    await this.verifySignature(token, issuer);

    let info: Record<string, unknown> | undefined;
    let effective: Record<string, unknown> = claims;
    if (introspection) {
      effective = await this.introspect(token, issuer);
    } else {
      info = await this.fetchUserinfo(token, issuer, claims.exp, true);
    }

    if (s.OIDC_AUDIENCE) {
      const aud = effective.aud;
      const list = Array.isArray(aud) ? aud.map(String) : typeof aud === "string" ? aud.split(",") : [];
      if (!list.map((a) => a.trim()).includes(s.OIDC_AUDIENCE)) throw oidcRejected("Audience not accepted.");
    }
    if (s.OIDC_SCOPES.length > 0) {
      const scope = effective.scope;
      if (typeof scope !== "string") throw oidcRejected("No scope obtained from introspection.");
      const have = scope.split(" ");
      if (!s.OIDC_SCOPES.every((sc) => have.includes(sc))) {
        throw oidcRejected(`Scopes ${s.OIDC_SCOPES.join(" ")} not in introspection scopes: ${scope}`);
      }
    }
    const groupsOf = async () => {
      const fromToken = effective[s.OIDC_GROUPS_CLAIM];
      if (Array.isArray(fromToken)) return fromToken.map(String);
      info ??= await this.fetchUserinfo(token, issuer, claims.exp!, false);
      const fromInfo = info?.[s.OIDC_GROUPS_CLAIM];
      return Array.isArray(fromInfo) ? fromInfo.map(String) : [];
    };
    const groups = await groupsOf();
    if (s.OIDC_GROUPS.length > 0 && !s.OIDC_GROUPS.every((g) => groups.includes(g))) {
      throw oidcRejected("User not in configured groups.");
    }

    info ??= await this.fetchUserinfo(token, issuer, claims.exp, false);
    const sub = String(effective.sub ?? claims.sub ?? "");
    const name =
      str(info?.preferred_username) ?? str(info?.name) ?? str(info?.sub) ?? str(effective.username) ?? sub;
    const normalisedIssuer = String(effective.iss ?? issuer).replace(/\/?$/, "/");
    return {
      username: `__OPENID__${name}`,
      password: `${normalisedIssuer}${sub}`,
      issuer: normalisedIssuer,
      sub,
      groups,
      claims: effective,
    };
  }

  private async verifySignature(token: string, issuer: string): Promise<void> {
    const discovery = await this.discover(issuer);
    if (!discovery.jwks_uri)
      throw oidcRejected("OIDC issuer publishes no jwks_uri: signature cannot be verified.");
    const attempt = async (refresh: boolean) => {
      const keys = await this.keySet(discovery.jwks_uri!, refresh);
      await jwtVerify(token, keys, { clockTolerance: 0 });
    };
    try {
      await attempt(false);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_JWKS_NO_MATCHING_KEY") {
        try {
          await attempt(true);
          return;
        } catch (again) {
          throw oidcRejected("OIDC auth Token signature not valid.", again);
        }
      }
      if (code === "ERR_JWT_EXPIRED") throw oidcRejected("OIDC auth Token expired.", err);
      throw oidcRejected("OIDC auth Token signature not valid.", err);
    }
  }

  private async keySet(uri: string, refresh: boolean) {
    const cached = this.jwks.get(uri);
    if (cached && (!refresh || Date.now() - cached.at < JWKS_REFRESH_MS)) return cached.keys;
    const res = await this.get(uri);
    const body = parseJson(res.body) as JSONWebKeySet | undefined;
    if (res.status !== 200 || !body || !Array.isArray(body.keys)) {
      throw oidcRejected(`Cannot read the issuer's JWKS (${res.status}).`);
    }
    const keys = createLocalJWKSet(body);
    this.jwks.set(uri, { at: Date.now(), keys });
    return keys;
  }

  private discover(issuer: string): Promise<Discovery> {
    let found = this.discovery.get(issuer);
    if (!found) {
      found = this.get(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`).then((res) => {
        const body = parseJson(res.body);
        if (res.status !== 200 || !body || typeof body !== "object") {
          throw oidcRejected(`Cannot read the issuer's OpenID configuration (${res.status}).`);
        }
        return body as Discovery;
      });
      found.catch(() => this.discovery.delete(issuer));
      this.discovery.set(issuer, found);
    }
    return found;
  }

  private async fetchUserinfo(
    token: string,
    issuer: string,
    exp: number,
    required: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const cached = this.userinfo.get(token);
    if (cached && cached.exp * 1000 > Date.now()) return cached.value;
    let value: Record<string, unknown> | undefined;
    try {
      const discovery = await this.discover(issuer);
      if (discovery.userinfo_endpoint) {
        const res = await this.get(discovery.userinfo_endpoint, { authorization: `Bearer ${token}` });
        if (res.status !== 200) {
          if (required) throw oidcRejected(`Code: ${res.status}. Message: ${res.body}.`);
        } else {
          value = parseJson(res.body) as Record<string, unknown> | undefined;
        }
      }
    } catch (err) {
      if (required) throw err;
    }
    if (this.userinfo.size > 10_000) this.userinfo.clear();
    this.userinfo.set(token, { exp, value });
    return value;
  }

  private async introspect(token: string, issuer: string): Promise<Record<string, unknown>> {
    const s = this.settings;
    const fail = () => oidcRejected("Invalid token or Client credentials.");
    const discovery = await this.discover(issuer).catch(() => {
      throw fail();
    });
    if (!discovery.introspection_endpoint) throw fail();
    const basic = Buffer.from(`${s.OIDC_CLIENT_ID}:${s.OIDC_CLIENT_SECRET}`).toString("base64");
    const res = await httpCall(discovery.introspection_endpoint, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      timeoutMs: TIMEOUT_MS,
      verifyTls: s.VERIFI_SSL,
    }).catch(() => {
      throw fail();
    });
    const body = parseJson(res.body) as Record<string, unknown> | undefined;
    if (res.status !== 200 || !body || body.active !== true) throw fail();
    return body;
  }

  private get(url: string, headers: Record<string, string> = {}) {
    return httpCall(url, { headers, timeoutMs: TIMEOUT_MS, verifyTls: this.settings.VERIFI_SSL }).catch(
      (err) => {
        throw oidcRejected(`OIDC issuer not reachable: ${(err as Error).message}`, err);
      },
    );
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
