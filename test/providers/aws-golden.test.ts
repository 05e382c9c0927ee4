/**
 * Golden mock-program tests (providers.md §11.2): each RADL is planned for EC2 (seeded random, the
 * catalogue, no network), lowered and registered under Pulumi's mocks; every registration's type
 * token, name, inputs and options are compared with test/providers/golden/aws/<name>.json.
 * UPDATE_GOLDEN=1 rewrites the files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { format } from "prettier";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { NoCloudError } from "../../compiler/plan/errors.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf } from "../runtime/mocks-support.js";
import { corpusRadl, ec2Graph, ec2MockOutputs } from "../support/aws-fixtures.js";
import { CORPUS_FIXTURES, HAND_RADLS, asEc2Radl } from "../support/aws-radl.js";
import { repoRoot } from "../support/paths.js";

const goldenDir = join(repoRoot, "test", "providers", "golden", "aws");

async function registered(graph: ResourceGraph, stack: string) {
  const regs = await recordingMocks("im", stack, ec2MockOutputs);
  const { outputs } = await registerGraphDetailed(graph);
  const vms = await valueOf(outputs.vms!);
  await pulumi.runtime.disconnect();
  const resources = regs
    .map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent.split("::").pop() ?? "",
      inputs: r.inputs,
      ...(r.secretPaths.length > 0 ? { secretPaths: r.secretPaths } : {}),
      ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
      ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1));
  return JSON.parse(JSON.stringify({ resources, vms })) as { resources: { type: string; name: string }[] };
}

async function checkGolden(name: string, radlText: string): Promise<void> {
  const graph = await ec2Graph(radlText);
  const actual = await registered(graph, `golden-${name}`);
  assert.equal(actual.resources.length, graph.nodes.length, "every node was registered once");
  const file = join(goldenDir, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== "1") assert.fail(`no golden file ${file}; run with UPDATE_GOLDEN=1`);
    mkdirSync(goldenDir, { recursive: true });
    // printed as prettier prints JSON, so `prettier --check .` passes on the golden files
    writeFileSync(file, await format(JSON.stringify(actual), { parser: "json" }));
  }
  assert.deepEqual(actual, JSON.parse(readFileSync(file, "utf8")));
}

for (const [name, text] of Object.entries(HAND_RADLS)) {
  test(`golden: ${name}`, async () => checkGolden(name, text));
}

for (const fixture of CORPUS_FIXTURES) {
  test(`golden: corpus ${fixture}`, async () =>
    checkGolden(`corpus-${fixture.replace(/\.radl$/, "")}`, asEc2Radl(corpusRadl(fixture))));
}

test("a corpus system whose OS matches no catalogued AMI has no EC2 concrete system", async () => {
  await assert.rejects(
    ec2Graph(corpusRadl("examples_simple.radl")),
    (e: unknown) => e instanceof NoCloudError && /can deploy system 'node'/.test(e.message),
  );
});
