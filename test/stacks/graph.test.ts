import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DanglingReferenceError, UnknownTokenError } from "../../compiler/graph/errors.js";
import { emptyOutputs, GRAPH_VERSION, type ResourceGraph } from "../../compiler/graph/types.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { openManager, tempDataDir } from "./support.js";

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

function graph(secondCreate: unknown, type = "command:local:Command"): ResourceGraph {
  return {
    version: GRAPH_VERSION,
    nodes: [
      { id: "first", type: "command:local:Command", name: "first", args: { create: "echo one" } },
      { id: "second", type, name: "second", args: { create: secondCreate as never } },
    ],
    outputs: { ...emptyOutputs(), extra: { joined: { ref: "second", prop: "stdout" } } },
  };
}

test("upGraph deploys a graph whose nodes reference each other's outputs", { timeout: 120_000 }, async () => {
  const result = await manager.upGraph(
    "inf-graph",
    graph({ interpolate: ["echo ", { ref: "first", prop: "stdout" }, "-two"] }),
  );
  assert.equal(result.summary.result, "succeeded");
  assert.equal(result.outputs.joined?.value, "one-two");
  assert.deepEqual(result.outputs.vms?.value, {});
  const preview = await manager.previewGraph(
    "inf-graph",
    graph({ interpolate: ["echo ", { ref: "first", prop: "stdout" }, "-two"] }),
  );
  assert.deepEqual(
    Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0),
    [],
  );
});

test(
  "a dangling reference or an unknown token is a typed error before the engine runs",
  { timeout: 60_000 },
  async () => {
    const before = await manager.listStacks();
    await assert.rejects(
      manager.upGraph("inf-dangling", graph({ interpolate: ["echo ", { ref: "nowhere", prop: "stdout" }] })),
      DanglingReferenceError,
    );
    await assert.rejects(
      manager.upGraph("inf-unknown", graph("echo x", "im:index:NoSuchThing")),
      UnknownTokenError,
    );
    assert.deepEqual(await manager.listStacks(), before, "no stack was created");
  },
);
