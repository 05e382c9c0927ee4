import type { OwnerHasher } from "./owner-hash.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One owner of an infrastructure as stored (§3.10, §9.8, §9.9): never a password or a token. */
export interface StoredOwner {
  /** The IM username (`__OPENID__<name>` for OIDC users); shown by GET .../authorization. */
  readonly username: string;
  /** `OwnerHasher.passwordKey` or `.oidcKey`. */
  readonly key: string;
  /** The owner logged in with a token: only callers with a token match (§3.10). */
  readonly tokenOnly: boolean;
  /** Matches on issuer + subject (the key) whatever the username. */
  readonly oidc: boolean;
}

/** The IM record of one infrastructure (§6.1). */
export interface InfrastructureRecord {
  readonly id: string;
  readonly deleted: boolean;
  readonly owners: readonly StoredOwner[];
  /** The serialised infrastructure (§6.5) without secrets. */
  readonly data: JsonObject;
  /** VM credentials and private keys: encrypted at rest, decrypted here. */
  readonly secrets: JsonObject;
  readonly createdAt: Date;
  /** Last write (the `date` of §6.4 that `purgeDeletedBefore` compares). */
  readonly updatedAt: Date;
  /** Optimistic lock: every write increments it; updates name the version they read. */
  readonly version: number;
}

/** What listing returns: enough to check access without loading the data. */
export interface InfrastructureSummary {
  readonly id: string;
  readonly deleted: boolean;
  readonly owners: readonly StoredOwner[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a read needs to check access and the freshness of a cached record (no data, no secrets). */
export interface InfrastructureHead {
  readonly id: string;
  readonly deleted: boolean;
  readonly owners: readonly StoredOwner[];
  readonly version: number;
}

export interface NewInfrastructure {
  id: string;
  owners: readonly StoredOwner[];
  data: JsonObject;
  secrets?: JsonObject;
}

export interface InfrastructureUpdate {
  owners?: readonly StoredOwner[];
  data?: JsonObject;
  secrets?: JsonObject;
  deleted?: boolean;
}

export interface ListFilter {
  /** Only records having an owner with one of these keys; undefined = every record (admins). */
  ownerKeys?: readonly string[];
  includeDeleted?: boolean;
}

/** A long operation persisted so that a restarted server resumes or fails it. */
export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const UNFINISHED_JOB_STATES: readonly JobState[] = ["queued", "running"];
export const JOB_STATES: readonly JobState[] = ["queued", "running", "succeeded", "failed", "cancelled"];

export interface JobRecord {
  readonly id: string;
  readonly infId: string | null;
  /** The operation (`create`, `addresource`, `destroy`, ...). */
  readonly kind: string;
  readonly state: JobState;
  readonly params: JsonObject;
  readonly result: JsonValue;
  readonly error: string | null;
  /** The server currently working on it. */
  readonly holder: string | null;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewJob {
  id?: string;
  infId?: string | null;
  kind: string;
  params?: JsonObject;
  holder?: string | null;
  state?: JobState;
}

export interface JobUpdate {
  state?: JobState;
  result?: JsonValue;
  error?: string | null;
  holder?: string | null;
  attempts?: number;
}

/** Conditions a job must meet for an update to be written (compare-and-set). */
export interface JobGuard {
  /** One of these states. */
  states?: readonly JobState[];
  /** Exactly this holder (`null` = no holder). */
  holder?: string | null;
}

export interface JobFilter {
  states?: readonly JobState[];
  infId?: string;
}

export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAt: Date;
}

/**
 * DATA_DB: one interface, three backends (sqlite://, mysql://, mongodb://) with identical
 * behaviour, proved by one test suite run against each.
 */
export interface InfrastructureStore {
  readonly backend: "sqlite" | "mysql" | "mongodb";
  /** Hashes owner credentials with this store's salt (shared by every server of the store). */
  readonly ownerHasher: OwnerHasher;

  /** Throws StoreConflictError if the id exists (deleted or not). */
  createInfrastructure(record: NewInfrastructure): Promise<InfrastructureRecord>;
  /** Deleted records are returned only with `includeDeleted`. */
  getInfrastructure(
    id: string,
    options?: { includeDeleted?: boolean },
  ): Promise<InfrastructureRecord | undefined>;
  /** The record's owners and version without reading its data (deleted ones only with `includeDeleted`). */
  getInfrastructureHead(
    id: string,
    options?: { includeDeleted?: boolean },
  ): Promise<InfrastructureHead | undefined>;
  /** Writes only if the stored version is `expectedVersion` (StoreConflictError otherwise). */
  updateInfrastructure(
    id: string,
    expectedVersion: number,
    update: InfrastructureUpdate,
  ): Promise<InfrastructureRecord>;
  /** Newest created first. */
  listInfrastructures(filter?: ListFilter): Promise<InfrastructureSummary[]>;
  /**
   * The ids `listInfrastructures` would return, without reading the records (the listing of a
   * non-admin caller: an owner key binds the username or the OIDC subject it was derived from).
   */
  listInfrastructureIds(filter?: ListFilter): Promise<string[]>;
  /** Removes deleted records last written before `date`; returns how many (`radl purge --before`). */
  purgeDeletedBefore(date: Date): Promise<number>;

  createJob(job: NewJob): Promise<JobRecord>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Writes only if the job matches `guard` (StoreConflictError otherwise). */
  updateJob(id: string, update: JobUpdate, guard?: JobGuard): Promise<JobRecord>;
  /** Oldest first. */
  listJobs(filter?: JobFilter): Promise<JobRecord[]>;

  /** Takes or renews the named lease for `ttlMs`; false while another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives it up if held by `holder`. */
  releaseLease(name: string, holder: string): Promise<boolean>;
  getLease(name: string): Promise<Lease | undefined>;

  close(): Promise<void>;
}
