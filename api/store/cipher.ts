import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const PREFIX = "aesgcm1:";

/**
 * AES-256-GCM for the secrets kept in DATA_DB (VM credentials and private keys, §9.9). The record
 * id is authenticated data, so a ciphertext moved to another record does not decrypt.
 */
export class DataCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError("DataCipher needs a 32-byte key");
  }

  encrypt(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** Throws when the text was not produced by this key for this context. */
  decrypt(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error("not an encrypted value");
    const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}
