import { createHash, createHmac, scrypt as scryptCb, type ScryptOptions } from "node:crypto";

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Owner passwords are stored only as slow salted hashes (§9.9). The salt of a password owner is
 * derived from the store-wide salt and the username, so the same identity hashes to the same
 * key in every record: listing can filter by key in the database, and one scrypt per identity
 * (memoised) serves every record. OIDC owners (§9.8) hash issuer + subject with a salt that does
 * not depend on the username, so they match whatever their username becomes.
 */
export class OwnerHasher {
  private readonly memo = new Map<string, Promise<string>>();

  constructor(
    private readonly storeSalt: Buffer,
    private readonly params: ScryptOptions = { N: 16384, r: 8, p: 1 },
  ) {}

  /** The key of a username/password owner. */
  passwordKey(username: string, password: string): Promise<string> {
    return this.derive(`user:${username}`, password);
  }

  /** The key of an OIDC owner: `issuerSubject` is the derived password `<issuer>/<sub>`. */
  oidcKey(issuerSubject: string): Promise<string> {
    return this.derive("oidc", issuerSubject);
  }

  private derive(saltLabel: string, secret: string): Promise<string> {
    // one hash per call (every authenticated request comes here); the memo is per store salt
    const memoKey = createHash("sha256").update(saltLabel).update("\0").update(secret).digest("base64");
    let result = this.memo.get(memoKey);
    if (!result) {
      const salt = createHmac("sha256", this.storeSalt).update(saltLabel).digest();
      result = scrypt(secret, salt, this.params).then((k) => `s1:${k.toString("base64url")}`);
      result.catch(() => this.memo.delete(memoKey));
      if (this.memo.size >= 10000) this.memo.clear();
      this.memo.set(memoKey, result);
    }
    return result;
  }
}
