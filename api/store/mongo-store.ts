import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { MongoClient, MongoServerError, type Collection, type Db } from "mongodb";
import type { DataCipher } from "./cipher.js";
import {
  StoreBackendError,
  StoreConflictError,
  StoreConnectionError,
  StoreDecryptError,
  StoreNotFoundError,
} from "./errors.js";
import { OwnerHasher } from "./owner-hash.js";
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
  jobConflict,
  jsonValueText,
  parseJsonObject,
  parseJsonValue,
} from "./validate.js";

/**
 * Documents keep `data`, `params` and `result` as JSON text, not as embedded documents: MongoDB
 * restricts field names (`$`, `.`) and number types, and the three backends must return exactly
 * what was stored. Every write touches one document, so no multi-document transaction is needed
 * (FerretDB and standalone servers have none).
 */
interface InfDoc {
  _id: string;
  seq: number;
  deleted: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  owners: StoredOwner[];
  ownerKeys: string[];
  data: string;
  secrets: string | null;
}

interface JobDoc {
  _id: string;
  seq: number;
  infId: string | null;
  kind: string;
  state: JobState;
  params: string;
  result: string | null;
  error: string | null;
  holder: string | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
}

interface LeaseDoc {
  _id: string;
  holder: string;
  expiresAt: number;
}

interface MetaDoc {
  _id: string;
  value: string;
}

interface LockDoc {
  _id: string;
  expiresAt: number;
}

interface CounterDoc {
  _id: string;
  value: number;
}

const LOCK_TTL_MS = 30_000;

function isDuplicate(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** DATA_DB on MongoDB (or a MongoDB-wire server such as FerretDB). The full URL reaches the driver (§8.25). */
export class MongoStore implements InfrastructureStore {
  readonly backend = "mongodb" as const;

  private constructor(
    private readonly client: MongoClient,
    private readonly infs: Collection<InfDoc>,
    private readonly jobs: Collection<JobDoc>,
    private readonly leases: Collection<LeaseDoc>,
    private readonly counters: Collection<CounterDoc>,
    private readonly locks: Collection<LockDoc>,
    private readonly cipher: DataCipher,
    readonly ownerHasher: OwnerHasher,
  ) {}

  static async open(
    url: string,
    cipher: DataCipher,
    hasherParams?: ConstructorParameters<typeof OwnerHasher>[1],
  ) {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 10000, connectTimeoutMS: 10000 });
    try {
      await client.connect();
      const db: Db = client.db();
      const infs = db.collection<InfDoc>("radl_inf");
      const jobs = db.collection<JobDoc>("radl_job");
      const leases = db.collection<LeaseDoc>("radl_lease");
      const meta = db.collection<MetaDoc>("radl_meta");
      // Index creation is idempotent: the schema "migration" of this backend.
      await infs.createIndex({ seq: -1 });
      await infs.createIndex({ ownerKeys: 1 });
      await infs.createIndex({ deleted: 1, updatedAt: 1 });
      await jobs.createIndex({ state: 1, seq: 1 });
      try {
        await meta.insertOne({ _id: "owner_salt", value: randomBytes(32).toString("base64") });
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      const salt = await meta.findOne({ _id: "owner_salt" });
      return new MongoStore(
        client,
        infs,
        jobs,
        leases,
        db.collection<CounterDoc>("radl_counters"),
        db.collection<LockDoc>("radl_locks"),
        cipher,
        new OwnerHasher(Buffer.from(String(salt!.value), "base64"), hasherParams),
      );
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new StoreConnectionError(url, (err as Error).message, { cause: err });
    }
  }

  async createInfrastructure(record: NewInfrastructure): Promise<InfrastructureRecord> {
    const id = checkId(record.id);
    const owners = checkOwners(record.owners);
    const data = jsonText(record.data, "data");
    const secrets = this.seal(id, record.secrets ?? {});
    await this.guard("create", async () => {
      if (await this.infs.findOne({ _id: id }, { projection: { _id: 1 } })) {
        throw new StoreConflictError(`Infrastructure ${id} already exists`);
      }
      const now = Date.now();
      try {
        await this.infs.insertOne({
          _id: id,
          seq: await this.nextSeq("inf_seq"),
          deleted: false,
          version: 1,
          createdAt: now,
          updatedAt: now,
          owners,
          ownerKeys: [...new Set(owners.map((o) => o.key))],
          data,
          secrets,
        });
      } catch (err) {
        if (isDuplicate(err)) throw new StoreConflictError(`Infrastructure ${id} already exists`);
        throw err;
      }
    });
    return (await this.getInfrastructure(id, { includeDeleted: true }))!;
  }

  async getInfrastructure(id: string, options: { includeDeleted?: boolean } = {}) {
    checkId(id);
    const doc = await this.guard("get", () => this.infs.findOne({ _id: id }));
    if (!doc || (doc.deleted && !options.includeDeleted)) return undefined;
    return this.toRecord(doc);
  }

  async getInfrastructureHead(
    id: string,
    options: { includeDeleted?: boolean } = {},
  ): Promise<InfrastructureHead | undefined> {
    checkId(id);
    const doc = await this.guard("get", () =>
      this.infs.findOne({ _id: id }, { projection: { _id: 1, deleted: 1, version: 1, owners: 1 } }),
    );
    if (!doc || (doc.deleted && !options.includeDeleted)) return undefined;
    return { id: doc._id, deleted: doc.deleted, owners: doc.owners, version: doc.version };
  }

  async updateInfrastructure(id: string, expectedVersion: number, update: InfrastructureUpdate) {
    checkId(id);
    const set: Partial<InfDoc> = { updatedAt: Date.now() };
    if (update.owners !== undefined) {
      const owners = checkOwners(update.owners);
      set.owners = owners;
      set.ownerKeys = [...new Set(owners.map((o) => o.key))];
    }
    if (update.data !== undefined) set.data = jsonText(update.data, "data");
    if (update.secrets !== undefined) set.secrets = this.seal(id, update.secrets);
    if (update.deleted !== undefined) set.deleted = update.deleted;
    await this.guard("update", () =>
      this.locked(`inf:${id}`, async () => {
        const result = await this.infs.updateOne(
          { _id: id, version: expectedVersion },
          { $set: set, $inc: { version: 1 } },
        );
        if (result.matchedCount === 0) {
          const current = await this.infs.findOne({ _id: id }, { projection: { version: 1 } });
          if (!current) throw new StoreNotFoundError("infrastructure", id);
          throw new StoreConflictError(
            `Infrastructure ${id} was written by someone else (version ${current.version}, expected ${expectedVersion})`,
          );
        }
      }),
    );
    return (await this.getInfrastructure(id, { includeDeleted: true }))!;
  }

  async listInfrastructures(filter: ListFilter = {}): Promise<InfrastructureSummary[]> {
    const query: Record<string, unknown> = {};
    if (!filter.includeDeleted) query.deleted = false;
    if (filter.ownerKeys) {
      if (filter.ownerKeys.length === 0) return [];
      query.ownerKeys = { $in: [...filter.ownerKeys] };
    }
    const docs = await this.guard("list", () =>
      this.infs
        .find(query, { projection: { _id: 1, deleted: 1, owners: 1, createdAt: 1, updatedAt: 1 } })
        .sort({ seq: -1 })
        .toArray(),
    );
    return docs.map((d) => ({
      id: d._id,
      deleted: d.deleted,
      owners: d.owners,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
    }));
  }

  async listInfrastructureIds(filter: ListFilter = {}): Promise<string[]> {
    const query: Record<string, unknown> = {};
    if (!filter.includeDeleted) query.deleted = false;
    if (filter.ownerKeys) {
      if (filter.ownerKeys.length === 0) return [];
      query.ownerKeys = { $in: [...filter.ownerKeys] };
    }
    const docs = await this.guard("list", () =>
      this.infs
        .find(query, { projection: { _id: 1 } })
        .sort({ seq: -1 })
        .toArray(),
    );
    return docs.map((d) => d._id);
  }

  async purgeDeletedBefore(date: Date): Promise<number> {
    const before = checkDate(date, "purge date");
    const result = await this.guard("purge", () =>
      this.infs.deleteMany({ deleted: true, updatedAt: { $lt: before } }),
    );
    return result.deletedCount;
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const id = checkJobId(job.id ?? randomUUID());
    const infId = job.infId == null ? null : checkId(job.infId);
    const kind = checkKind(job.kind);
    const state = checkJobState(job.state ?? "queued");
    const params = jsonText(job.params ?? {}, "job params");
    const now = Date.now();
    await this.guard("create job", async () => {
      try {
        await this.jobs.insertOne({
          _id: id,
          seq: await this.nextSeq("job_seq"),
          infId,
          kind,
          state,
          params,
          result: null,
          error: null,
          holder: job.holder ?? null,
          attempts: 0,
          createdAt: now,
          updatedAt: now,
        });
      } catch (err) {
        if (isDuplicate(err)) throw new StoreConflictError(`Job ${id} already exists`);
        throw err;
      }
    });
    return (await this.getJob(id))!;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    checkJobId(id);
    const doc = await this.guard("get job", () => this.jobs.findOne({ _id: id }));
    return doc ? toJob(doc) : undefined;
  }

  async updateJob(id: string, update: JobUpdate, guard: JobGuard = {}): Promise<JobRecord> {
    checkJobId(id);
    const set: Partial<JobDoc> = { updatedAt: Date.now() };
    if (update.state !== undefined) set.state = checkJobState(update.state);
    if (update.result !== undefined) set.result = jsonValueText(update.result, "job result");
    if (update.error !== undefined) set.error = update.error;
    if (update.holder !== undefined) set.holder = update.holder;
    if (update.attempts !== undefined) set.attempts = checkAttempts(update.attempts);
    const filter: Record<string, unknown> = { _id: id };
    if (guard.states) {
      guard.states.forEach(checkJobState);
      filter.state = { $in: [...guard.states] };
    }
    if (guard.holder !== undefined) filter.holder = guard.holder;
    const result = await this.guard("update job", () =>
      this.locked(`job:${id}`, () => this.jobs.updateOne(filter, { $set: set })),
    );
    const job = await this.getJob(id);
    if (!job) throw new StoreNotFoundError("job", id);
    if (result.matchedCount === 0) throw new StoreConflictError(jobConflict(job, guard));
    return job;
  }

  async listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.states) {
      if (filter.states.length === 0) return [];
      filter.states.forEach(checkJobState);
      query.state = { $in: [...filter.states] };
    }
    if (filter.infId !== undefined) query.infId = checkId(filter.infId);
    const docs = await this.guard("list jobs", () => this.jobs.find(query).sort({ seq: 1 }).toArray());
    return docs.map(toJob);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkId(name, "lease name");
    checkId(holder, "lease holder");
    checkTtl(ttlMs);
    const now = Date.now();
    return this.guard("lease", () =>
      this.locked(`lease:${name}`, async () => {
        const result = await this.leases.updateOne(
          { _id: name, $or: [{ expiresAt: { $lte: now } }, { holder }] },
          { $set: { holder, expiresAt: now + ttlMs } },
        );
        if (result.matchedCount > 0) return true;
        try {
          await this.leases.insertOne({ _id: name, holder, expiresAt: now + ttlMs });
          return true;
        } catch (err) {
          if (isDuplicate(err)) return false;
          throw err;
        }
      }),
    );
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    checkId(name, "lease name");
    const result = await this.guard("release lease", () =>
      this.locked(`lease:${name}`, () => this.leases.deleteOne({ _id: name, holder })),
    );
    return result.deletedCount > 0;
  }

  async getLease(name: string): Promise<Lease | undefined> {
    checkId(name, "lease name");
    const doc = await this.guard("get lease", () => this.leases.findOne({ _id: name }));
    return doc ? { name: doc._id, holder: doc.holder, expiresAt: new Date(doc.expiresAt) } : undefined;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /**
   * A critical section per document. Conditional updates are not atomic on every MongoDB-wire
   * server (FerretDB 1.x reads, then writes), but a unique `_id` insert is: the lock is that
   * insert. A lock left by a crashed process expires after LOCK_TTL_MS.
   */
  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      try {
        await this.locks.insertOne({ _id: name, expiresAt: now + LOCK_TTL_MS });
        break;
      } catch (err) {
        if (!isDuplicate(err)) throw err;
        const held = await this.locks.findOne({ _id: name });
        if (held && held.expiresAt <= now)
          await this.locks.deleteOne({ _id: name, expiresAt: held.expiresAt });
        if (attempt >= 400) throw new Error(`lock ${name} is busy`);
        await sleep(5 + Math.random() * 20);
      }
    }
    try {
      return await fn();
    } finally {
      await this.locks.deleteOne({ _id: name });
    }
  }

  private async nextSeq(name: string): Promise<number> {
    const doc = await this.counters.findOneAndUpdate(
      { _id: name },
      { $inc: { value: 1 } },
      { upsert: true, returnDocument: "after" },
    );
    return Number(doc!.value);
  }

  private seal(id: string, secrets: unknown): string {
    return this.cipher.encrypt(jsonText(secrets, "secrets"), id);
  }

  private toRecord(doc: InfDoc): InfrastructureRecord {
    let secrets = {};
    if (doc.secrets) {
      try {
        secrets = parseJsonObject(this.cipher.decrypt(doc.secrets, doc._id));
      } catch (err) {
        throw new StoreDecryptError(doc._id, { cause: err });
      }
    }
    return {
      id: doc._id,
      deleted: doc.deleted,
      owners: doc.owners,
      data: parseJsonObject(doc.data),
      secrets,
      createdAt: new Date(doc.createdAt),
      updatedAt: new Date(doc.updatedAt),
      version: doc.version,
    };
  }

  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error && "code" in err && String(err.code).startsWith("E-STORE")) throw err;
      throw new StoreBackendError(operation, { cause: err });
    }
  }
}

function toJob(doc: JobDoc): JobRecord {
  return {
    id: doc._id,
    infId: doc.infId,
    kind: doc.kind,
    state: doc.state,
    params: parseJsonObject(doc.params),
    result: parseJsonValue(doc.result),
    error: doc.error,
    holder: doc.holder,
    attempts: doc.attempts,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
}
