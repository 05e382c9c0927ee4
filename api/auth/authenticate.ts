import type { AuthItem } from "../../compiler/auth/index.js";
import type { AdminUser, OidcAdminGroup } from "../config/load.js";
import { invalidUser } from "./errors.js";
import type { OidcSettings } from "./oidc.js";
import { OidcValidator } from "./oidc.js";
import { userDbAccepts } from "./user-db.js";
import { readVaultCredentials } from "./vault.js";

/** A validated InfrastructureManager item (§3.6). */
export interface Identity {
  /** `__OPENID__<name>` for token users. */
  readonly username: string;
  /** The password as given, or `<issuer>/<sub>` for token users. */
  readonly password: string;
  readonly token?: string;
  /** Set for token users. */
  readonly oidc?: { readonly issuer: string; readonly sub: string; readonly groups: readonly string[] };
  readonly admin: boolean;
}

/** The outcome of authenticating one call. */
export interface AuthContext {
  /** Every IM item, validated (all must pass). */
  readonly identities: readonly Identity[];
  /** The call's other items (clouds, VMRC, ...), after Vault expansion. */
  readonly credentials: readonly AuthItem[];
  readonly admin: boolean;
}

export interface AuthSettings extends OidcSettings {
  USER_DB: string | undefined;
  FORCE_OIDC_AUTH: boolean;
}

export interface AuthenticatorOptions {
  settings: AuthSettings;
  adminUsers: readonly AdminUser[];
  oidcAdminGroups: readonly OidcAdminGroup[];
}

/**
 * Validates the IM items of a call (§3.6 – §3.9, §3.12). Nothing here reads a file or URL named
 * by the request except the Vault host the caller chose, and USER_DB, which comes from im.cfg.
 */
export class Authenticator {
  private readonly oidc: OidcValidator;
  /**
   * Password identities by the (frozen, shared) item they came from: a memoised header yields the
   * same item on every call, and the same Identity lets the ownership check reuse its owner key.
   */
  private readonly passwordIdentities = new WeakMap<AuthItem, Identity>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.oidc = new OidcValidator(options.settings);
  }

  async authenticate(items: readonly AuthItem[]): Promise<AuthContext> {
    const imItems = items.filter((i) => i.type === "InfrastructureManager");
    if (imItems.length === 0) throw invalidUser("No credentials provided for the InfrastructureManager.");
    const identities: Identity[] = [];
    for (const item of imItems) identities.push(await this.validateItem(item));

    let credentials = items.filter((i) => i.type !== "InfrastructureManager");
    const token = identities.find((i) => i.token)?.token;
    const vaults = credentials.filter((i) => i.type === "Vault" && i.host && i.token);
    if (vaults.length > 0) {
      const fromVault: AuthItem[] = [];
      for (const vault of vaults) {
        fromVault.push(
          ...(await readVaultCredentials(vault, token ?? vault.token!, {
            verifyTls: this.options.settings.VERIFI_SSL,
          })),
        );
      }
      credentials = [...fromVault, ...credentials.filter((i) => !vaults.includes(i))];
    }
    return { identities, credentials, admin: identities.some((i) => i.admin) };
  }

  private async validateItem(raw: AuthItem): Promise<Identity> {
    const { admin: _ignored, ...item } = raw;
    const s = this.options.settings;
    if (s.FORCE_OIDC_AUTH && !item.token)
      throw invalidUser("No token provided for the InfrastructureManager.");
    if (item.token) {
      const who = await this.oidc.validate(item.token);
      const identity = {
        username: who.username,
        password: who.password,
        token: item.token,
        oidc: { issuer: who.issuer, sub: who.sub, groups: who.groups },
      };
      return { ...identity, admin: this.isAdmin(identity) };
    }
    if (item.username !== undefined) {
      if (item.username.startsWith("__OPENID__")) {
        throw invalidUser("Invalid username used for the InfrastructureManager.");
      }
      const password = item.password ?? "";
      // USER_DB is read on every call: an edit of the file takes effect at once
      if (s.USER_DB && !userDbAccepts(s.USER_DB, item.username, password)) throw invalidUser();
      const known = this.passwordIdentities.get(raw);
      if (known) return known;
      const base = { username: item.username, password };
      const identity: Identity = Object.freeze({ ...base, admin: this.isAdmin(base) });
      if (Object.isFrozen(raw)) this.passwordIdentities.set(raw, identity);
      return identity;
    }
    throw invalidUser("No username nor token for the InfrastructureManager.");
  }

  private isAdmin(identity: Omit<Identity, "admin">): boolean {
    if (
      this.options.adminUsers.some(
        (a) => a.username === identity.username && a.password === identity.password,
      )
    ) {
      return true;
    }
    const oidc = identity.oidc;
    return Boolean(
      oidc &&
      this.options.oidcAdminGroups.some((g) => g.issuer === oidc.issuer && oidc.groups.includes(g.group)),
    );
  }
}

/** The authenticator a server builds from its im.cfg. */
export function authenticatorFromConfig(config: {
  im: AuthSettings;
  adminUsers: readonly AdminUser[];
  oidcAdminGroups: readonly OidcAdminGroup[];
}): Authenticator {
  return new Authenticator({
    settings: config.im,
    adminUsers: config.adminUsers,
    oidcAdminGroups: config.oidcAdminGroups,
  });
}
