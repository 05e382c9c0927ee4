import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { SqlClient, SqlParam } from "./sql-client.js";

/**
 * better-sqlite3 is synchronous and has one connection, so statements of concurrent callers
 * would land inside each other's transactions: every operation goes through one queue.
 */
export class SqliteClient implements SqlClient {
  readonly dialect = "sqlite" as const;
  private queue: Promise<unknown> = Promise.resolve();
  /** Compiled statements by SQL text: preparing costs more than running the usual one-row query. */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  static open(path: string): SqliteClient {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    // WAL with NORMAL syncs at checkpoints, not at every commit: a killed server loses nothing
    // committed (only an OS crash or power cut can drop the last commits), and a commit no longer
    // blocks the event loop on an fsync.
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    return new SqliteClient(db);
  }

  all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.enqueue(async () => this.prepare(sql).all(...params) as T[]);
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<{ changes: number }> {
    return this.enqueue(async () => ({ changes: this.prepare(sql).run(...params).changes }));
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      const db = this.db;
      const tx: SqlClient = {
        dialect: "sqlite",
        all: async <R>(sql: string, params: readonly SqlParam[] = []) =>
          this.prepare(sql).all(...params) as R[],
        run: async (sql, params = []) => ({ changes: this.prepare(sql).run(...params).changes }),
        transaction: (inner) => inner(tx),
        close: async () => undefined,
      };
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(tx);
        db.exec("COMMIT");
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.db.close();
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // listing builds its IN (...) list per call: keep the cache bounded
      if (this.statements.size >= 256) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op, op);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
