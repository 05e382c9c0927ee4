import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../support/paths.js";
import { runRadl, SYNTAX_ERROR_RADL, tempFiles, VALID_RADL } from "./run-radl.js";

type JsonObject = Record<string, unknown>;

test("radl convert --to json writes the RADL-JSON array on stdout", (t) => {
  const files = tempFiles({ "a.radl": VALID_RADL });
  t.after(files.cleanup);
  const run = runRadl(["convert", "--to", "json", files.path("a.radl")]);
  assert.equal(run.status, 0, run.stderr);
  const objects = JSON.parse(run.stdout) as JsonObject[];
  assert.deepEqual(
    objects.map((o) => o.class),
    ["network", "system", "deploy"],
  );
  const system = objects[1]!;
  assert.equal(system.id, "node");
  assert.equal(system["cpu.count_min"], 1);
  assert.equal(system["memory.size_min"], 512_000_000);
  assert.deepEqual(objects[2], { class: "deploy", system: "node", vm_number: 1 });
});

test("RADL → JSON → RADL through stdin gives valid canonical RADL with the same JSON", () => {
  const json = runRadl(["convert", "--to", "json", "-"], { stdin: VALID_RADL });
  assert.equal(json.status, 0, json.stderr);
  const radl = runRadl(["convert", "--to=radl", "-"], { stdin: json.stdout });
  assert.equal(radl.status, 0, radl.stderr);
  assert.match(radl.stdout, /^memory\.size >= 512000000 and$/m);
  assert.equal(runRadl(["check", "-"], { stdin: radl.stdout }).status, 0);
  const back = runRadl(["convert", "--to", "json", "-"], { stdin: radl.stdout });
  assert.deepEqual(JSON.parse(back.stdout), JSON.parse(json.stdout));
});

test("radl convert reads the corpus RADL-JSON file", () => {
  const run = runRadl(["convert", "--to", "radl", join(corpusDir, "json", "test_simple.json")]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^system \S+ \(\n/m);
  assert.match(run.stdout, /^deploy /m);
  const source = JSON.parse(
    readFileSync(join(corpusDir, "json", "test_simple.json"), "utf8"),
  ) as JsonObject[];
  const systems = source.filter((o) => o.class === "system").map((o) => `system ${String(o.id)} (`);
  for (const header of systems) assert.ok(run.stdout.includes(header), header);
});

test("radl convert of an invalid document prints its diagnostics and exits 1", () => {
  const run = runRadl(["convert", "--to", "json", "-"], { stdin: SYNTAX_ERROR_RADL });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^<stdin>:3:16: error E-PARSE-SYNTAX: /);
});

test("radl convert usage errors: no --to, a bad --to, no file, two files, a missing file", (t) => {
  const files = tempFiles({ "a.radl": VALID_RADL });
  t.after(files.cleanup);
  const a = files.path("a.radl");
  for (const [args, message] of [
    [[a], "--to json|radl is required"],
    [["--to", "yaml", a], '--to must be one of json, radl, not "yaml"'],
    [["--to", "json"], "exactly one FILE is required"],
    [["--to", "json", a, a], "exactly one FILE is required"],
    [["--to", "json", files.path("missing.radl")], `cannot read ${files.path("missing.radl")}: no such file`],
  ] as const) {
    const run = runRadl(["convert", ...args]);
    assert.equal(run.status, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.split("\n")[0], `radl: ${message}`);
  }
});
