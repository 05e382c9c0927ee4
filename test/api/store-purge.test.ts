import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { authenticatorFromConfig } from "../../api/auth/authenticate.js";
import { loadConfig } from "../../api/config/load.js";
import { openConfiguredStore, parsePurgeDate, purgeBefore, StoreInputError } from "../../api/store/index.js";

const scratch = mkdtempSync(join(tmpdir(), "radl-purge-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("radl purge --before DATE", () => {
  it("parses YYYY-MM-DD and YYYY/MM/DD as midnight UTC and refuses anything else", () => {
    assert.equal(parsePurgeDate("2024-02-29").toISOString(), "2024-02-29T00:00:00.000Z");
    assert.equal(parsePurgeDate("2024/03/01").toISOString(), "2024-03-01T00:00:00.000Z");
    for (const bad of ["2023-02-29", "2024-13-01", "yesterday", "2024-1-1", ""]) {
      assert.throws(() => parsePurgeDate(bad), StoreInputError, bad);
    }
  });

  it("purges deleted records of the configured store (default SQLite in DATA_DIR), keeping live ones", async () => {
    const config = loadConfig({
      installRoot: scratch,
      systemFile: join(scratch, "none"),
      cwd: scratch,
      env: {},
    });
    const store = await openConfiguredStore(config);
    try {
      assert.equal(config.dataDb, `sqlite://${join(scratch, "data", "im.db")}`);
      const auth = authenticatorFromConfig(config);
      const ctx = await auth.authenticate([{ type: "InfrastructureManager", username: "u", password: "p" }]);
      assert.equal(ctx.identities[0]!.username, "u");
      await store.createInfrastructure({ id: "live", owners: [], data: {} });
      const gone = await store.createInfrastructure({
        id: "gone",
        owners: [],
        data: {},
        secrets: { k: "v" },
      });
      await store.updateInfrastructure("gone", gone.version, { deleted: true });
      assert.equal(await purgeBefore(store, "2000-01-01"), 0);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      assert.equal(await purgeBefore(store, tomorrow), 1);
      assert.deepEqual(
        (await store.listInfrastructures({ includeDeleted: true })).map((s) => s.id),
        ["live"],
      );
      await assert.rejects(purgeBefore(store, "soon"), StoreInputError);
    } finally {
      await store.close();
    }
  });
});
