import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { main } from "../../cli/main.js";
import type { Io } from "../../cli/io.js";
import { DUMMY_AUTH, DUMMY_RADL } from "../support/emit-graphs.js";
import { CTXT_AUTH, CTXT_RADL, CTXT_SECRETS } from "../compiler/emit-fixtures.js";
import { SYNTAX_ERROR_RADL } from "./run-radl.js";

const root = mkdtempSync(join(tmpdir(), "radl-compile-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, "infra.radl"), DUMMY_RADL);
writeFileSync(join(root, "auth.dat"), DUMMY_AUTH);
writeFileSync(join(root, "bad.radl"), SYNTAX_ERROR_RADL);
const path = (name: string) => join(root, name);

async function radl(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readStdin: async () => "",
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

test("compile writes the project; compiling again gives the same bytes; no auth secret is written", async () => {
  const a = await radl("compile", path("infra.radl"), "--auth", path("auth.dat"), "-o", path("out-a"));
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /wrote \d+ files to /);
  const b = await radl("compile", path("infra.radl"), "--auth", path("auth.dat"), "--out", path("out-b"));
  assert.equal(b.status, 0, b.stderr);
  const treeA = readTree(path("out-a"));
  assert.deepEqual(treeA, readTree(path("out-b")));
  for (const name of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "README.md"])
    assert.ok(name in treeA, name);
  assert.match(treeA["index.ts"]!, /new command\.local\.Command\("vm-0-server", \{/);
  assert.match(treeA["README.md"]!, /pulumi stack init infra/);
  for (const [file, text] of Object.entries(treeA)) {
    for (const s of ["im-password-value", "front-vm-password"])
      assert.ok(!text.includes(s), `${s} in ${file}`);
  }
  assert.match(treeA["README.md"]!, /pulumi config set --secret vmSecrets-0-password/);
});

test("--check: 0 on an unchanged directory, 1 with a short diff after an edit, a stray or a missing file", async () => {
  const dir = path("out-check");
  const args = ["compile", path("infra.radl"), "--auth", path("auth.dat"), "-o", dir];
  assert.equal((await radl(...args)).status, 0);
  const clean = await radl(...args, "--check");
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, "");
  // what a user's checkout legitimately holds beside the project is not a difference
  writeFileSync(join(dir, "Pulumi.infra.yaml"), "config: {}\n");
  assert.equal((await radl(...args, "--check")).status, 0);

  const index = join(dir, "index.ts");
  const original = readFileSync(index, "utf8");
  const lines = original.split("\n");
  const at = lines.findIndex((l) => l.includes('"vm-0-server"'));
  lines[at] = lines[at]!.replace("vm-0-server", "vm-0-edited");
  writeFileSync(index, lines.join("\n"));
  writeFileSync(join(dir, "stray.ts"), "export {};\n");
  unlinkSync(join(dir, "README.md"));
  const dirty = await radl(...args, "--check");
  assert.equal(dirty.status, 1);
  assert.match(dirty.stdout, /missing: README\.md/);
  assert.match(dirty.stdout, /not generated: stray\.ts/);
  assert.match(
    dirty.stdout,
    new RegExp(`changed: index\\.ts:${at + 1}\\n  - .*vm-0-edited.*\\n  \\+ .*vm-0-server`),
  );
  assert.ok(!dirty.stdout.includes("Pulumi.infra.yaml"));
  // --check wrote nothing
  assert.ok(readFileSync(index, "utf8").includes("vm-0-edited"));

  // compiling again repairs it (the stray file is the user's and stays)
  assert.equal((await radl(...args)).status, 0);
  const after = await radl(...args, "--check");
  assert.equal(after.status, 1);
  assert.equal(after.stdout.trim().split("\n").slice(1).join("\n"), "not generated: stray.ts");
});

test("--cloud picks one auth item; an unknown id is a usage error", async () => {
  const ok = await radl(
    "compile",
    path("infra.radl"),
    "--auth",
    path("auth.dat"),
    "-o",
    path("out-cloud"),
    "--cloud",
    "dummy",
    "--stack",
    "s1",
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(readFileSync(join(path("out-cloud"), "README.md"), "utf8"), /pulumi stack init s1/);
  const bad = await radl(
    "compile",
    path("infra.radl"),
    "--auth",
    path("auth.dat"),
    "-o",
    path("out-cloud"),
    "--cloud",
    "nope",
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no auth item has id "nope"/);
});

test("bad input: invalid RADL names file:line:col, missing --auth or -o, unreadable auth, unwritable -o", async () => {
  const invalid = await radl("compile", path("bad.radl"), "--auth", path("auth.dat"), "-o", path("out-bad"));
  assert.equal(invalid.status, 1);
  assert.match(
    invalid.stderr,
    new RegExp(`${path("bad.radl").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:16`),
  );
  assert.throws(() => statSync(path("out-bad")), /ENOENT/, "nothing written for invalid RADL");

  const noAuth = await radl("compile", path("infra.radl"), "-o", path("out-x"));
  assert.equal(noAuth.status, 2);
  assert.match(noAuth.stderr, /--auth AUTHFILE is needed/);
  assert.match(noAuth.stderr, /usage: radl compile FILE --auth AUTHFILE -o DIR/);
  const noOut = await radl("compile", path("infra.radl"), "--auth", path("auth.dat"));
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /-o DIR is needed/);
  const missingAuth = await radl(
    "compile",
    path("infra.radl"),
    "--auth",
    path("nope.dat"),
    "-o",
    path("out-x"),
  );
  assert.equal(missingAuth.status, 2);
  assert.match(missingAuth.stderr, /cannot read .*nope\.dat: no such file/);

  writeFileSync(path("a-file"), "x");
  const unwritable = await radl(
    "compile",
    path("infra.radl"),
    "--auth",
    path("auth.dat"),
    "-o",
    join(path("a-file"), "sub"),
  );
  assert.equal(unwritable.status, 2);
  assert.match(unwritable.stderr, /radl: cannot write .*a-file/);
});

test("radl help lists compile", async () => {
  const help = await radl("help", "compile");
  assert.equal(help.status, 0);
  assert.match(
    help.stdout,
    /radl compile FILE --auth AUTHFILE -o DIR \[--cloud ID\] \[--stack NAME\] \[--catalog FILE\] \[--check \| --set-config\]/,
  );
});

test("a compiled contextualization: its bundle is written beside index.ts, --check sees it, stale bundle files go", async () => {
  writeFileSync(path("ctxt.radl"), CTXT_RADL);
  writeFileSync(path("ctxt-auth.dat"), CTXT_AUTH);
  const dir = path("out-ctxt");
  const args = ["compile", path("ctxt.radl"), "--auth", path("ctxt-auth.dat"), "-o", dir];
  const first = await radl(...args);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /config keys to set: .*ctxt-bootstrap-stdin/);
  const tree = readTree(dir);
  assert.ok("bundle/ctxt/gen-1/bin/run-step" in tree);
  assert.match(tree["index.ts"]!, /new pulumi\.asset\.FileArchive\("bundle\/ctxt\/gen-1"\)/);
  for (const [file, text] of Object.entries(tree)) {
    for (const s of CTXT_SECRETS) assert.ok(!text.includes(s), `${s} in ${file}`);
  }
  // a second compile (a new server key in memory) leaves the directory up to date
  assert.equal((await radl(...args, "--check")).status, 0);
  const playbook = join(dir, "bundle/ctxt/gen-1/front.yml");
  writeFileSync(playbook, readFileSync(playbook, "utf8") + "# edited\n");
  writeFileSync(join(dir, "bundle/ctxt/gen-1/stale.yml"), "- hosts: all\n");
  const dirty = await radl(...args, "--check");
  assert.equal(dirty.status, 1);
  assert.match(dirty.stdout, /changed: bundle\/ctxt\/gen-1\/front\.yml:\d+/);
  assert.match(dirty.stdout, /not generated: bundle\/ctxt\/gen-1\/stale\.yml/);
  assert.equal((await radl(...args)).status, 0);
  assert.deepEqual(readTree(dir), tree, "compiling again restores the bundle and removes the stale file");
});
