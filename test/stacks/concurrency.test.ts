import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { pulumiCommand } from "../../stacks/engine.js";
import { ConcurrentOperationError } from "../../stacks/errors.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { engineEnv } from "../../stacks/engine.js";
import { commandsProgram, openManager, tempDataDir, vmCommands } from "./support.js";

let manager: StackManager;
let cleanup: () => Promise<void>;

before(async () => {
  const data = await tempDataDir();
  cleanup = data.cleanup;
  manager = await openManager(data.dir, { parallelism: 4 });
});

after(async () => {
  await manager?.close();
  await cleanup?.();
});

/** Wall-clock interval of each operation, from its first to its last engine event. */
function recordIntervals() {
  const spans = new Map<number, { stack: string; start: number; end: number }>();
  const unsubscribe = manager.subscribe((e) => {
    const now = Date.now();
    const span = spans.get(e.operationId) ?? { stack: e.stack, start: now, end: now };
    span.end = now;
    spans.set(e.operationId, span);
  });
  return { spans, unsubscribe };
}

function maxOverlap(spans: Array<{ start: number; end: number }>): number {
  const points = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]);
  points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let current = 0;
  let max = 0;
  for (const [, delta] of points) {
    current += delta!;
    max = Math.max(max, current);
  }
  return max;
}

test("eight stacks deployed at once with a global limit of 4 all succeed", { timeout: 300_000 }, async () => {
  const { spans, unsubscribe } = recordIntervals();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, manager.load.running)), 20);
  const stacks = Array.from({ length: 8 }, (_, i) => `inf-par-${i}`);
  const results = await Promise.all(
    stacks.map((s) =>
      manager.up(s, commandsProgram({ ...vmCommands([`${s}-vm`]), [`${s}-wait`]: "sleep 1" })),
    ),
  );
  clearInterval(sampler);
  unsubscribe();
  assert.deepEqual(
    results.map((r) => r.summary.result),
    stacks.map(() => "succeeded"),
  );
  assert.ok(peak <= 4, `at most 4 engine runs at once (saw ${peak})`);
  const overlap = maxOverlap([...spans.values()]);
  assert.ok(overlap <= 4, `engine events of at most 4 operations interleave (saw ${overlap})`);
  assert.ok(overlap >= 2, `operations ran in parallel (max overlap ${overlap})`);
  await Promise.all(stacks.map((s) => manager.destroy(s, { remove: true })));
  assert.deepEqual(
    (await manager.listStacks()).filter((s) => s.startsWith("inf-par-")),
    [],
  );
});

test(
  "two operations on one stack run one after the other, in submission order",
  { timeout: 180_000 },
  async () => {
    const stack = "inf-serial";
    const { spans, unsubscribe } = recordIntervals();
    const first = manager.up(stack, commandsProgram({ slow: "sleep 2; echo first" }));
    const second = manager.up(stack, commandsProgram({ slow: "sleep 2; echo first", extra: "echo second" }));
    const [a, b] = await Promise.all([first, second]);
    unsubscribe();
    assert.equal(a.summary.result, "succeeded");
    assert.equal(b.summary.result, "succeeded");
    assert.equal(b.outputs.extra?.value, "second");
    const ordered = [...spans.entries()].sort((x, y) => x[0] - y[0]).map(([, s]) => s);
    assert.equal(ordered.length, 2);
    assert.ok(ordered[0]!.end <= ordered[1]!.start, "the second up starts after the first ended");
  },
);

test(
  "a lock held outside the manager is a typed ConcurrentOperationError, not a hang",
  { timeout: 180_000 },
  async () => {
    const stack = "inf-locked";
    await manager.up(stack, commandsProgram({ one: "echo one" }));
    // a second client (as another server or a person with the plain CLI would) holds the lock
    const outside = await LocalWorkspace.selectStack(
      { projectName: "im", stackName: stack, program: commandsProgram({ one: "echo one", hold: "sleep 6" }) },
      {
        workDir: `${manager.settings.workspacesDir}/${stack}`,
        pulumiCommand: await pulumiCommand(manager.engine),
        envVars: engineEnv({
          pulumiHome: manager.settings.pulumiHome,
          backendUrl: manager.settings.backendUrl,
          passphrase: { value: "test-passphrase" },
        }),
      },
    );
    let holding!: () => void;
    const started = new Promise<void>((r) => (holding = r));
    const outsideUp = outside.up({
      onEvent: (e) => {
        if (e.resourcePreEvent?.metadata.urn.endsWith("::hold")) holding();
      },
    });
    await started;
    await assert.rejects(
      manager.up(stack, commandsProgram({ one: "echo one" })),
      (e: unknown) =>
        e instanceof ConcurrentOperationError && e.code === "E-CONCURRENT" && /locked/.test(e.detail ?? ""),
    );
    assert.equal((await outsideUp).summary.result, "succeeded");
    const after = await manager.up(stack, commandsProgram({ one: "echo one" }));
    assert.equal(after.summary.resourceChanges?.delete, 1, "works again once the other client is done");
  },
);
