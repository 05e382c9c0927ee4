import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../support/paths.js";
import { runRadl, SYNTAX_ERROR_RADL, tempFiles, VALID_RADL } from "./run-radl.js";

interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  source?: string;
  span?: { line: number; column: number; offset: number; length: number };
}

const radlCorpus = join(corpusDir, "radl");
const INVALID_CORPUS = new Set(["examples_glusterfs.radl", "examples_oscar.radl"]);

test("radl check accepts a valid file silently with exit status 0", (t) => {
  const files = tempFiles({ "ok.radl": VALID_RADL });
  t.after(files.cleanup);
  const run = runRadl(["check", files.path("ok.radl")]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "");
});

test("radl check accepts every valid corpus file (RADL and RADL-JSON) in one run", () => {
  const valid = readdirSync(radlCorpus)
    .filter((name) => !INVALID_CORPUS.has(name))
    .map((name) => join(radlCorpus, name));
  const run = runRadl(["check", ...valid, join(corpusDir, "json", "test_simple.json")]);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, / error /);
});

test("a syntax error is reported as file:line:col with the code, the source line and a caret", (t) => {
  const files = tempFiles({ "bad.radl": SYNTAX_ERROR_RADL });
  t.after(files.cleanup);
  const run = runRadl(["check", files.path("bad.radl")]);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, "");
  const lines = run.stderr.split("\n");
  assert.match(lines[0]!, new RegExp(`^${escape(files.path("bad.radl"))}:3:16: error E-PARSE-SYNTAX: `));
  assert.equal(lines[1], "    cpu.count >= and");
  assert.equal(lines[2], "                 ^^^");
});

test("the corpus files the reference rejects give their diagnostic at the line spec §8 records", () => {
  const oscar = join(radlCorpus, "examples_oscar.radl");
  const run = runRadl(["check", oscar]);
  assert.equal(run.status, 1);
  // Line 23: REF says 22 because it does not count the line break inside a multi-line string (§2.5).
  assert.match(run.stderr, new RegExp(`^${escape(oscar)}:23:1: error E-VAL-DEPLOY-SYSTEM: `, "m"));
  const gluster = join(radlCorpus, "examples_glusterfs.radl");
  const build = runRadl(["check", gluster]);
  assert.equal(build.status, 1);
  assert.match(build.stderr, new RegExp(`^${escape(gluster)}:11:\\d+: error E-BUILD-CONFLICT: `, "m"));
});

test('"-" reads standard input and names it <stdin>', () => {
  assert.equal(runRadl(["check", "-"], { stdin: VALID_RADL }).status, 0);
  const run = runRadl(["check", "-"], { stdin: SYNTAX_ERROR_RADL });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^<stdin>:3:16: error E-PARSE-SYNTAX: /);
});

test("--json prints one array with every diagnostic of every file on stdout", (t) => {
  const files = tempFiles({ "ok.radl": VALID_RADL, "bad.radl": SYNTAX_ERROR_RADL });
  t.after(files.cleanup);
  const valid = runRadl(["check", "--json", files.path("ok.radl")]);
  assert.equal(valid.status, 0);
  assert.deepEqual(JSON.parse(valid.stdout), []);

  const run = runRadl(["check", "--json", files.path("ok.radl"), files.path("bad.radl"), "-"], {
    stdin: "system a ( cpu.count = 1 )\ndeploy b 1\n",
  });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, "");
  const diagnostics = JSON.parse(run.stdout) as JsonDiagnostic[];
  assert.ok(Array.isArray(diagnostics));
  const bySource = new Map(diagnostics.map((d) => [d.source, d]));
  assert.deepEqual([...bySource.keys()].sort(), [files.path("bad.radl"), "<stdin>"].sort());
  const syntax = bySource.get(files.path("bad.radl"))!;
  assert.equal(syntax.code, "E-PARSE-SYNTAX");
  assert.equal(syntax.severity, "error");
  assert.equal(typeof syntax.message, "string");
  assert.deepEqual({ line: syntax.span?.line, column: syntax.span?.column }, { line: 3, column: 16 });
  const deploy = bySource.get("<stdin>")!;
  assert.equal(deploy.code, "E-VAL-DEPLOY-SYSTEM");
  assert.equal(deploy.span?.line, 2);
});

test("RADL-JSON input is recognised by content and decoded with JSON diagnostics", () => {
  const run = runRadl(["check", "-"], { stdin: ' \n{"class": "system", "id": "a"}' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^<stdin>:.*error E-JSON-SHAPE: /);
  const ok = runRadl(["check", "-"], { stdin: '[{"class": "system", "id": "a", "cpu.count_min": 1}]' });
  assert.equal(ok.status, 0, ok.stderr);
});

test("--lenient drops a character the reference skips, with a warning, where strict mode rejects it", () => {
  const text = "system a ( cpu.count >= -1 )\n";
  const strict = runRadl(["check", "-"], { stdin: text });
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /^<stdin>:1:25: error E-LEX-ILLEGAL-CHAR: /);
  const lenient = runRadl(["check", "--lenient", "-"], { stdin: text });
  assert.equal(lenient.status, 0, lenient.stderr);
  assert.match(lenient.stderr, /^<stdin>:1:25: warning /);
});

test("a missing file, a directory, no file and an unknown flag are usage errors (status 2)", (t) => {
  const files = tempFiles({ "ok.radl": VALID_RADL });
  t.after(files.cleanup);
  const missing = runRadl(["check", files.path("ok.radl"), files.path("nope.radl")]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `radl: cannot read ${files.path("nope.radl")}: no such file\n`);

  const directory = runRadl(["check", files.dir]);
  assert.equal(directory.status, 2);
  assert.equal(directory.stderr, `radl: cannot read ${files.dir}: is a directory\n`);

  const none = runRadl(["check"]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^radl: no FILE given\nusage: radl check /);

  const flag = runRadl(["check", "--jsn", files.path("ok.radl")]);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^radl: Unknown option '--jsn'.*\nusage: radl check \[--json\]/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
