import { randomBytes, randomUUID } from "node:crypto";
import type { DataCipher } from "./cipher.js";
import { StoreBackendError, StoreConflictError, StoreDecryptError, StoreNotFoundError } from "./errors.js";
import { OwnerHasher } from "./owner-hash.js";
import { jobConflict } from "./validate.js";
import { isDuplicateKey, type SqlClient, type SqlParam } from "./sql-client.js";
import type {
  InfrastructureHead,
  InfrastructureRecord,
  InfrastructureStore,
  InfrastructureSummary,
  InfrastructureUpdate,
  JobFilter,
  JobGuard,
  JobRecord,
  JobState,
  JobUpdate,
  Lease,
  ListFilter,
  NewInfrastructure,
  NewJob,
  StoredOwner,
} from "./types.js";
import {
  checkAttempts,
  checkDate,
  checkId,
  checkJobId,
  checkJobState,
  checkKind,
  checkOwners,
  checkTtl,
  jsonText,
  jsonValueText,
  parseJsonObject,
  parseJsonValue,
} from "./validate.js";

interface InfRow {
  id: string;
  deleted: number;
  version: number;
  created_at: number | string;
  updated_at: number | string;
  owners: string;
  data: string;
  secrets: string | null;
}

interface JobRow {
  id: string;
  inf_id: string | null;
  kind: string;
  state: string;
  params: string;
  result: string | null;
  error: string | null;
  holder: string | null;
  attempts: number;
  created_at: number | string;
  updated_at: number | string;
}

/** Schema steps, applied in order once each; every statement is itself idempotent. */
function migrations(dialect: "sqlite" | "mysql"): string[][] {
  const mysql = dialect === "mysql";
  const big = mysql ? "LONGTEXT" : "TEXT";
  const int64 = mysql ? "BIGINT" : "INTEGER";
  const seq = mysql ? "seq BIGINT AUTO_INCREMENT PRIMARY KEY" : "seq INTEGER PRIMARY KEY AUTOINCREMENT";
  const tail = mysql ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "";
  // MySQL 8 has no CREATE INDEX IF NOT EXISTS: there, indexes are declared inside CREATE TABLE.
  const table = (name: string, columns: string, indexes: [string, string][]) => [
    `CREATE TABLE IF NOT EXISTS ${name} (${columns}${mysql ? indexes.map(([n, c]) => `, INDEX ${n} (${c})`).join("") : ""})${tail}`,
    ...(mysql ? [] : indexes.map(([n, c]) => `CREATE INDEX IF NOT EXISTS ${n} ON ${name} (${c})`)),
  ];
  return [
    [
      ...table(
        "radl_inf",
        `${seq}, id VARCHAR(255) NOT NULL UNIQUE, deleted INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL, created_at ${int64} NOT NULL, updated_at ${int64} NOT NULL, owners ${big} NOT NULL, data ${big} NOT NULL, secrets ${big}`,
        [["radl_inf_deleted", "deleted, updated_at"]],
      ),
      ...table(
        "radl_inf_owner",
        "inf_id VARCHAR(255) NOT NULL, owner_key VARCHAR(128) NOT NULL, PRIMARY KEY (inf_id, owner_key)",
        [["radl_inf_owner_key", "owner_key"]],
      ),
      ...table(
        "radl_job",
        `${seq}, id VARCHAR(64) NOT NULL UNIQUE, inf_id VARCHAR(255), kind VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL, params ${big} NOT NULL, result ${big}, error ${big}, holder VARCHAR(255), attempts INTEGER NOT NULL, created_at ${int64} NOT NULL, updated_at ${int64} NOT NULL`,
        [["radl_job_state", "state"]],
      ),
      ...table(
        "radl_lease",
        `name VARCHAR(255) NOT NULL PRIMARY KEY, holder VARCHAR(255) NOT NULL, expires_at ${int64} NOT NULL`,
        [],
      ),
    ],
    // Listing reads ids only, in creation order, from this index without touching the rows
    // (which hold the whole infrastructure). MySQL has no IF NOT EXISTS here: see applyStep.
    ["CREATE INDEX" + (mysql ? "" : " IF NOT EXISTS") + " radl_inf_listing ON radl_inf (deleted, seq, id)"],
  ];
}

/** One schema statement; a MySQL index another server created at the same moment is fine. */
async function applyStatement(db: SqlClient, sql: string): Promise<void> {
  try {
    await db.run(sql);
  } catch (err) {
    if ((err as { code?: unknown })?.code !== "ER_DUP_KEYNAME") throw err;
  }
}

/** DATA_DB on SQLite or MySQL/MariaDB. */
export class SqlStore implements InfrastructureStore {
  readonly backend: "sqlite" | "mysql";
  /** Listings by query, with the list generation they were read at. */
  private readonly listings = new Map<string, { generation: string; ids: string[] }>();

  private constructor(
    private readonly db: SqlClient,
    private readonly cipher: DataCipher,
    readonly ownerHasher: OwnerHasher,
  ) {
    this.backend = db.dialect;
  }

  /** Applies pending migrations (safe to run from several servers at once) and reads the store salt. */
  static async open(
    db: SqlClient,
    cipher: DataCipher,
    hasherParams?: ConstructorParameters<typeof OwnerHasher>[1],
  ) {
    const tail = db.dialect === "mysql" ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "";
    await db.run(
      `CREATE TABLE IF NOT EXISTS radl_meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value VARCHAR(255) NOT NULL)${tail}`,
    );
    await db.run(
      `CREATE TABLE IF NOT EXISTS radl_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at ${db.dialect === "mysql" ? "BIGINT" : "INTEGER"} NOT NULL)${tail}`,
    );
    const applied = new Set(
      (await db.all<{ version: number }>("SELECT version FROM radl_migrations")).map((r) =>
        Number(r.version),
      ),
    );
    const steps = migrations(db.dialect);
    for (let i = 0; i < steps.length; i++) {
      if (applied.has(i + 1)) continue;
      for (const sql of steps[i]!) await applyStatement(db, sql);
      await insertIgnoringDuplicate(db, "INSERT INTO radl_migrations (version, applied_at) VALUES (?, ?)", [
        i + 1,
        Date.now(),
      ]);
    }
    await insertIgnoringDuplicate(db, "INSERT INTO radl_meta (name, value) VALUES ('owner_salt', ?)", [
      randomBytes(32).toString("base64"),
    ]);
    await insertIgnoringDuplicate(db, "INSERT INTO radl_meta (name, value) VALUES ('list_generation', ?)", [
      randomUUID(),
    ]);
    const [salt] = await db.all<{ value: string }>("SELECT value FROM radl_meta WHERE name = 'owner_salt'");
    return new SqlStore(db, cipher, new OwnerHasher(Buffer.from(salt!.value, "base64"), hasherParams));
  }

  async createInfrastructure(record: NewInfrastructure): Promise<InfrastructureRecord> {
    const id = checkId(record.id);
    const owners = checkOwners(record.owners);
    const data = jsonText(record.data, "data");
    const secretsText = jsonText(record.secrets ?? {}, "secrets");
    const secrets = this.cipher.encrypt(secretsText, id);
    const now = Date.now();
    await this.write("create", async () => {
      try {
        await this.db.transaction(async (tx) => {
          await tx.run(
            "INSERT INTO radl_inf (id, deleted, version, created_at, updated_at, owners, data, secrets) VALUES (?, 0, 1, ?, ?, ?, ?, ?)",
            [id, now, now, JSON.stringify(owners), data, secrets],
          );
          await insertOwnerKeys(tx, id, owners);
          await bumpListGeneration(tx);
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw new StoreConflictError(`Infrastructure ${id} already exists`);
        throw err;
      }
    });
    // what a read would return, without reading and decrypting it back
    return {
      id,
      deleted: false,
      owners,
      data: parseJsonObject(data),
      secrets: parseJsonObject(secretsText),
      createdAt: new Date(now),
      updatedAt: new Date(now),
      version: 1,
    };
  }

  async getInfrastructure(id: string, options: { includeDeleted?: boolean } = {}) {
    checkId(id);
    const rows = await this.read("get", () =>
      this.db.all<InfRow>("SELECT * FROM radl_inf WHERE id = ?", [id]),
    );
    const row = rows[0];
    if (!row || (row.deleted && !options.includeDeleted)) return undefined;
    return this.toRecord(row);
  }

  async getInfrastructureHead(
    id: string,
    options: { includeDeleted?: boolean } = {},
  ): Promise<InfrastructureHead | undefined> {
    checkId(id);
    const rows = await this.read("get", () =>
      this.db.all<Pick<InfRow, "id" | "deleted" | "version" | "owners">>(
        "SELECT id, deleted, version, owners FROM radl_inf WHERE id = ?",
        [id],
      ),
    );
    const row = rows[0];
    if (!row || (Number(row.deleted) && !options.includeDeleted)) return undefined;
    return {
      id: row.id,
      deleted: Boolean(Number(row.deleted)),
      owners: JSON.parse(row.owners) as StoredOwner[],
      version: Number(row.version),
    };
  }

  async updateInfrastructure(id: string, expectedVersion: number, update: InfrastructureUpdate) {
    checkId(id);
    const sets: string[] = [];
    const params: SqlParam[] = [];
    const set = (column: string, value: SqlParam) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    const owners = update.owners === undefined ? undefined : checkOwners(update.owners);
    if (owners) set("owners", JSON.stringify(owners));
    if (update.data !== undefined) set("data", jsonText(update.data, "data"));
    if (update.secrets !== undefined) set("secrets", this.seal(id, update.secrets));
    if (update.deleted !== undefined) set("deleted", update.deleted ? 1 : 0);
    await this.write("update", () =>
      this.db.transaction(async (tx) => {
        const { changes } = await tx.run(
          `UPDATE radl_inf SET ${[...sets, "version = version + 1", "updated_at = ?"].join(", ")} WHERE id = ? AND version = ?`,
          [...params, Date.now(), id, expectedVersion],
        );
        if (changes === 0) {
          const [row] = await tx.all<{ version: number }>("SELECT version FROM radl_inf WHERE id = ?", [id]);
          if (!row) throw new StoreNotFoundError("infrastructure", id);
          throw new StoreConflictError(
            `Infrastructure ${id} was written by someone else (version ${row.version}, expected ${expectedVersion})`,
          );
        }
        if (owners) {
          await tx.run("DELETE FROM radl_inf_owner WHERE inf_id = ?", [id]);
          await insertOwnerKeys(tx, id, owners);
        }
        if (owners || update.deleted !== undefined) await bumpListGeneration(tx);
      }),
    );
    return (await this.getInfrastructure(id, { includeDeleted: true }))!;
  }

  async listInfrastructures(filter: ListFilter = {}): Promise<InfrastructureSummary[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (!filter.includeDeleted) where.push("deleted = 0");
    if (filter.ownerKeys) {
      if (filter.ownerKeys.length === 0) return [];
      where.push(
        `id IN (SELECT inf_id FROM radl_inf_owner WHERE owner_key IN (${filter.ownerKeys.map(() => "?").join(", ")}))`,
      );
      params.push(...filter.ownerKeys);
    }
    const sql = `SELECT id, deleted, owners, created_at, updated_at FROM radl_inf${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC`;
    const rows = await this.read("list", () => this.db.all<InfRow>(sql, params));
    return rows.map((r) => ({
      id: r.id,
      deleted: Boolean(Number(r.deleted)),
      owners: JSON.parse(r.owners) as StoredOwner[],
      createdAt: new Date(Number(r.created_at)),
      updatedAt: new Date(Number(r.updated_at)),
    }));
  }

  async listInfrastructureIds(filter: ListFilter = {}): Promise<string[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (!filter.includeDeleted) where.push("deleted = 0");
    if (filter.ownerKeys) {
      if (filter.ownerKeys.length === 0) return [];
      where.push(
        `EXISTS (SELECT 1 FROM radl_inf_owner o WHERE o.inf_id = radl_inf.id AND o.owner_key IN (${filter.ownerKeys.map(() => "?").join(", ")}))`,
      );
      params.push(...filter.ownerKeys);
    }
    const sql = `SELECT id FROM radl_inf${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC`;
    // Every write that can change a listing (create, owners, deleted flag, purge) changes the
    // generation in the same transaction, whichever server makes it: an unchanged generation
    // means the same ids. Reading it first makes a cached answer at least as new as it.
    const cacheKey = sql + "\0" + params.join("\0");
    const [gen] = await this.read("list", () =>
      this.db.all<{ value: string }>("SELECT value FROM radl_meta WHERE name = 'list_generation'"),
    );
    const cached = this.listings.get(cacheKey);
    if (gen && cached?.generation === gen.value) return [...cached.ids];
    const rows = await this.read("list", () => this.db.all<{ id: string }>(sql, params));
    const ids = rows.map((r) => r.id);
    if (gen) {
      if (this.listings.size >= 1000) this.listings.clear();
      this.listings.set(cacheKey, { generation: gen.value, ids });
    }
    return [...ids];
  }

  async purgeDeletedBefore(date: Date): Promise<number> {
    const before = checkDate(date, "purge date");
    return this.write("purge", () =>
      this.db.transaction(async (tx) => {
        await tx.run(
          "DELETE FROM radl_inf_owner WHERE inf_id IN (SELECT id FROM radl_inf WHERE deleted = 1 AND updated_at < ?)",
          [before],
        );
        const { changes } = await tx.run("DELETE FROM radl_inf WHERE deleted = 1 AND updated_at < ?", [
          before,
        ]);
        if (changes > 0) await bumpListGeneration(tx);
        return changes;
      }),
    );
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const id = checkJobId(job.id ?? randomUUID());
    const infId = job.infId == null ? null : checkId(job.infId);
    const kind = checkKind(job.kind);
    const state = checkJobState(job.state ?? "queued");
    const params = jsonText(job.params ?? {}, "job params");
    const now = Date.now();
    await this.write("create job", async () => {
      try {
        await this.db.run(
          "INSERT INTO radl_job (id, inf_id, kind, state, params, result, error, holder, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, 0, ?, ?)",
          [id, infId, kind, state, params, job.holder ?? null, now, now],
        );
      } catch (err) {
        if (isDuplicateKey(err)) throw new StoreConflictError(`Job ${id} already exists`);
        throw err;
      }
    });
    return {
      id,
      infId,
      kind,
      state,
      params: parseJsonObject(params),
      result: null,
      error: null,
      holder: job.holder ?? null,
      attempts: 0,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    checkJobId(id);
    const rows = await this.read("get job", () =>
      this.db.all<JobRow>("SELECT * FROM radl_job WHERE id = ?", [id]),
    );
    return rows[0] && toJob(rows[0]);
  }

  async updateJob(id: string, update: JobUpdate, guard: JobGuard = {}): Promise<JobRecord> {
    checkJobId(id);
    const sets: string[] = [];
    const params: SqlParam[] = [];
    const set = (column: string, value: SqlParam) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (update.state !== undefined) set("state", checkJobState(update.state));
    if (update.result !== undefined) set("result", jsonValueText(update.result, "job result"));
    if (update.error !== undefined) set("error", update.error);
    if (update.holder !== undefined) set("holder", update.holder);
    if (update.attempts !== undefined) set("attempts", checkAttempts(update.attempts));
    const where = ["id = ?"];
    const whereParams: SqlParam[] = [id];
    if (guard.states) {
      guard.states.forEach(checkJobState);
      where.push(`state IN (${guard.states.map(() => "?").join(", ") || "NULL"})`);
      whereParams.push(...guard.states);
    }
    if (guard.holder === null) where.push("holder IS NULL");
    else if (guard.holder !== undefined) {
      where.push("holder = ?");
      whereParams.push(guard.holder);
    }
    const { changes } = await this.write("update job", () =>
      this.db.run(
        `UPDATE radl_job SET ${[...sets, "updated_at = ?"].join(", ")} WHERE ${where.join(" AND ")}`,
        [...params, Date.now(), ...whereParams],
      ),
    );
    const job = await this.getJob(id);
    if (!job) throw new StoreNotFoundError("job", id);
    if (changes === 0) throw new StoreConflictError(jobConflict(job, guard));
    return job;
  }

  async listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (filter.states) {
      if (filter.states.length === 0) return [];
      filter.states.forEach(checkJobState);
      where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      params.push(...filter.states);
    }
    if (filter.infId !== undefined) {
      where.push("inf_id = ?");
      params.push(checkId(filter.infId));
    }
    const sql = `SELECT * FROM radl_job${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq`;
    return (await this.read("list jobs", () => this.db.all<JobRow>(sql, params))).map(toJob);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkId(name, "lease name");
    checkId(holder, "lease holder");
    checkTtl(ttlMs);
    const now = Date.now();
    return this.write("lease", async () => {
      const { changes } = await this.db.run(
        "UPDATE radl_lease SET holder = ?, expires_at = ? WHERE name = ? AND (expires_at <= ? OR holder = ?)",
        [holder, now + ttlMs, name, now, holder],
      );
      if (changes > 0) return true;
      try {
        await this.db.run("INSERT INTO radl_lease (name, holder, expires_at) VALUES (?, ?, ?)", [
          name,
          holder,
          now + ttlMs,
        ]);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    });
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    checkId(name, "lease name");
    const { changes } = await this.write("release lease", () =>
      this.db.run("DELETE FROM radl_lease WHERE name = ? AND holder = ?", [name, holder]),
    );
    return changes > 0;
  }

  async getLease(name: string): Promise<Lease | undefined> {
    checkId(name, "lease name");
    const [row] = await this.read("get lease", () =>
      this.db.all<{ name: string; holder: string; expires_at: number | string }>(
        "SELECT * FROM radl_lease WHERE name = ?",
        [name],
      ),
    );
    return row && { name: row.name, holder: row.holder, expiresAt: new Date(Number(row.expires_at)) };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private seal(id: string, secrets: unknown): string {
    return this.cipher.encrypt(jsonText(secrets, "secrets"), id);
  }

  private toRecord(row: InfRow): InfrastructureRecord {
    let secrets = {};
    if (row.secrets) {
      try {
        secrets = parseJsonObject(this.cipher.decrypt(row.secrets, row.id));
      } catch (err) {
        throw new StoreDecryptError(row.id, { cause: err });
      }
    }
    return {
      id: row.id,
      deleted: Boolean(Number(row.deleted)),
      owners: JSON.parse(row.owners) as StoredOwner[],
      data: parseJsonObject(row.data),
      secrets,
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
      version: Number(row.version),
    };
  }

  private read<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.write(operation, fn);
  }

  /** Our own typed errors pass through; driver errors become StoreBackendError. */
  private async write<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error && "code" in err && String(err.code).startsWith("E-STORE")) throw err;
      throw new StoreBackendError(operation, { cause: err });
    }
  }
}

async function insertOwnerKeys(tx: SqlClient, id: string, owners: readonly StoredOwner[]): Promise<void> {
  for (const key of new Set(owners.map((o) => o.key))) {
    await tx.run("INSERT INTO radl_inf_owner (inf_id, owner_key) VALUES (?, ?)", [id, key]);
  }
}

/** A new list generation: listings cached by any server are read again. */
async function bumpListGeneration(tx: SqlClient): Promise<void> {
  await tx.run("UPDATE radl_meta SET value = ? WHERE name = 'list_generation'", [randomUUID()]);
}

async function insertIgnoringDuplicate(db: SqlClient, sql: string, params: SqlParam[]): Promise<void> {
  try {
    await db.run(sql, params);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    infId: row.inf_id,
    kind: row.kind,
    state: row.state as JobState,
    params: parseJsonObject(row.params),
    result: parseJsonValue(row.result),
    error: row.error,
    holder: row.holder,
    attempts: Number(row.attempts),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
