import assert from "node:assert/strict";
import { getPriority } from "node:os";
import { test } from "node:test";
import { InvalidSettingError, resolveStackSettings } from "../../stacks/settings.js";
import { commandsProgram, openManager, tempDataDir } from "./support.js";

/** The niceness that the engine's command provider runs a command at, for a manager's setting. */
async function commandNiceness(niceness: number | undefined): Promise<number> {
  const data = await tempDataDir();
  const manager = await openManager(data.dir, niceness === undefined ? {} : { niceness });
  try {
    const result = await manager.up("inf-priority", commandsProgram({ level: "nice" }));
    return Number(String(result.outputs.level?.value).trim());
  } finally {
    await manager.close();
    await data.cleanup();
  }
}

const base = getPriority();

test("engine processes run at the configured niceness above the server's", { timeout: 180_000 }, async () => {
  assert.equal(await commandNiceness(undefined), Math.min(19, base + 10), "default 10");
  assert.equal(await commandNiceness(0), base, "0 keeps the server's priority");
});

test("ENGINE_NICENESS outside 0-19 or not an integer is refused by name", async () => {
  for (const bad of ["20", "-1", "1.5", "high"]) {
    await assert.rejects(
      resolveStackSettings({}, { ENGINE_NICENESS: bad }),
      (error: unknown) =>
        error instanceof InvalidSettingError &&
        /ENGINE_NICENESS/.test(error.message) &&
        error.code === "E-STACKS-CONFIG",
    );
  }
});
