/** `radl purge --before DATE` through the real binary on a real SQLite store named by im.cfg. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../api/config/load.js";
import { openConfiguredStore } from "../../api/store/index.js";
import { repoRoot } from "../support/paths.js";
import { tempFiles, type RadlRun } from "./run-radl.js";

let files: ReturnType<typeof tempFiles>;
let env: NodeJS.ProcessEnv;

before(() => {
  files = tempFiles({});
  writeFileSync(files.path("im.cfg"), `[im]\nDATA_DIR = ${files.path("data")}\n`);
  env = { PATH: process.env.PATH, HOME: process.env.HOME, IM_PATH: files.dir };
});

after(() => files?.cleanup());

function purge(args: string[]): RadlRun {
  const result = spawnSync(process.execPath, [join(repoRoot, "bin", "radl.js"), "purge", ...args], {
    cwd: files.dir,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function withStore<T>(body: (store: Awaited<ReturnType<typeof openConfiguredStore>>) => Promise<T>) {
  const store = await openConfiguredStore(
    loadConfig({ env, systemFile: join(files.dir, "no-system-im.cfg") }),
  );
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

test(
  "purge deletes destroyed records written before DATE and keeps live ones",
  { timeout: 120_000 },
  async () => {
    await withStore(async (store) => {
      await store.createInfrastructure({ id: "live", owners: [], data: {} });
      for (const id of ["gone-1", "gone-2"]) {
        const record = await store.createInfrastructure({ id, owners: [], data: {}, secrets: { k: "v" } });
        await store.updateInfrastructure(id, record.version, { deleted: true });
      }
    });

    const early = purge(["--before", "2000-01-01"]);
    assert.equal(early.status, 0, early.stderr);
    assert.equal(early.stdout, "Purged 0 deleted infrastructure records last written before 2000-01-01\n");

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replaceAll("-", "/");
    const later = purge(["--before", tomorrow]);
    assert.equal(later.status, 0, later.stderr);
    assert.match(
      later.stdout,
      /^Purged 2 deleted infrastructure records last written before \d{4}-\d{2}-\d{2}\n$/,
    );
    const left = await withStore((store) => store.listInfrastructures({ includeDeleted: true }));
    assert.deepEqual(
      left.map((r) => r.id),
      ["live"],
    );
  },
);

test("purge refuses a bad DATE or a missing --before with the usage (exit 2)", { timeout: 60_000 }, () => {
  for (const args of [["--before", "2023-02-29"], ["--before", "yesterday"], [], ["2024-01-01"]]) {
    const result = purge(args);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /^radl: .+\nusage: radl purge --before DATE\n/);
  }
  assert.match(purge(["--before", "yesterday"]).stderr, /Invalid date "yesterday": expected YYYY-MM-DD/);
});

test("purge with a DATA_DB that cannot be opened fails with one line (exit 1)", { timeout: 60_000 }, () => {
  const saved = env;
  env = { ...env, IM_DATA_DB: "mysql://u:p@127.0.0.1:9/im" };
  try {
    const result = purge(["--before", "2024-01-01"]);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^radl: .*\(E-STORE-/);
  } finally {
    env = saved;
  }
});
