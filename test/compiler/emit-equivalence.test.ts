/**
 * The key property of the GitOps back end (DESIGN.md "One lowering, two back ends"): the emitted
 * index.ts, run under Pulumi's mocks, registers exactly what registerGraph(graph) registers: the same
 * types, names, inputs, parents, dependencies, providers and options, and the same stack outputs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parseAuthText } from "../../compiler/auth/index.js";
import { emitProject } from "../../compiler/emit/index.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { compileDocument } from "../../cli/compile.js";
import {
  CLOUD_MOCK_OUTPUTS,
  DEPLOYED_AUTH,
  DEPLOYED_RADL,
  DUMMY_AUTH,
  DUMMY_RADL,
  cloudGraph,
} from "../support/emit-graphs.js";
import { materialize, removeEmitTestRoot, runProgram } from "../support/emit-run.js";
import { CTXT_AUTH, CTXT_RADL } from "./emit-fixtures.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";

after(removeEmitTestRoot);

const mockOutputs = (type: string, name: string): Record<string, unknown> =>
  type.startsWith("command:")
    ? { stdout: `stdout-of-${name}`, stderr: "" }
    : (CLOUD_MOCK_OUTPUTS[type] ?? {});

/** Assets and archives as plain data (their fields are promises, which deepEqual cannot see into). */
async function plain(value: unknown): Promise<unknown> {
  if (value === null || typeof value !== "object") return value;
  if (pulumi.asset.Asset.isInstance(value)) {
    const a = value as unknown as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
    return { asset: { text: await a.text, path: await a.path, uri: await a.uri } };
  }
  if (pulumi.asset.Archive.isInstance(value)) {
    const a = value as unknown as { assets?: Promise<Record<string, unknown>>; path?: Promise<string> };
    return { archive: { assets: await plain(await a.assets), path: await a.path } };
  }
  if (Array.isArray(value)) return Promise.all((value as unknown[]).map(plain));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
  return out;
}

async function normalized(registrations: Registration[]): Promise<unknown[]> {
  const list = await Promise.all(registrations.map(async (r) => ({ ...r, inputs: await plain(r.inputs) })));
  return list.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

interface Run {
  registrations: unknown[];
  outputs: Record<string, unknown>;
  vmSecretsIsSecret: boolean;
}

async function settle(outputs: Record<string, unknown>): Promise<Omit<Run, "registrations">> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) {
    values[k] = JSON.parse(JSON.stringify((await valueOf(pulumi.output(v))) ?? null));
  }
  const vmSecretsIsSecret = await pulumi.isSecret(pulumi.output(outputs.vmSecrets));
  return { outputs: values, vmSecretsIsSecret };
}

async function viaRegister(graph: ResourceGraph, stack: string): Promise<Run> {
  const recorded = await recordingMocks("im", stack, mockOutputs);
  const { outputs } = await registerGraphDetailed(graph);
  const settled = await settle(outputs);
  await pulumi.runtime.disconnect();
  return { ...settled, registrations: await normalized(recorded) };
}

async function viaEmitted(graph: ResourceGraph, stack: string, name: string): Promise<Run> {
  const project = emitProject(graph, { stack });
  const dir = materialize(name, project);
  const recorded = await recordingMocks("im", stack, mockOutputs);
  for (const key of project.config) pulumi.runtime.setConfig(`im:${key.key}`, key.value);
  const exports = runProgram(dir);
  const settled = await settle(exports);
  await pulumi.runtime.disconnect();
  return { ...settled, registrations: await normalized(recorded) };
}

async function assertEquivalent(graph: ResourceGraph, name: string): Promise<void> {
  const stack = `emit-${name}`;
  const expected = await viaRegister(graph, stack);
  const actual = await viaEmitted(graph, stack, name);
  assert.equal(expected.registrations.length, graph.nodes.length, "register registered every node");
  assert.deepEqual(actual.registrations, expected.registrations);
  assert.deepEqual(actual.outputs, expected.outputs);
  assert.equal(expected.vmSecretsIsSecret, true);
  assert.equal(actual.vmSecretsIsSecret, true);
}

async function compiled(radl: string, auth: string, stack: string): Promise<ResourceGraph> {
  const { graph } = await compileDocument({
    document: loadValidRadl(radl, { source: `${stack}.radl` }),
    auth: parseAuthText(auth, { strict: true }),
    stack,
    seed: radl,
  });
  return graph;
}

test("aws/openstack/kubernetes graph: the emitted program registers what registerGraph registers", async () => {
  await assertEquivalent(cloudGraph(), "clouds");
});

test("Dummy infrastructure from RADL: emitted program and registerGraph agree", async () => {
  const graph = await compiled(DUMMY_RADL, DUMMY_AUTH, "dummy");
  assert.ok(graph.nodes.some((n) => n.type === "command:local:Command"));
  await assertEquivalent(graph, "dummy");
});

test("DeployedNode infrastructure from RADL: emitted program and registerGraph agree", async () => {
  const graph = await compiled(DEPLOYED_RADL, DEPLOYED_AUTH, "deployed");
  assert.ok(Object.keys(graph.outputs.vmSecrets).length > 0, "the private keys are VM secrets");
  await assertEquivalent(graph, "deployed");
});

test("DeployedNode RADL with configure sections: the contextualization commands agree too", async () => {
  // four workers, so the stage barriers are dependsOn lists that the program prints once and shares
  const graph = await compiled(CTXT_RADL.replace("deploy wn 1", "deploy wn 4"), CTXT_AUTH, "ctxt");
  const commands = graph.nodes.filter((n) => n.type.startsWith("command:remote:"));
  assert.ok(commands.length >= 14, `contextualization command nodes: ${commands.length}`);
  assert.match(emitProject(graph).files["index.ts"]!, /dependsOn: ctxtVm\d+\w*DependsOn\b/);
  assert.ok(graph.outputs.extra?.ctxtSteps !== undefined);
  await assertEquivalent(graph, "ctxt");
});

test("a changed input in the emitted program is seen (the comparison is not vacuous)", async () => {
  const graph = cloudGraph();
  const changed = structuredClone(graph);
  const server = changed.nodes.find((n) => n.id === "vm-0-server")!;
  server.args.instanceType = "t3.large";
  const ctxt = changed.nodes.find((n) => n.id === "ctxt-copy")!;
  const archive = (ctxt.args.source as { asset: { assets: Record<string, { asset: { text: string } }> } })
    .asset;
  archive.assets["playbook.yml"]!.asset.text += "# edited\n";
  const expected = await viaRegister(graph, "emit-vacuous");
  const actual = await viaEmitted(changed, "emit-vacuous", "vacuous");
  assert.notDeepEqual(actual.registrations, expected.registrations);
  const diff = (actual.registrations as Registration[]).filter(
    (r, i) => JSON.stringify(r) !== JSON.stringify((expected.registrations as Registration[])[i]),
  );
  assert.deepEqual(diff.map((r) => r.name).sort(), ["ctxt-copy", "vm-0-server"]);
});
