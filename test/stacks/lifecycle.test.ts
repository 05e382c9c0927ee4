import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { StackNotFoundError } from "../../stacks/errors.js";
import type { StackEvent, StackManager } from "../../stacks/stack-manager.js";
import { commandsProgram, openManager, tempDataDir, vmCommands } from "./support.js";

let manager: StackManager;
let cleanup: () => Promise<void>;

before(async () => {
  const data = await tempDataDir();
  cleanup = data.cleanup;
  manager = await openManager(data.dir);
});

after(async () => {
  await manager?.close();
  await cleanup?.();
});

interface CommandState {
  urn: string;
  id: string;
  outputs: Record<string, unknown>;
}

async function commandResources(stack: string): Promise<Map<string, CommandState>> {
  const state = await manager.exportState(stack);
  const resources = (state.deployment.resources ?? []) as Array<CommandState & { type: string }>;
  const byName = new Map<string, CommandState>();
  for (const r of resources) {
    if (r.type !== "command:local:Command") continue;
    byName.set(r.urn.split("::").pop() ?? r.urn, { urn: r.urn, id: r.id, outputs: r.outputs });
  }
  return byName;
}

test(
  "up, change, preview, refresh, destroy: untouched resources keep URN, id and outputs",
  { timeout: 240_000 },
  async () => {
    const stack = "inf-lifecycle";
    const seen: StackEvent[] = [];
    let settled = false;
    const eventsBeforeSettle: EngineEvent[] = [];
    const unsubscribe = manager.subscribe((e) => {
      seen.push(e);
      if (!settled) eventsBeforeSettle.push(e.event);
    });

    const first = vmCommands(["vm-0", "vm-1", "vm-2"]);
    const created = await manager.up(stack, commandsProgram(first));
    settled = true;
    assert.equal(created.summary.result, "succeeded");
    assert.deepEqual(Object.keys(created.outputs).sort(), ["vm-0", "vm-1", "vm-2"]);
    assert.match(String(created.outputs["vm-1"]?.value), /^vm-1-\d+\n?$/);
    assert.equal(created.summary.resourceChanges?.create, 4, "3 commands and the stack resource");

    const preEvents = eventsBeforeSettle.filter((e) => e.resourcePreEvent);
    const commandUrns = preEvents
      .map((e) => e.resourcePreEvent?.metadata.urn ?? "")
      .filter((u) => u.includes("command:local:Command"));
    assert.equal(commandUrns.length, 3, "a resourcePreEvent per command, delivered while up ran");
    assert.ok(
      eventsBeforeSettle.some((e) => e.summaryEvent),
      "a summaryEvent",
    );
    assert.ok(seen.every((e) => e.stack === stack && e.operation === "up"));

    const before = await commandResources(stack);
    assert.equal(before.size, 3);

    settled = false;
    eventsBeforeSettle.length = 0;
    const second = { "vm-0": first["vm-0"]!, "vm-2": first["vm-2"]!, ...vmCommands(["vm-3", "vm-4"]) };
    const changed = await manager.up(stack, commandsProgram(second));
    settled = true;
    assert.equal(changed.summary.resourceChanges?.create, 2);
    assert.equal(changed.summary.resourceChanges?.delete, 1);
    assert.equal(changed.summary.resourceChanges?.update ?? 0, 0);
    assert.deepEqual(Object.keys(changed.outputs).sort(), ["vm-0", "vm-2", "vm-3", "vm-4"]);

    const afterChange = await commandResources(stack);
    assert.deepEqual([...afterChange.keys()].sort(), ["vm-0", "vm-2", "vm-3", "vm-4"]);
    for (const name of ["vm-0", "vm-2"]) {
      assert.deepEqual(afterChange.get(name), before.get(name), `${name} untouched`);
      assert.equal(changed.outputs[name]?.value, created.outputs[name]?.value);
    }

    const preview = await manager.preview(stack, commandsProgram(second));
    const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    assert.deepEqual(changes, [], "preview of the same program shows no changes");
    assert.equal(preview.changeSummary.same, 5);

    const refreshed = await manager.refresh(stack);
    assert.equal(refreshed.result, "succeeded");
    assert.deepEqual(await commandResources(stack), afterChange, "refresh keeps the command resources");

    const outputs = await manager.outputs(stack);
    assert.equal(outputs["vm-3"]?.value, changed.outputs["vm-3"]?.value);

    const history = await manager.history(stack);
    assert.deepEqual(
      history.map((h) => [h.kind, h.result]),
      [
        ["refresh", "succeeded"],
        ["update", "succeeded"],
        ["update", "succeeded"],
      ],
    );

    assert.ok((await manager.listStacks()).includes(stack));
    const destroyed = await manager.destroy(stack, { remove: true });
    assert.equal(destroyed.result, "succeeded");
    assert.equal(destroyed.resourceChanges?.delete, 5);
    assert.equal((await manager.listStacks()).includes(stack), false, "the stack is gone");
    await assert.rejects(
      manager.outputs(stack),
      (e: unknown) => e instanceof StackNotFoundError && e.code === "E-STACK-NOT-FOUND",
    );
    unsubscribe();
  },
);
