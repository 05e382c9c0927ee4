/**
 * The project `radl compile` prints for an EC2 infrastructure (with the contextualizer's nodes)
 * registers under mocks exactly what registerGraph registers from the same graph, and type-checks
 * with tsc against the real @pulumi/aws typings (one tsc run for the file).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseAuthText } from "../../compiler/auth/index.js";
import { compileDocument } from "../../cli/compile.js";
import type { EmittedProject } from "../../compiler/emit/index.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import {
  AWS_AUTH,
  AWS_CATALOG,
  AWS_SECRET_KEY,
  ec2Drivers,
  ec2MockOutputs,
  radl,
} from "../support/aws-fixtures.js";
import { HAND_RADLS } from "../support/aws-radl.js";
import { emitTestRoot, materialize, removeEmitTestRoot, runProgram } from "../support/emit-run.js";
import { repoRoot } from "../support/paths.js";

after(removeEmitTestRoot);

const mockOutputs = (type: string, name: string): Record<string, unknown> =>
  type.startsWith("command:") ? { stdout: `stdout-of-${name}`, stderr: "" } : ec2MockOutputs(type, name);

async function compiled(name: string): Promise<{ graph: ResourceGraph; project: EmittedProject }> {
  return compileDocument({
    document: radl(HAND_RADLS[name]!, `${name}.radl`),
    auth: parseAuthText(AWS_AUTH, { strict: true }),
    stack: `aws-${name}`,
    seed: name,
    drivers: ec2Drivers(),
    catalogs: { ec2: AWS_CATALOG },
  });
}

/** Registrations without what differs between two runs of the same program for no reason. */
function comparable(regs: Registration[]) {
  return JSON.parse(
    JSON.stringify(
      [...regs].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
      (_k, v: unknown) =>
        pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v) ? "<asset>" : v,
    ),
  ) as unknown[];
}

async function settle(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs))
    out[k] = JSON.parse(JSON.stringify((await valueOf(pulumi.output(v))) ?? null));
  return out;
}

for (const name of ["created-private-network", "elastic-ips-and-disks"]) {
  test(`${name}: the emitted program registers what registerGraph registers`, async () => {
    const { graph, project } = await compiled(name);
    const stack = `aws-${name}`;
    const viaGraph = await recordingMocks("im", stack, mockOutputs);
    const expectedOutputs = await settle((await registerGraphDetailed(graph)).outputs);
    await pulumi.runtime.disconnect();
    const dir = materialize(`aws-${name}`, project);
    const viaProgram = await recordingMocks("im", stack, mockOutputs);
    for (const key of project.config) pulumi.runtime.setConfig(`im:${key.key}`, key.value);
    const actualOutputs = await settle(runProgram(dir));
    await pulumi.runtime.disconnect();
    assert.equal(viaGraph.length, graph.nodes.length);
    assert.ok(viaGraph.some((r) => r.type === "aws:ec2/instance:Instance"));
    assert.deepEqual(comparable(viaProgram), comparable(viaGraph));
    assert.deepEqual(actualOutputs, expectedOutputs);
    for (const [path, text] of Object.entries(project.files)) {
      assert.ok(!text.includes(AWS_SECRET_KEY), `the secret key is written into ${path}`);
    }
  });
}

test("the emitted EC2 projects type-check with tsc against @pulumi/aws", async () => {
  const dirs = [];
  for (const name of Object.keys(HAND_RADLS))
    dirs.push(materialize(`aws-tsc-${name}`, (await compiled(name)).project));
  const first = (await compiled("spot")).project;
  const config = {
    compilerOptions: { ...JSON.parse(first.files["tsconfig.json"]!).compilerOptions, noEmit: true },
    files: dirs.map((d) => relative(emitTestRoot, join(d, "index.ts"))),
  };
  writeFileSync(join(emitTestRoot, "tsconfig.json"), JSON.stringify(config));
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(emitTestRoot, "tsconfig.json")], {
    encoding: "utf8",
    timeout: 240_000,
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.ok(dirs.length >= 6);
});
