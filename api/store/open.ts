import type { ScryptOptions } from "node:crypto";
import { loadDataKey } from "../config/secrets.js";
import type { ImConfig } from "../config/load.js";
import { DataCipher } from "./cipher.js";
import { StoreConnectionError } from "./errors.js";
import { MongoStore } from "./mongo-store.js";
import { MysqlClient } from "./mysql-client.js";
import { SqlStore } from "./sql-store.js";
import { SqliteClient } from "./sqlite-client.js";
import type { InfrastructureStore } from "./types.js";

export interface OpenStoreOptions {
  /** The 32-byte AES key for VM credentials (DATA_KEY_FILE). */
  key: Buffer;
  /** scrypt cost of owner password hashes; tests lower it. */
  hasherParams?: ScryptOptions;
}

/**
 * Opens DATA_DB (`sqlite://<path>`, `mysql://...`, `mongodb://...`), creating or migrating its
 * schema. Any failure to connect or prepare it is a StoreConnectionError, which stops start-up.
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<InfrastructureStore> {
  const cipher = new DataCipher(options.key);
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "mongodb" || scheme === "mongodb+srv")
    return MongoStore.open(url, cipher, options.hasherParams);
  if (scheme !== "sqlite" && scheme !== "mysql") {
    throw new StoreConnectionError(url, "unsupported DATA_DB scheme (use sqlite://, mysql:// or mongodb://)");
  }
  let client: SqliteClient | MysqlClient | undefined;
  try {
    client = scheme === "sqlite" ? SqliteClient.open(url.slice("sqlite://".length)) : MysqlClient.open(url);
    return await SqlStore.open(client, cipher, options.hasherParams);
  } catch (err) {
    await client?.close().catch(() => undefined);
    throw new StoreConnectionError(url, (err as Error).message, { cause: err });
  }
}

/** The store named by a loaded configuration, with its data key. */
export function openConfiguredStore(config: ImConfig): Promise<InfrastructureStore> {
  return openStore(config.dataDb, { key: loadDataKey(config) });
}
