import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { StackManager } from "../../stacks/stack-manager.js";
import { childResult } from "./child-output.js";
import { spawnStackChild } from "./fixtures/stack-child.js";
import { commandsProgram, openManager, tempDataDir, vmCommands } from "./support.js";

let manager: StackManager;
let dataDir: string;
let otherDir: string;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  const data = await tempDataDir();
  const other = await tempDataDir();
  cleanups.push(data.cleanup, other.cleanup);
  dataDir = data.dir;
  otherDir = other.dir;
  manager = await openManager(dataDir);
});

after(async () => {
  await manager?.close();
  for (const c of cleanups) await c();
});

test(
  "another process with its own data dir opens the same backend and sees the same stacks and outputs",
  { timeout: 180_000 },
  async () => {
    const expected: Record<string, Record<string, unknown>> = {};
    for (const stack of ["inf-a", "inf-b"]) {
      const result = await manager.up(stack, commandsProgram(vmCommands([`${stack}-vm-0`, `${stack}-vm-1`])));
      expected[stack] = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
    }
    const backendUrl = pathToFileURL(join(dataDir, "state")).href;
    const child = spawnStackChild({
      mode: "inspect",
      options: { dataDir: otherDir, backendUrl, passphrase: "test-passphrase" },
    });
    const { code, stdout, stderr } = await childResult(child, 90_000);
    assert.equal(code, 0, stderr);
    const seen = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
      stacks: string[];
      outputs: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(seen.stacks, ["inf-a", "inf-b"]);
    assert.deepEqual(seen.outputs, expected);
  },
);
