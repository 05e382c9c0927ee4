import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../support/paths.js";
import { runRadl, SYNTAX_ERROR_RADL, tempFiles, VALID_RADL } from "./run-radl.js";

test("radl fmt prints canonical RADL, and formatting the output again changes nothing", (t) => {
  const files = tempFiles({ "a.radl": VALID_RADL });
  t.after(files.cleanup);
  const first = runRadl(["fmt", files.path("a.radl")]);
  assert.equal(first.status, 0, first.stderr);
  assert.notEqual(first.stdout, VALID_RADL);
  assert.match(first.stdout, /^system node \(\n/m);
  assert.ok(first.stdout.endsWith("disk.0.os.name = 'linux'\n)\n\ndeploy node 1\n"), first.stdout);
  const again = runRadl(["fmt", "-"], { stdin: first.stdout });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.equal(runRadl(["check", "-"], { stdin: first.stdout }).status, 0);
});

test("radl fmt --check lists the files that are not canonical and exits 1", (t) => {
  const canonical = runRadl(["fmt", "-"], { stdin: VALID_RADL }).stdout;
  const files = tempFiles({ "messy.radl": VALID_RADL, "tidy.radl": canonical });
  t.after(files.cleanup);
  const run = runRadl(["fmt", "--check", files.path("messy.radl"), files.path("tidy.radl")]);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, `${files.path("messy.radl")}\n`);
  assert.equal(readFileSync(files.path("messy.radl"), "utf8"), VALID_RADL, "--check must not write");
  const tidy = runRadl(["fmt", "--check", files.path("tidy.radl")]);
  assert.equal(tidy.status, 0, tidy.stderr);
  assert.equal(tidy.stdout, "");
});

test("radl fmt --write rewrites files in place, keeping their permissions", (t) => {
  const files = tempFiles({ "a.radl": VALID_RADL });
  t.after(files.cleanup);
  chmodSync(files.path("a.radl"), 0o640);
  const expected = runRadl(["fmt", files.path("a.radl")]).stdout;
  const run = runRadl(["fmt", "--write", files.path("a.radl")]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(readFileSync(files.path("a.radl"), "utf8"), expected);
  assert.equal(statSync(files.path("a.radl")).mode & 0o777, 0o640);
  assert.equal(runRadl(["fmt", "--check", files.path("a.radl")]).status, 0);
});

test("radl fmt --write never touches an invalid file and reports its diagnostics", (t) => {
  const files = tempFiles({ "bad.radl": SYNTAX_ERROR_RADL, "ok.radl": VALID_RADL });
  t.after(files.cleanup);
  const run = runRadl(["fmt", "--write", files.path("bad.radl"), files.path("ok.radl")]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /bad\.radl:3:16: error E-PARSE-SYNTAX: /);
  assert.equal(readFileSync(files.path("bad.radl"), "utf8"), SYNTAX_ERROR_RADL);
  assert.notEqual(
    readFileSync(files.path("ok.radl"), "utf8"),
    VALID_RADL,
    "the valid file is still formatted",
  );
});

test("radl fmt keeps RADL-JSON as canonical RADL-JSON", () => {
  const text = readFileSync(join(corpusDir, "json", "test_simple.json"), "utf8");
  const run = runRadl(["fmt", "-"], { stdin: text });
  assert.equal(run.status, 0, run.stderr);
  const parsed = JSON.parse(run.stdout) as { class: string }[];
  assert.ok(parsed.some((o) => o.class === "system"));
});

test("radl fmt usage errors: --check with --write, --write on stdin, no file, unknown flag", () => {
  for (const args of [["--check", "--write", "x.radl"], ["--write", "-"], [], ["--diff", "x.radl"]]) {
    const run = runRadl(["fmt", ...args]);
    assert.equal(run.status, 2, args.join(" "));
    assert.match(run.stderr, /^radl: .*\nusage: radl fmt /);
  }
});
