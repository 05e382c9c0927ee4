import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { MongoClient } from "mongodb";
import mysql from "mysql2/promise";
import {
  StoreBackendError,
  StoreConflictError,
  StoreConnectionError,
  StoreDecryptError,
  StoreInputError,
  StoreNotFoundError,
} from "../../api/store/errors.js";
import { openStore } from "../../api/store/open.js";
import type { InfrastructureStore, JsonObject, StoredOwner } from "../../api/store/types.js";

const MYSQL_URL = process.env.IM_TEST_MYSQL_URL ?? "mysql://im:im@127.0.0.1:3306/im_test";
const MONGO_BASE = process.env.IM_TEST_MONGODB_URL ?? "mongodb://127.0.0.1:27017/im_test";
/** Cheap scrypt for tests; production uses N=16384. */
const hasherParams = { N: 1024, r: 8, p: 1 };

interface Backend {
  name: string;
  url: string;
  /** Empties the backend before a suite and after it. */
  reset(): Promise<void>;
  /** Every stored text, to prove secrets are not kept in clear. */
  rawText(): Promise<string>;
  /** SQL backends: makes the next insert of this owner key fail inside the transaction. */
  failOwnerInsert?(key: string): Promise<() => Promise<void>>;
}

const scratch = mkdtempSync(join(tmpdir(), "radl-store-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const sqlitePath = join(scratch, "data", "im.db");
const sqlite: Backend = {
  name: "sqlite",
  url: `sqlite://${sqlitePath}`,
  async reset() {
    rmSync(join(scratch, "data"), { recursive: true, force: true });
  },
  async rawText() {
    const db = new Database(sqlitePath, { readonly: true });
    try {
      return JSON.stringify(db.prepare("SELECT * FROM radl_inf").all());
    } finally {
      db.close();
    }
  },
  async failOwnerInsert(key) {
    const db = new Database(sqlitePath);
    db.exec(
      `CREATE TRIGGER fail_owner BEFORE INSERT ON radl_inf_owner WHEN NEW.owner_key = '${key}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
    db.close();
    return async () => {
      const db2 = new Database(sqlitePath);
      db2.exec("DROP TRIGGER fail_owner");
      db2.close();
    };
  },
};

async function withMysql<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const u = new URL(MYSQL_URL);
  const c = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const mariadb: Backend = {
  name: "mysql (MariaDB)",
  url: MYSQL_URL,
  reset: () =>
    withMysql(async (c) => {
      for (const t of [
        "radl_inf",
        "radl_inf_owner",
        "radl_job",
        "radl_lease",
        "radl_meta",
        "radl_migrations",
      ]) {
        await c.query(`DROP TABLE IF EXISTS ${t}`);
      }
    }),
  rawText: () => withMysql(async (c) => JSON.stringify((await c.query("SELECT * FROM radl_inf"))[0])),
  async failOwnerInsert(key) {
    await withMysql((c) =>
      c.query(
        `CREATE TRIGGER fail_owner BEFORE INSERT ON radl_inf_owner FOR EACH ROW BEGIN IF NEW.owner_key = '${key}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END`,
      ),
    );
    return () => withMysql((c) => c.query("DROP TRIGGER fail_owner")).then(() => undefined);
  },
};

const mongoDbName = `im_test_${process.pid}`;
const mongoUrl = MONGO_BASE.replace(/\/[^/?]*(\?|$)/, `/${mongoDbName}$1`);
async function withMongo<T>(fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const c = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    await c.connect();
    return await fn(c);
  } finally {
    await c.close();
  }
}
const ferretdb: Backend = {
  name: "mongodb (FerretDB)",
  url: mongoUrl,
  reset: () =>
    withMongo((c) =>
      c
        .db()
        .dropDatabase()
        .then(() => undefined),
    ),
  rawText: () => withMongo(async (c) => JSON.stringify(await c.db().collection("radl_inf").find().toArray())),
};

const key = randomBytes(32);

function storeSuite(backend: Backend): void {
  describe(`DATA_DB on ${backend.name}`, () => {
    let store: InfrastructureStore;
    let alice: StoredOwner;
    let bob: StoredOwner;
    let carolOidc: StoredOwner;

    before(async () => {
      await backend.reset();
      store = await openStore(backend.url, { key, hasherParams });
      alice = {
        username: "alice",
        key: await store.ownerHasher.passwordKey("alice", "pw-a"),
        tokenOnly: false,
        oidc: false,
      };
      bob = {
        username: "bob",
        key: await store.ownerHasher.passwordKey("bob", "pw-b"),
        tokenOnly: false,
        oidc: false,
      };
      carolOidc = {
        username: "__OPENID__carol",
        key: await store.ownerHasher.oidcKey("https://iss/sub-carol"),
        tokenOnly: true,
        oidc: true,
      };
    });
    after(async () => {
      await store?.close();
      await backend.reset();
    });

    const data: JsonObject = {
      radl: "network publica (outbound = 'yes')\nsystem front ( cpu.count >= 1 )",
      vm_list: [{ im_id: 0, state: "running", info: "x", cloud: { id: "dummy", type: "Dummy" } }],
      "weird.key": { $dollar: 1.5, nested: [true, null, "é \u2603"] },
    };
    const secrets: JsonObject = {
      vm0: { password: "top-secret-pw", private_key: "-----BEGIN KEY-----\nAAA" },
    };

    it("creates and reads back a record with its secrets, version 1 and timestamps", async () => {
      const t0 = Date.now();
      const created = await store.createInfrastructure({ id: "inf-1", owners: [alice], data, secrets });
      assert.equal(created.id, "inf-1");
      assert.equal(created.version, 1);
      assert.equal(created.deleted, false);
      assert.deepEqual(created.owners, [alice]);
      assert.deepEqual(created.data, data);
      assert.deepEqual(created.secrets, secrets);
      assert.ok(created.createdAt.getTime() >= t0 - 5 && created.createdAt.getTime() <= Date.now());
      assert.deepEqual(await store.getInfrastructure("inf-1"), created);
      assert.equal(await store.getInfrastructure("nope"), undefined);
    });

    it("keeps secrets and passwords out of the stored text", async () => {
      const raw = await backend.rawText();
      assert.ok(raw.includes("inf-1"));
      assert.ok(!raw.includes("top-secret-pw"), "VM password stored in clear");
      assert.ok(!raw.includes("BEGIN KEY"), "private key stored in clear");
      assert.ok(!raw.includes("pw-a"), "owner password stored in clear");
    });

    it("refuses to decrypt with another key", async () => {
      const other = await openStore(backend.url, { key: randomBytes(32), hasherParams });
      try {
        await assert.rejects(other.getInfrastructure("inf-1"), StoreDecryptError);
      } finally {
        await other.close();
      }
    });

    it("rejects a duplicate id and keeps the original", async () => {
      await assert.rejects(
        store.createInfrastructure({ id: "inf-1", owners: [bob], data: { other: true } }),
        StoreConflictError,
      );
      const rec = await store.getInfrastructure("inf-1");
      assert.deepEqual(rec?.data, data);
      assert.deepEqual(rec?.owners, [alice]);
    });

    it("updates under optimistic locking and loses nothing on a stale write", async () => {
      const v2 = await store.updateInfrastructure("inf-1", 1, { data: { ...data, cont_out: "step 1" } });
      assert.equal(v2.version, 2);
      assert.ok(v2.updatedAt.getTime() >= v2.createdAt.getTime());
      await assert.rejects(
        store.updateInfrastructure("inf-1", 1, { data: { lost: true } }),
        StoreConflictError,
      );
      await assert.rejects(store.updateInfrastructure("missing", 1, { data: {} }), StoreNotFoundError);
      const now = await store.getInfrastructure("inf-1");
      assert.equal(now?.version, 2);
      assert.equal(now?.data.cont_out, "step 1");
      assert.deepEqual(now?.secrets, secrets);
    });

    it("lets exactly one of two concurrent writers of the same version win", async () => {
      const results = await Promise.allSettled([
        store.updateInfrastructure("inf-1", 2, { data: { writer: "A" } }),
        store.updateInfrastructure("inf-1", 2, { data: { writer: "B" } }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      assert.equal(won.length, 1);
      assert.ok((lost[0] as PromiseRejectedResult).reason instanceof StoreConflictError);
      const rec = await store.getInfrastructure("inf-1");
      assert.equal(rec?.version, 3);
      assert.deepEqual(rec?.data, (won[0] as PromiseFulfilledResult<{ data: JsonObject }>).value.data);
    });

    it("hashes owners deterministically per store, OIDC keys independent of the username", async () => {
      assert.equal(await store.ownerHasher.passwordKey("alice", "pw-a"), alice.key);
      assert.notEqual(await store.ownerHasher.passwordKey("alice", "pw-x"), alice.key);
      assert.notEqual(await store.ownerHasher.passwordKey("alicf", "pw-a"), alice.key);
      assert.equal(await store.ownerHasher.oidcKey("https://iss/sub-carol"), carolOidc.key);
      const reopened = await openStore(backend.url, { key, hasherParams });
      try {
        assert.equal(await reopened.ownerHasher.passwordKey("alice", "pw-a"), alice.key);
      } finally {
        await reopened.close();
      }
    });

    it("lists by owner key, newest created first, stable under updates", async () => {
      await store.createInfrastructure({ id: "inf-2", owners: [bob], data: {} });
      await store.createInfrastructure({ id: "inf-3", owners: [alice, carolOidc], data: {} });
      await store.createInfrastructure({ id: "inf-4", owners: [carolOidc], data: {} });
      const inf2 = await store.getInfrastructure("inf-2");
      await store.updateInfrastructure("inf-2", inf2!.version, { data: { touched: 1 } });
      const all = await store.listInfrastructures();
      assert.deepEqual(
        all.map((s) => s.id),
        ["inf-4", "inf-3", "inf-2", "inf-1"],
      );
      assert.deepEqual(
        (await store.listInfrastructures({ ownerKeys: [alice.key] })).map((s) => s.id),
        ["inf-3", "inf-1"],
      );
      const carol = await store.listInfrastructures({
        ownerKeys: [carolOidc.key, "s1:unknownunknownunknownunknown"],
      });
      assert.deepEqual(
        carol.map((s) => s.id),
        ["inf-4", "inf-3"],
      );
      assert.deepEqual(carol[1]!.owners, [alice, carolOidc]);
      assert.deepEqual(await store.listInfrastructures({ ownerKeys: [] }), []);
    });

    it("lists ids only, in the same order and with the same filters as the summaries", async () => {
      for (const filter of [
        {},
        { includeDeleted: true },
        { ownerKeys: [alice.key] },
        { ownerKeys: [carolOidc.key, alice.key] },
        { ownerKeys: [bob.key], includeDeleted: true },
      ]) {
        assert.deepEqual(
          await store.listInfrastructureIds(filter),
          (await store.listInfrastructures(filter)).map((s) => s.id),
          JSON.stringify(filter),
        );
      }
      assert.deepEqual(await store.listInfrastructureIds({ ownerKeys: [carolOidc.key, alice.key] }), [
        "inf-4",
        "inf-3",
        "inf-1",
      ]);
      assert.deepEqual(await store.listInfrastructureIds({ ownerKeys: [] }), []);
    });

    it("lists what another server of the same DATA_DB wrote since the last listing", async () => {
      const other = await openStore(backend.url, { key, hasherParams });
      try {
        const bobs = await store.listInfrastructureIds({ ownerKeys: [bob.key] });
        const all = await store.listInfrastructureIds({ includeDeleted: true });
        await other.createInfrastructure({ id: "inf-other", owners: [bob], data: {} });
        assert.deepEqual(await store.listInfrastructureIds({ ownerKeys: [bob.key] }), ["inf-other", ...bobs]);
        let rec = await other.getInfrastructure("inf-other");
        await other.updateInfrastructure("inf-other", rec!.version, { owners: [alice] });
        assert.deepEqual(await store.listInfrastructureIds({ ownerKeys: [bob.key] }), bobs);
        assert.equal((await store.listInfrastructureIds({ ownerKeys: [alice.key] }))[0], "inf-other");
        rec = await other.getInfrastructure("inf-other");
        await other.updateInfrastructure("inf-other", rec!.version, { deleted: true });
        assert.ok(!(await store.listInfrastructureIds({ ownerKeys: [alice.key] })).includes("inf-other"));
        assert.equal((await store.listInfrastructureIds({ includeDeleted: true }))[0], "inf-other");
        assert.equal(await other.purgeDeletedBefore(new Date(Date.now() + 1000)), 1);
        assert.deepEqual(await store.listInfrastructureIds({ includeDeleted: true }), all);
      } finally {
        await other.close();
      }
    });

    it("changes owners and the owner index together", async () => {
      const rec = await store.getInfrastructure("inf-2");
      await store.updateInfrastructure("inf-2", rec!.version, { owners: [bob, alice] });
      assert.deepEqual(
        (await store.listInfrastructures({ ownerKeys: [alice.key] })).map((s) => s.id),
        ["inf-3", "inf-2", "inf-1"],
      );
    });

    if (backend.failOwnerInsert) {
      it("rolls back a transaction that fails half-way: record and owner index unchanged", async () => {
        const dave: StoredOwner = {
          username: "dave",
          key: await store.ownerHasher.passwordKey("dave", "pw-d"),
          tokenOnly: false,
          oidc: false,
        };
        const before = await store.getInfrastructure("inf-2");
        const undo = await backend.failOwnerInsert!(dave.key);
        try {
          await assert.rejects(
            store.updateInfrastructure("inf-2", before!.version, {
              owners: [dave],
              data: { replaced: true },
            }),
            StoreBackendError,
          );
        } finally {
          await undo();
        }
        assert.deepEqual(await store.getInfrastructure("inf-2"), before);
        assert.ok((await store.listInfrastructures({ ownerKeys: [bob.key] })).some((s) => s.id === "inf-2"));
        assert.deepEqual(await store.listInfrastructures({ ownerKeys: [dave.key] }), []);
      });
    }

    it("hides deleted records unless asked, and purges them by last write", async () => {
      const rec = await store.getInfrastructure("inf-4");
      const deleted = await store.updateInfrastructure("inf-4", rec!.version, { deleted: true });
      assert.equal(deleted.deleted, true);
      assert.equal(await store.getInfrastructure("inf-4"), undefined);
      assert.equal((await store.getInfrastructure("inf-4", { includeDeleted: true }))?.deleted, true);
      assert.ok(!(await store.listInfrastructures()).some((s) => s.id === "inf-4"));
      assert.ok(
        (await store.listInfrastructures({ includeDeleted: true })).some(
          (s) => s.id === "inf-4" && s.deleted,
        ),
      );
      await assert.rejects(
        store.createInfrastructure({ id: "inf-4", owners: [], data: {} }),
        StoreConflictError,
      );

      assert.equal(await store.purgeDeletedBefore(new Date(deleted.updatedAt.getTime())), 0);
      assert.equal(await store.purgeDeletedBefore(new Date(deleted.updatedAt.getTime() + 1)), 1);
      assert.equal(await store.getInfrastructure("inf-4", { includeDeleted: true }), undefined);
      assert.equal((await store.listInfrastructures()).length, 3, "live records are never purged");
      assert.equal(await store.purgeDeletedBefore(new Date(Date.now() + 60_000)), 0);
      await store.createInfrastructure({ id: "inf-4", owners: [carolOidc], data: {} });
      assert.deepEqual(
        await store.listInfrastructures({ ownerKeys: [carolOidc.key] }).then((l) => l.map((s) => s.id)),
        ["inf-4", "inf-3"],
      );
    });

    it("refuses bad inputs with StoreInputError and writes nothing", async () => {
      const before = await store.listInfrastructures({ includeDeleted: true });
      const bad: [string, () => Promise<unknown>][] = [
        ["empty id", () => store.createInfrastructure({ id: "", owners: [], data: {} })],
        ["long id", () => store.createInfrastructure({ id: "x".repeat(256), owners: [], data: {} })],
        ["control char", () => store.createInfrastructure({ id: "a\nb", owners: [], data: {} })],
        [
          "array data",
          () => store.createInfrastructure({ id: "bad", owners: [], data: [] as unknown as JsonObject }),
        ],
        [
          "bigint",
          () =>
            store.createInfrastructure({ id: "bad", owners: [], data: { n: 1n } as unknown as JsonObject }),
        ],
        ["NaN", () => store.createInfrastructure({ id: "bad", owners: [], data: { n: NaN } })],
        [
          "raw password as key",
          () =>
            store.createInfrastructure({
              id: "bad",
              owners: [{ username: "u", key: "plain", tokenOnly: false, oidc: false }],
              data: {},
            }),
        ],
        [
          "bad update",
          () => store.updateInfrastructure("inf-1", 3, { data: { f: () => 1 } as unknown as JsonObject }),
        ],
        ["bad date", () => store.purgeDeletedBefore(new Date("nonsense"))],
        ["job kind", () => store.createJob({ kind: "" })],
        ["job state", () => store.createJob({ kind: "create", state: "done" as never })],
        ["job id", () => store.createJob({ id: "a b", kind: "create" })],
        ["lease ttl", () => store.acquireLease("l", "h", -1)],
      ];
      for (const [what, op] of bad) await assert.rejects(op(), StoreInputError, what);
      assert.deepEqual(await store.listInfrastructures({ includeDeleted: true }), before);
      assert.equal((await store.getInfrastructure("inf-1"))?.version, 3);
      assert.deepEqual(await store.listJobs(), []);
    });

    it("persists jobs with guarded state transitions", async () => {
      const a = await store.createJob({
        kind: "create",
        infId: "inf-1",
        params: { async: true },
        holder: "srv-1",
      });
      assert.equal(a.state, "queued");
      assert.equal(a.attempts, 0);
      assert.deepEqual(a.params, { async: true });
      const b = await store.createJob({ id: "job-b", kind: "destroy", infId: "inf-2" });
      await assert.rejects(store.createJob({ id: "job-b", kind: "destroy" }), StoreConflictError);

      const running = await store.updateJob(
        a.id,
        { state: "running", attempts: 1 },
        { states: ["queued"], holder: "srv-1" },
      );
      assert.equal(running.state, "running");
      await assert.rejects(
        store.updateJob(a.id, { state: "running" }, { states: ["queued"] }),
        StoreConflictError,
      );
      await assert.rejects(
        store.updateJob(a.id, { state: "failed" }, { holder: "srv-2" }),
        StoreConflictError,
      );
      await assert.rejects(store.updateJob(a.id, { state: "failed" }, { holder: null }), StoreConflictError);
      assert.equal((await store.getJob(a.id))?.state, "running");
      await assert.rejects(store.updateJob("job-missing", { state: "failed" }), StoreNotFoundError);

      assert.deepEqual(
        (await store.listJobs({ states: ["queued", "running"] })).map((j) => j.id),
        [a.id, b.id],
      );
      const done = await store.updateJob(
        a.id,
        { state: "succeeded", result: { vms: [0, 1] }, holder: null },
        { states: ["running"] },
      );
      assert.equal((await store.updateJob(b.id, { attempts: 1 }, { holder: null })).attempts, 1);
      assert.deepEqual(done.result, { vms: [0, 1] });
      assert.equal(done.holder, null);
      const failed = await store.updateJob(b.id, { state: "failed", error: "server restarted" });
      assert.equal(failed.error, "server restarted");
      assert.deepEqual(await store.listJobs({ states: ["queued", "running"] }), []);
      assert.deepEqual(
        (await store.listJobs({ infId: "inf-2" })).map((j) => j.id),
        ["job-b"],
      );
      assert.deepEqual(await store.getJob(a.id), done);
    });

    it("grants a lease to one holder at a time until it expires or is released", async () => {
      assert.equal(await store.acquireLease("inf:inf-1", "srv-1", 60_000), true);
      assert.equal(await store.acquireLease("inf:inf-1", "srv-2", 60_000), false);
      assert.equal(await store.acquireLease("inf:inf-1", "srv-1", 60_000), true, "renewal");
      assert.equal((await store.getLease("inf:inf-1"))?.holder, "srv-1");
      assert.equal(await store.releaseLease("inf:inf-1", "srv-2"), false);
      assert.equal(await store.releaseLease("inf:inf-1", "srv-1"), true);
      assert.equal(await store.getLease("inf:inf-1"), undefined);

      const contenders = await Promise.all(
        ["a", "b", "c", "d"].map((h) => store.acquireLease("inf:race", `srv-${h}`, 60_000)),
      );
      assert.equal(contenders.filter(Boolean).length, 1);

      assert.equal(await store.acquireLease("inf:short", "srv-1", 400), true);
      assert.equal(await store.acquireLease("inf:short", "srv-2", 400), false);
      await sleep(500);
      assert.equal(
        await store.acquireLease("inf:short", "srv-2", 60_000),
        true,
        "expired lease is taken over",
      );
    });

    it("reopens the same data after a restart, migrations being idempotent", async () => {
      await store.close();
      store = await openStore(backend.url, { key, hasherParams });
      const again = await openStore(backend.url, { key, hasherParams });
      await again.close();
      assert.equal((await store.getInfrastructure("inf-1"))?.version, 3);
      assert.equal((await store.listJobs()).length, 2);
      assert.equal((await store.getLease("inf:race"))?.holder.startsWith("srv-"), true);
    });
  });
}

storeSuite(sqlite);
storeSuite(mariadb);
storeSuite(ferretdb);

describe("DATA_DB connection errors", () => {
  it("reports an unreachable MySQL as StoreConnectionError without the password", async () => {
    const err = await openStore("mysql://im:sekrit@127.0.0.1:1/im_test", { key }).then(
      () => assert.fail("opened"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreConnectionError);
    assert.match(err.message, /Error connecting with the DB/);
    assert.ok(!err.message.includes("sekrit"));
  });

  it("rejects an unknown scheme and a short key", async () => {
    await assert.rejects(openStore("postgres://x/y", { key }), StoreConnectionError);
    await assert.rejects(openStore(`sqlite://${join(scratch, "k.db")}`, { key: randomBytes(8) }), RangeError);
  });
});
