import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { runRadl } from "./run-radl.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;

test("radl --version prints the version of package.json", () => {
  for (const flag of ["--version", "-V", "version"]) {
    const run = runRadl([flag]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${version}\n`);
  }
});

test("radl with no command is a usage error that prints the usage on stderr", () => {
  const run = runRadl([]);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^radl: no command given\nusage: radl COMMAND/);
});

test("radl help lists every command; radl --help is the same", () => {
  const help = runRadl(["help"]);
  assert.equal(help.status, 0, help.stderr);
  for (const name of ["check", "fmt", "convert", "help", "version"]) {
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, "m"), `${name} missing from:\n${help.stdout}`);
  }
  assert.equal(runRadl(["--help"]).stdout, help.stdout);
});

test("radl help COMMAND and radl COMMAND --help print that command's usage and options", () => {
  const viaHelp = runRadl(["help", "check"]);
  assert.equal(viaHelp.status, 0);
  assert.match(viaHelp.stdout, /^usage: radl check \[--json\] \[--lenient\] FILE\.\.\./);
  assert.match(viaHelp.stdout, /--json/);
  const viaFlag = runRadl(["check", "--help"]);
  assert.equal(viaFlag.status, 0);
  assert.equal(viaFlag.stdout, viaHelp.stdout);
  assert.match(runRadl(["convert", "-h"]).stdout, /^usage: radl convert --to json\|radl FILE/);
});

test("an unknown command, an unknown global option or an unknown help topic is a usage error", () => {
  for (const [args, message] of [
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["--frobnicate"], 'unknown option "--frobnicate"'],
    [["help", "frobnicate"], 'unknown command "frobnicate"'],
  ] as const) {
    const run = runRadl([...args]);
    assert.equal(run.status, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.split("\n")[0], `radl: ${message}`);
    assert.match(run.stderr, /usage: radl COMMAND/);
  }
});
