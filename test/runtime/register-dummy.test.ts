import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  DanglingReferenceError,
  UnknownTokenError,
  interpolate,
  ref,
  type ResourceGraph,
} from "../../compiler/graph/index.js";
import { lowerPlan, planDeployment } from "../../compiler/plan/index.js";
import { sshConnection } from "../../providers/driver-common.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraph, registerGraphDetailed } from "../../runtime/register.js";
import { deploy, doc, network, system } from "../compiler/plan-support.js";
import { expectedValue, matchRegistrations, nodeById } from "./graph-expect.js";
import { recordingMocks, valueOf } from "./mocks-support.js";

const registrations = await recordingMocks("im", "inf-dummy", (type, name) =>
  type.startsWith("command:") ? { stdout: `stdout-of-${name}`, stderr: "" } : {},
);

async function dummyGraph(): Promise<ResourceGraph> {
  const document = doc({
    networks: [network("public", { outbound: "yes", outports: "2222-22,80" })],
    systems: [
      system("front", { "net_interface.0.connection": "public", "cpu.count": 2, "memory.size": [1, "G"] }),
    ],
    deploys: [deploy("front", 2)],
  });
  const drivers = driverRegistry();
  const plan = await planDeployment({ infId: "inf-dummy", document, auth: [{ type: "Dummy" }], drivers });
  return lowerPlan(plan, drivers, {
    contextualizer: {
      lower: ({ vms }) => ({
        nodes: vms.map((v) => ({
          id: `ctxt-vm${v.vm.id}`,
          type: "command:remote:Command",
          name: `ctxt-vm${v.vm.id}`,
          args: {
            // Dummy VMs offer no connection of their own; under mocks nothing dials, so the test
            // builds one from the VM's reported SSH facts to check that credentials flow as secrets.
            connection: {
              ...(sshConnection(v.vm, String(v.output.ssh!.host), Number(v.output.ssh!.port)) as object),
              dialErrorLimit: 5,
              perDialTimeout: 10,
            } as never,
            create: interpolate("echo ", ref(`vm-${v.vm.id}-server`, "stdout")),
            update: "true",
          },
          options: { dependsOn: v.readyNodeIds, additionalSecretOutputs: ["stdout"] },
        })),
      }),
    },
  });
}

test("an unknown token or a dangling ref is a typed error before any resource is registered", async () => {
  const graph = await dummyGraph();
  const unknown = structuredClone(graph);
  unknown.nodes[unknown.nodes.length - 1]!.type = "gcp:compute/instance:Instance";
  await assert.rejects(registerGraph(unknown), UnknownTokenError);
  const dangling = structuredClone(graph);
  dangling.nodes.push({
    id: "late",
    type: "command:local:Command",
    name: "late",
    args: { create: ref("vm-7-server", "stdout") },
  });
  await assert.rejects(registerGraph(dangling), DanglingReferenceError);
  await assert.rejects(
    registerGraph(unknown, { extraFactories: {} }),
    (e: unknown) => e instanceof UnknownTokenError && e.token === "gcp:compute/instance:Instance",
  );
  assert.equal(registrations.length, 0);
});

test("a Dummy graph registers exactly its nodes, with resolved refs, parents and dependencies", async () => {
  const graph = await dummyGraph();
  let detailed: Awaited<ReturnType<typeof registerGraphDetailed>> | undefined;
  const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
    detailed = await registerGraphDetailed(graph);
    return detailed.outputs;
  });
  await pulumi.runtime.disconnect();

  const stack = registrations.find((r) => r.type === "pulumi:pulumi:Stack")!;
  assert.ok(stack, "the stack resource is registered");
  const own = registrations.filter((r) => r !== stack);
  assert.deepEqual(
    own.map((r) => `${r.type}::${r.name}`).sort(),
    graph.nodes.map((n) => `${n.type}::${n.name}`).sort(),
  );
  const byNode = matchRegistrations(graph, own);
  const stateOf = (id: string) => {
    const r = byNode.get(id)!;
    return { ...r.inputs, id: `${r.name}-id`, stdout: `stdout-of-${r.name}` };
  };
  for (const node of graph.nodes) {
    const reg = byNode.get(node.id)!;
    const want = node.type.startsWith("im:index:") ? {} : expectedValue(node.args as never, stateOf);
    assert.deepEqual(reg.inputs, want, `inputs of ${node.id}`);
    const parent = node.options?.parent;
    assert.equal(
      reg.parent,
      parent === undefined ? stack.urn : byNode.get(parent)!.urn,
      `parent of ${node.id}`,
    );
    for (const dep of node.options?.dependsOn ?? []) {
      assert.ok(reg.dependencies.includes(byNode.get(dep)!.urn), `${node.id} depends on ${dep}`);
    }
    for (const out of node.options?.additionalSecretOutputs ?? []) {
      assert.ok(reg.additionalSecretOutputs.includes(out), `${node.id} keeps ${out} secret`);
    }
  }
  // URNs follow providers.md §9.4 (the mock monitor, unlike the engine, puts the Stack type in the chain).
  const urn = (id: string) => byNode.get(id)!.urn.replace("pulumi:pulumi:Stack$", "");
  assert.equal(urn("vm-1"), "urn:pulumi:inf-dummy::im::im:index:VirtualMachine::vm-1");
  assert.equal(
    urn("vm-1-server"),
    "urn:pulumi:inf-dummy::im::im:index:VirtualMachine$command:local:Command::vm-1-server",
  );
  // The connection of the contextualization node carries the Dummy facts and the SSH port of the outports.
  const conn = byNode.get("ctxt-vm0")!.inputs.connection as Record<string, unknown>;
  assert.deepEqual(conn, {
    host: "10.0.0.1",
    port: 2222,
    user: "username",
    password: "password",
    dialErrorLimit: 5,
    perDialTimeout: 10,
  });
  assert.ok(
    byNode.get("ctxt-vm0")!.secretPaths.includes("connection"),
    "the connection (with its password) is secret",
  );
  assert.equal(byNode.get("ctxt-vm0")!.inputs.create, "echo stdout-of-vm-0-server");

  // Stack outputs (§9.4): refs resolved, secrets apart.
  const outputs = stackOutputs as Record<string, unknown>;
  const vms = outputs.vms as Record<
    string,
    { instanceId: string; physical: Record<string, string>; ssh: unknown; nics: unknown }
  >;
  assert.deepEqual(Object.keys(vms), ["0", "1"]);
  assert.equal(vms["0"]!.instanceId, "dummy-inf-dummy-0");
  assert.equal(vms["1"]!.physical.server, "vm-1-server-id");
  assert.deepEqual(vms["1"]!.ssh, { host: "10.0.0.1", port: 2222, user: "username" });
  assert.deepEqual(vms["1"]!.nics, [{ radlNet: "public", ip: "10.0.0.1", kind: "fixed" }]);
  assert.equal(await pulumi.isSecret(detailed!.outputs.vmSecrets!), true);
  assert.equal(await pulumi.isSecret(detailed!.outputs.vms!), false);
  assert.deepEqual(await valueOf(detailed!.outputs.vmSecrets!), {
    "0": { password: "password" },
    "1": { password: "password" },
  });
  assert.equal(nodeById(graph, "vm-0-server").type, "command:local:Command");
});
