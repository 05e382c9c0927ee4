/**
 * `radl compile --catalog FILE`: the catalogue reaches the drivers as ctx.catalog; a bad file is a usage
 * error naming the file, the line and the field; a plan that needs discovery it cannot do fails on one line.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SystemSec } from "../../compiler/ir.js";
import { driverLookup, type Concretized, type ConcretizeContext } from "../../compiler/plan/driver.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import { makeCompileCommand } from "../../cli/compile.js";
import { main } from "../../cli/main.js";
import type { Io } from "../../cli/io.js";
import { DeployedNodeDriver } from "../../providers/deployed/index.js";
import { DummyDriver } from "../../providers/dummy/index.js";
import { DUMMY_AUTH, DUMMY_RADL } from "../support/emit-graphs.js";

const root = mkdtempSync(join(tmpdir(), "radl-compile-catalog-"));
after(() => rmSync(root, { recursive: true, force: true }));
const path = (name: string) => join(root, name);
writeFileSync(path("infra.radl"), DUMMY_RADL);
writeFileSync(path("auth.dat"), DUMMY_AUTH);

/**
 * A Dummy driver that, like a cloud driver with no credentials that reach its cloud, can only
 * concretize from a catalogue: it takes the image from `images.default` and records what it was given.
 */
class CatalogOnlyDriver extends DummyDriver {
  readonly seen: (ConcretizeContext["catalog"] | undefined)[] = [];

  override async concretize(system: SystemSec, ctx?: ConcretizeContext): Promise<Concretized> {
    assert.ok(ctx, "plan passes a context");
    this.seen.push(ctx.catalog);
    const images = ctx.catalog?.images as Record<string, string> | undefined;
    if (images?.default === undefined) {
      throw new DiscoveryNeededError(
        system.id,
        ctx.cloud.id,
        "the image list",
        "no catalogue entry images.default",
      );
    }
    return super.concretize(system);
  }
}

async function radl(
  driver: CatalogOnlyDriver,
  ...argv: string[]
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readStdin: async () => "",
  };
  const command = makeCompileCommand(driverLookup([driver, new DeployedNodeDriver()]));
  const status = await main(["compile", ...argv], io, [command]);
  return { status, stdout, stderr };
}

const base = (out: string) => [path("infra.radl"), "--auth", path("auth.dat"), "-o", path(out)];

test("a YAML or JSON catalogue reaches the driver of its auth item, and the compile works offline", async () => {
  writeFileSync(path("cat.yaml"), "# per auth id\ndummy:\n  images:\n    default: one://server.com/1\n");
  const yamlDriver = new CatalogOnlyDriver();
  const a = await radl(yamlDriver, ...base("out-yaml"), "--catalog", path("cat.yaml"));
  assert.equal(a.status, 0, a.stderr);
  assert.ok(yamlDriver.seen.length > 0);
  for (const c of yamlDriver.seen) assert.deepEqual(c, { images: { default: "one://server.com/1" } });

  writeFileSync(path("cat.json"), JSON.stringify({ dummy: { images: { default: "one://server.com/1" } } }));
  const jsonDriver = new CatalogOnlyDriver();
  const b = await radl(jsonDriver, ...base("out-json"), "--catalog", path("cat.json"));
  assert.equal(b.status, 0, b.stderr);
  assert.deepEqual(jsonDriver.seen, yamlDriver.seen);
  assert.equal(
    readFileSync(join(path("out-json"), "index.ts"), "utf8"),
    readFileSync(join(path("out-yaml"), "index.ts"), "utf8"),
  );
});

test("discovery that is needed and impossible: one clear line, exit 1, nothing written", async () => {
  const r = await radl(new CatalogOnlyDriver(), ...base("out-none"));
  assert.equal(r.status, 1);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    /^radl: system 'front' in cloud 'dummy' needs the image list, which could not be discovered \(no catalogue entry images\.default\): .*--catalog \(E-PLAN-DISCOVERY\)$/,
  );
  assert.throws(() => statSync(path("out-none")), /ENOENT/);
  // a catalogue for the cloud that lacks the entry is the same error, not a crash
  writeFileSync(path("cat-empty.yaml"), "dummy: {}\n");
  const empty = await radl(new CatalogOnlyDriver(), ...base("out-none"), "--catalog", path("cat-empty.yaml"));
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /needs the image list/);
});

test("bad catalogues are usage errors naming the file, the line and the field", async () => {
  const cases: [string, string, RegExp][] = [
    ["syntax.yaml", "dummy:\n  images: [one\n", /--catalog .*syntax\.yaml:\d+: not valid JSON or YAML: /],
    ["syntax.json", '{"dummy": {"images": }', /--catalog .*syntax\.json:1: not valid JSON or YAML: /],
    ["list.yaml", "- dummy\n", /--catalog .*list\.yaml:1: must be a mapping from auth item id/],
    ["scalar.json", "42\n", /--catalog .*scalar\.json:1: must be a mapping from auth item id/],
    ["empty.yaml", "", /--catalog .*empty\.yaml: must be a mapping from auth item id/],
    [
      "unknown.yaml",
      "dummy: {}\nopenstack:\n  flavors: []\n",
      /--catalog .*unknown\.yaml:2: "openstack" is not the id of an auth item \(ids: dummy, im\)/,
    ],
    ["notmap.yaml", "dummy:\n  - a\n", /--catalog .*notmap\.yaml:1: "dummy" must be a mapping/],
    [
      "dup.yaml",
      "dummy: {}\ndummy: {}\n",
      /--catalog .*dup\.yaml:2: not valid JSON or YAML: .*[Mm]ap keys must be unique/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    writeFileSync(path(name), text);
    const r = await radl(new CatalogOnlyDriver(), ...base("out-bad"), "--catalog", path(name));
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, expected, name);
    assert.match(r.stderr, /usage: radl compile .*--catalog FILE/, name);
  }
  const missing = await radl(new CatalogOnlyDriver(), ...base("out-bad"), "--catalog", path("nope.yaml"));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file/);
  assert.throws(() => statSync(path("out-bad")), /ENOENT/);
});

test("help describes --catalog", async () => {
  let out = "";
  const io: Io = { out: (t) => void (out += t), err: () => {}, readStdin: async () => "" };
  assert.equal(await main(["help", "compile"], io), 0);
  assert.match(out, /--catalog FILE +what discovery would look up/);
  assert.match(out, /docs\/catalog-<cloud>\.md/);
});
