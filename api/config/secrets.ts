import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "./errors.js";
import type { ImConfig } from "./load.js";

/**
 * Reads a secret kept in a file, generating it once (mode 0600, directory 0700) when missing.
 * A file readable by group or others is tightened rather than trusted as is.
 */
export function ensureSecretFile(path: string, option: string, generate: () => string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, generate(), { mode: 0o600, flag: "wx" });
    } catch (err) {
      // Another server process may have created it first: read theirs.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConfigError(option, path, `cannot be created: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    const value = readFileSync(path, "utf8").trim();
    if (value === "") throw new Error("the file is empty");
    return value;
  } catch (err) {
    throw new ConfigError(option, path, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/** The stacks' passphrase: `PULUMI_CONFIG_PASSPHRASE` wins, else PULUMI_PASSPHRASE_FILE (generated once). */
export function loadPulumiPassphrase(config: ImConfig): string {
  if (config.pulumiPassphrase !== undefined) return config.pulumiPassphrase;
  return ensureSecretFile(config.pulumiPassphraseFile, "PULUMI_PASSPHRASE_FILE", () =>
    randomBytes(32).toString("base64url"),
  );
}

/** The 32-byte AES key encrypting VM credentials in DATA_DB (DATA_KEY_FILE, generated once). */
export function loadDataKey(config: ImConfig): Buffer {
  const text = ensureSecretFile(config.dataKeyFile, "DATA_KEY_FILE", () =>
    randomBytes(32).toString("base64"),
  );
  const key = Buffer.from(text, "base64");
  if (key.length !== 32) {
    throw new ConfigError("DATA_KEY_FILE", config.dataKeyFile, "must hold 32 bytes in base64");
  }
  return key;
}
