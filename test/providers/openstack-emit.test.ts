/**
 * `radl compile` for an OpenStack infrastructure (DESIGN.md "One lowering, two back ends"): the
 * emitted project registers under mocks exactly what registerGraph registers, carries no
 * credential in its files, and type-checks with tsc against the real @pulumi/openstack typings.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { compileDocument } from "../../cli/compile.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import { driverLookup } from "../../compiler/plan/index.js";
import { OpenStackDriver } from "../../providers/openstack/index.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import { emitTestRoot, materialize, removeEmitTestRoot, runProgram } from "../support/emit-run.js";
import {
  HAND_RADLS,
  OST_CATALOG,
  OST_PASSWORD,
  openStackMockOutputs,
  ostAuth,
} from "../support/openstack-fixtures.js";
import { runOstUnderMocks } from "../support/openstack-golden.js";
import { repoRoot } from "../support/paths.js";

after(removeEmitTestRoot);

const RADL = `${HAND_RADLS["public-private-fip"]!.replace(/deploy[^\n]*\n/g, "")}${HAND_RADLS["created-network-disks"]!.replace("network pub (outbound = 'yes' and provider_id = 'public')\n", "")}deploy front 1\ndeploy back 1\n`;

async function compiled(stack: string) {
  return compileDocument({
    document: loadValidRadl(RADL, { source: "ost.radl" }),
    auth: ostAuth(),
    stack,
    seed: RADL,
    drivers: driverLookup([new OpenStackDriver()]),
    catalogs: { ost: OST_CATALOG },
  });
}

function comparable(regs: Registration[]): unknown[] {
  return regs.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
}

type Compiled = Awaited<ReturnType<typeof compiled>>;

/** The same compile's project (the server key of contextualization differs between compiles). */
async function viaEmitted(
  graph: ResourceGraph,
  project: Compiled["project"],
  stack: string,
): Promise<Registration[]> {
  const dir = materialize(`ost-${stack}`, project);
  const recorded = await recordingMocks("im", stack, openStackMockOutputs);
  for (const key of project.config) pulumi.runtime.setConfig(`im:${key.key}`, key.value);
  const exports = runProgram(dir);
  for (const value of Object.values(exports)) await valueOf(pulumi.output(value));
  await pulumi.runtime.disconnect();
  assert.equal(recorded.length, graph.nodes.length, "the emitted program registers every node");
  return [...recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

test("the emitted OpenStack project registers exactly what registerGraph registers", async () => {
  const stack = "ost-emit";
  const { graph, project } = await compiled(stack);
  for (const type of [
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
    "openstack:networking/routerInterface:RouterInterface",
    "openstack:compute/instance:Instance",
  ]) {
    assert.ok(
      graph.nodes.some((n) => n.type === type),
      type,
    );
  }
  const expected = await runOstUnderMocks(graph, stack);
  const actual = await viaEmitted(graph, project, stack);
  assert.deepEqual(comparable(actual), comparable(expected.registrations));
});

test("no credential is written into the project's files; the password is a secret config key", async () => {
  const { project } = await compiled("ost-files");
  for (const [path, text] of Object.entries(project.files)) {
    assert.ok(!text.includes(OST_PASSWORD), `the password appears in ${path}`);
  }
  const password = project.config.find((k) => k.value === OST_PASSWORD);
  assert.ok(password !== undefined && password.secret, "the password is read with requireSecret");
  const deps = JSON.parse(project.files["package.json"]!) as { dependencies: Record<string, string> };
  assert.ok("@pulumi/openstack" in deps.dependencies);
});

test("the emitted OpenStack project type-checks with tsc against the real SDK typings", async () => {
  const goodProject = (await compiled("ost-tsc")).project;
  const good = materialize("ost-tsc", goodProject);
  const broken = (await compiled("ost-tsc-bad")).project;
  // the same check must fail on a program that misuses an OpenStack type
  broken.files["index.ts"] = broken.files["index.ts"]!.replaceAll(
    "configDrive: false,",
    "configDrive: { yes: 1 },",
  );
  assert.ok(broken.files["index.ts"]!.includes("configDrive: { yes: 1 },"), "the misuse was written");
  const bad = materialize("ost-tsc-bad", broken);
  const config = {
    compilerOptions: JSON.parse(goodProject.files["tsconfig.json"]!).compilerOptions,
    files: [good, bad].map((d) => relative(emitTestRoot, join(d, "index.ts"))),
  };
  config.compilerOptions.noEmit = true;
  writeFileSync(join(emitTestRoot, "tsconfig.json"), JSON.stringify(config));
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(emitTestRoot, "tsconfig.json")], {
    encoding: "utf8",
    timeout: 240_000,
  });
  const errors = run.stdout.split("\n").filter((l) => /error TS/.test(l));
  assert.ok(
    errors.some((l) => l.includes("/ost-tsc-bad/index.ts(")),
    `tsc reports the misuse (${run.stdout.slice(0, 300)})`,
  );
  assert.deepEqual(
    errors.filter((l) => !l.includes("/ost-tsc-bad/index.ts(")),
    [],
    "the emitted project has no type errors",
  );
});
