import type { OwnerHasher } from "../store/owner-hash.js";
import type { StoredOwner } from "../store/types.js";
import type { AuthContext, Identity } from "./authenticate.js";
import { unauthorizedUser } from "./errors.js";

/**
 * Ownership (§3.10, §9.8, §9.9). Owners are stored as hashed keys: password owners by username +
 * password, OIDC owners by issuer + subject whatever their username. An owner who logged in with
 * a token can only be reached with a token.
 */

/** Keys already derived for an identity of this request (a listing checks every record with them). */
const keys = new WeakMap<Identity, { hasher: OwnerHasher; key: Promise<string> }>();

function keyOf(identity: Identity, hasher: OwnerHasher): Promise<string> {
  const known = keys.get(identity);
  if (known && known.hasher === hasher) return known.key;
  const key = identity.oidc
    ? hasher.oidcKey(identity.password)
    : hasher.passwordKey(identity.username, identity.password);
  keys.set(identity, { hasher, key });
  return key;
}

/** The owner list of a new or imported infrastructure: every IM identity of the caller. */
export async function ownersOf(ctx: AuthContext, hasher: OwnerHasher): Promise<StoredOwner[]> {
  const owners: StoredOwner[] = [];
  for (const identity of ctx.identities) {
    const owner = {
      username: identity.username,
      key: await keyOf(identity, hasher),
      tokenOnly: Boolean(identity.token),
      oidc: Boolean(identity.oidc),
    };
    if (!owners.some((o) => o.key === owner.key && o.username === owner.username)) owners.push(owner);
  }
  return owners;
}

/** The keys to filter a listing by, or undefined for an administrator (sees everything). */
export async function listingKeys(ctx: AuthContext, hasher: OwnerHasher): Promise<string[] | undefined> {
  if (ctx.admin) return undefined;
  return Promise.all(ctx.identities.map((i) => keyOf(i, hasher)));
}

/** The exact access rule, applied to each record (also after a key-filtered listing). */
export async function canAccess(
  ctx: AuthContext,
  owners: readonly StoredOwner[],
  hasher: OwnerHasher,
): Promise<boolean> {
  if (ctx.admin) return true;
  for (const identity of ctx.identities) {
    const key = await keyOf(identity, hasher);
    const match = owners.some(
      (o) =>
        o.key === key &&
        (o.oidc ? Boolean(identity.oidc) : o.username === identity.username) &&
        (!o.tokenOnly || Boolean(identity.token)),
    );
    if (match) return true;
  }
  return false;
}

/** Throws UnauthorizedUser (403) unless the caller may act on the infrastructure. */
export async function assertAccess(
  ctx: AuthContext,
  owners: readonly StoredOwner[],
  hasher: OwnerHasher,
): Promise<void> {
  if (!(await canAccess(ctx, owners, hasher))) throw unauthorizedUser();
}
