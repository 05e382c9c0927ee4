import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore, recoverJobs, serverLeaseName } from "../../api/store/index.js";

const scratch = mkdtempSync(join(tmpdir(), "radl-recovery-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("job recovery after a restart", () => {
  it("resumes or fails orphaned jobs, leaves live servers' jobs alone, and never double-claims", async () => {
    const url = `sqlite://${join(scratch, "im.db")}`;
    const key = randomBytes(32);
    const store = await openStore(url, { key });
    try {
      const orphanCreate = await store.createJob({
        id: "create-1",
        kind: "create",
        infId: "i1",
        holder: "old-srv",
      });
      await store.updateJob(orphanCreate.id, { state: "running", attempts: 1 });
      await store.createJob({ id: "destroy-1", kind: "destroy", infId: "i2", holder: "old-srv" });
      await store.createJob({ id: "queued-1", kind: "create", infId: "i3" });
      await store.createJob({
        id: "live-1",
        kind: "create",
        infId: "i4",
        holder: "live-srv",
        state: "running",
      });
      await store.createJob({ id: "done-1", kind: "create", infId: "i5", state: "succeeded" });
      assert.equal(await store.acquireLease(serverLeaseName("live-srv"), "live-srv", 60_000), true);
      assert.equal(await store.acquireLease(serverLeaseName("old-srv"), "old-srv", 1), true);
      await new Promise((r) => setTimeout(r, 5));

      const decide = (job: { kind: string }): "resume" | "fail" =>
        job.kind === "create" ? "resume" : "fail";
      const [a, b] = await Promise.all([
        recoverJobs(store, "new-srv", decide),
        recoverJobs(store, "other-srv", decide),
      ]);

      const resumed = [...a.resumed, ...b.resumed].map((j) => j.id).sort();
      const failed = [...a.failed, ...b.failed].map((j) => j.id);
      assert.deepEqual(resumed, ["create-1", "queued-1"]);
      assert.deepEqual(failed, ["destroy-1"]);
      const c1 = await store.getJob("create-1");
      assert.equal(c1?.state, "queued");
      assert.equal(c1?.attempts, 2);
      assert.ok(c1?.holder === "new-srv" || c1?.holder === "other-srv");
      assert.equal((await store.getJob("destroy-1"))?.error, "Interrupted by a server restart");
      assert.equal((await store.getJob("live-1"))?.state, "running", "a live server keeps its job");
      assert.equal((await store.getJob("done-1"))?.state, "succeeded");
    } finally {
      await store.close();
    }
  });
});
