import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { StackEvent, StackManager } from "../../stacks/stack-manager.js";
import { openManager, tempDataDir } from "./support.js";

const SECRET = "s3cr3t-6d1f0a";
let manager: StackManager | undefined;
let cleanup: (() => Promise<void>) | undefined;

after(async () => {
  await manager?.close();
  await cleanup?.();
});

test(
  "no engine event delivered to subscribers carries a secret input in clear",
  { timeout: 180_000 },
  async () => {
    const data = await tempDataDir();
    cleanup = data.cleanup;
    manager = await openManager(data.dir);
    const seen: StackEvent[] = [];
    const unsubscribe = manager.subscribe((e) => seen.push(e));
    await manager.up("inf-secret-events", async () => {
      const c = new command.local.Command("with-secret", {
        create: 'test -n "$TOKEN" && echo ok',
        environment: { TOKEN: pulumi.secret(SECRET) },
      });
      return { stdout: c.stdout };
    });
    unsubscribe();
    assert.ok(
      seen.some((e) => e.event.resOutputsEvent?.metadata.urn.endsWith("with-secret")),
      "the command resource was reported",
    );
    const leaking = seen.filter((e) => JSON.stringify(e.event).includes(SECRET));
    assert.deepEqual(
      leaking.map((e) => Object.keys(e.event)),
      [],
      "events that contain the secret value",
    );
  },
);
