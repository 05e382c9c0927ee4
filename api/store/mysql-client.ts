import mysql from "mysql2/promise";
import type { SqlClient, SqlParam } from "./sql-client.js";

type Queryable = mysql.Pool | mysql.PoolConnection;

function wrap(target: Queryable, transaction: SqlClient["transaction"]): SqlClient {
  return {
    dialect: "mysql",
    all: async <T>(sql: string, params: readonly SqlParam[] = []) => {
      const [rows] = await target.query(sql, params as SqlParam[]);
      return rows as T[];
    },
    run: async (sql: string, params: readonly SqlParam[] = []) => {
      const [result] = await target.query(sql, params as SqlParam[]);
      return { changes: (result as mysql.ResultSetHeader).affectedRows };
    },
    transaction,
    close: async () => undefined,
  };
}

/** A mysql2 pool; `mysql://user:pass@host[:port]/db` (§6.2), port 3306 by default. */
export class MysqlClient implements SqlClient {
  readonly dialect = "mysql" as const;
  private readonly root: SqlClient;

  private constructor(private readonly pool: mysql.Pool) {
    this.root = wrap(pool, (fn) => this.transaction(fn));
  }

  static open(url: string): MysqlClient {
    const u = new URL(url);
    const pool = mysql.createPool({
      host: decodeURIComponent(u.hostname),
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.replace(/^\//, "")),
      charset: "utf8mb4_bin",
      connectionLimit: 8,
      connectTimeout: 10000,
      supportBigNumbers: true,
      flags: ["FOUND_ROWS"],
    });
    return new MysqlClient(pool);
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.root.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.root.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      await conn.beginTransaction();
      const tx = wrap(conn, (inner) => inner(tx));
      try {
        const result = await fn(tx);
        await conn.commit();
        return result;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      }
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
