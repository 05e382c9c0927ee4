/** The little SQL surface the SQL store needs; SQLite and MySQL both use `?` placeholders. */
export type SqlParam = string | number | null;

export interface SqlClient {
  readonly dialect: "sqlite" | "mysql";
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** `changes` counts matched rows (MySQL connects with FOUND_ROWS). */
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Whether a driver error is a unique/primary key violation. */
export function isDuplicateKey(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}
