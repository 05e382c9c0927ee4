import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { StackManager } from "../../stacks/stack-manager.js";
import { childResult, waitForOutput } from "./child-output.js";
import { spawnStackChild } from "./fixtures/stack-child.js";
import { commandsProgram, openManager, tempDataDir } from "./support.js";

let dataDir: string;
let cleanup: () => Promise<void>;
let manager: StackManager | undefined;

before(async () => {
  const data = await tempDataDir();
  cleanup = data.cleanup;
  dataDir = data.dir;
});

after(async () => {
  await manager?.close();
  await cleanup?.();
});

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile() && entry.name.endsWith(".json"))
      found.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return found;
}

test(
  "SIGKILL during up leaves a lock and a pending create; the next StackManager repairs both",
  { timeout: 240_000 },
  async () => {
    const stack = "inf-crash";
    const options = { dataDir, passphrase: "test-passphrase" };
    const kept = { "vm-0": "echo vm-0", "vm-1": "echo vm-1" };

    // first deployment, finished: these resources must survive the crash
    const first = await openManager(dataDir);
    await first.up(stack, commandsProgram(kept));
    await first.close();

    const child = spawnStackChild({
      mode: "up",
      options,
      stack,
      commands: { ...kept, "vm-2": "sleep 120" },
      announce: "vm-2",
    });
    const exited = childResult(child, 120_000).catch(() => undefined);
    await waitForOutput(child, "STARTED vm-2", 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-child.pid!, "SIGKILL"); // the child's whole process group: node, pulumi, providers
    await exited;

    const locksDir = join(dataDir, "state", ".pulumi", "locks");
    const locks = await filesUnder(locksDir);
    assert.equal(locks.length, 1, "the killed engine left its lock");
    const journal = JSON.parse(await readFile(join(dataDir, "operations", `${stack}.json`), "utf8")) as {
      state: string;
    };
    assert.equal(journal.state, "running", "the journal shows the interrupted up");

    manager = await openManager(dataDir);
    const record = manager.recovered.find((r) => r.stack === stack);
    assert.ok(record, `recovery found the stack: ${JSON.stringify(manager.recovered)}`);
    assert.equal(record.error, undefined, String(record.error?.message));
    assert.equal(record.removedLocks, 1);
    assert.deepEqual(
      record.pendingOperations.map((p) => [p.type, p.urn.split("::").pop()]),
      [["creating", "vm-2"]],
    );
    assert.equal(record.refreshed, true);
    assert.ok(
      record.backupFile && (await readFile(record.backupFile, "utf8")).includes("vm-2"),
      "state backed up first",
    );
    assert.deepEqual(await filesUnder(locksDir), [], "stale lock removed");
    await assert.rejects(readFile(join(dataDir, "operations", `${stack}.json`)), "journal cleared");

    const state = await manager.exportState(stack);
    assert.deepEqual(state.deployment.pending_operations ?? [], []);
    const names = (state.deployment.resources as Array<{ urn: string }>).map((r) => r.urn.split("::").pop());
    assert.ok(
      names.includes("vm-0") && names.includes("vm-1"),
      "resources recorded before the crash are kept",
    );

    const again = await manager.up(stack, commandsProgram({ ...kept, "vm-2": "echo vm-2" }));
    assert.equal(again.summary.resourceChanges?.create, 1, "only the interrupted resource is created");
    assert.equal(again.summary.resourceChanges?.same, 3);
    const history = await manager.history(stack);
    assert.ok(history.length >= 3, "history of the earlier operations is kept");
  },
);
