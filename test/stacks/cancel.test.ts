import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { OperationCancelledError } from "../../stacks/errors.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { commandsProgram, openManager, tempDataDir } from "./support.js";

let manager: StackManager;
let dataDir: string;
let cleanup: () => Promise<void>;

before(async () => {
  const data = await tempDataDir();
  cleanup = data.cleanup;
  dataDir = data.dir;
  manager = await openManager(dataDir);
});

after(async () => {
  await manager?.close();
  await cleanup?.();
});

async function lockFiles(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else found.push(join(dir, entry.name));
    }
  };
  await walk(join(dataDir, "state", ".pulumi", "locks"));
  return found;
}

test(
  "cancel during a long up stops the engine within seconds and leaves the stack usable",
  { timeout: 180_000 },
  async () => {
    const stack = "inf-cancel";
    const program = commandsProgram({ quick: "echo quick", long: "sleep 120" });
    let sleeping!: () => void;
    const sleeperStarted = new Promise<void>((r) => (sleeping = r));
    const running = manager.up(stack, program, {
      onEvent: (e) => {
        if (e.resourcePreEvent?.metadata.urn.endsWith("::long")) sleeping();
      },
    });
    const outcome = running.then(
      () => "finished",
      (e: unknown) => e,
    );
    await sleeperStarted;
    await new Promise((r) => setTimeout(r, 1000));
    const cancelledAt = Date.now();
    assert.equal(manager.cancel(stack), 1);
    const error = await outcome;
    const took = Date.now() - cancelledAt;
    assert.ok(error instanceof OperationCancelledError, `got ${String(error)}`);
    assert.equal(error.code, "E-CANCELLED");
    assert.ok(took < 30_000, `the engine stopped ${took} ms after cancel`);
    assert.deepEqual(await lockFiles(), [], "the stack is unlocked");

    const state = await manager.exportState(stack);
    const names = (state.deployment.resources as Array<{ urn: string }>).map((r) => r.urn.split("::").pop());
    assert.ok(names.includes("quick"), "what was created before the cancel is recorded");

    const next = await manager.up(stack, commandsProgram({ quick: "echo quick" }));
    assert.equal(next.summary.result, "succeeded");
    assert.equal(next.outputs.quick?.value, "quick");
  },
);

test("an operation cancelled while queued never runs", { timeout: 120_000 }, async () => {
  const stack = "inf-cancel-queued";
  const operations: string[] = [];
  const unsubscribe = manager.subscribe((e) => {
    if (e.event.preludeEvent) operations.push(`${e.operation}#${e.operationId}`);
  });
  const first = manager.up(stack, commandsProgram({ a: "sleep 2; echo a" }));
  const controller = new AbortController();
  const queued = manager.preview(stack, commandsProgram({ a: "sleep 2; echo a" }), {
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(
    queued,
    (e: unknown) => e instanceof OperationCancelledError && e.code === "E-CANCELLED",
  );
  assert.equal((await first).summary.result, "succeeded");
  unsubscribe();
  assert.equal(operations.length, 1, `only the up ran: ${operations.join(", ")}`);
  assert.match(operations[0]!, /^up#/);

  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(manager.refresh(stack, { signal: aborted.signal }), OperationCancelledError);
});
