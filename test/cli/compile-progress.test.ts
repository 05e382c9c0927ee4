/**
 * Planning that waits on a cloud: after a moment `radl compile` says it is discovering, and a cancel
 * (Ctrl-C's AbortSignal) stops it at once with exit 130 and nothing written.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SystemSec } from "../../compiler/ir.js";
import { driverLookup, type Concretized } from "../../compiler/plan/driver.js";
import { makeCompileCommand, type CompileCommandOptions } from "../../cli/compile.js";
import { main } from "../../cli/main.js";
import type { Io } from "../../cli/io.js";
import { DummyDriver } from "../../providers/dummy/index.js";
import { DUMMY_AUTH, DUMMY_RADL } from "../support/emit-graphs.js";

const root = mkdtempSync(join(tmpdir(), "radl-compile-progress-"));
after(() => rmSync(root, { recursive: true, force: true }));
const path = (name: string) => join(root, name);
writeFileSync(path("infra.radl"), DUMMY_RADL);
writeFileSync(path("auth.dat"), DUMMY_AUTH);

/** A Dummy driver whose concretize waits `delayMs` (a cloud API call); Infinity never answers. */
class SlowDriver extends DummyDriver {
  constructor(private readonly delayMs: number) {
    super();
  }

  override async concretize(system: SystemSec): Promise<Concretized> {
    if (this.delayMs === Infinity) return new Promise<Concretized>(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.concretize(system);
  }
}

async function radl(driver: DummyDriver, out: string, options: CompileCommandOptions) {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readStdin: async () => "",
  };
  const command = makeCompileCommand(driverLookup([driver]), options);
  const argv = ["compile", path("infra.radl"), "--auth", path("auth.dat"), "-o", path(out)];
  const status = await main(argv, io, [command]);
  return { status, stdout, stderr };
}

const NOTICE = /^radl: discovering from the clouds what the RADL does not pin… \(Ctrl-C cancels\)$/m;

test("slow planning prints one discovering line on stderr; fast planning prints none", async () => {
  const slow = await radl(new SlowDriver(150), "out-slow", {
    signal: new AbortController().signal,
    noticeAfterMs: 20,
  });
  assert.equal(slow.status, 0, slow.stderr);
  assert.match(slow.stderr, NOTICE);
  assert.equal(slow.stderr.match(new RegExp(NOTICE.source, "gm"))!.length, 1);
  const fast = await radl(new SlowDriver(0), "out-fast", {
    signal: new AbortController().signal,
    noticeAfterMs: 5_000,
  });
  assert.equal(fast.status, 0, fast.stderr);
  assert.equal(fast.stderr, "");
});

test("a cancel during discovery exits 130 at once, says so, and writes nothing", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const r = await radl(new SlowDriver(Infinity), "out-cancel", {
    signal: controller.signal,
    noticeAfterMs: 20,
  });
  assert.equal(r.status, 130);
  assert.ok(Date.now() - started < 5_000);
  assert.match(r.stderr, NOTICE);
  assert.match(r.stderr, /^radl: compile cancelled during discovery; nothing was written$/m);
  assert.throws(() => statSync(path("out-cancel")), /ENOENT/);
});
