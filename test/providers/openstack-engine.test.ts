/**
 * One OpenStack-lowered graph through the real engine (providers.md §11.4): the openstack plugin
 * cannot be built here, so every `openstack:*` node is a `command:local:Command` of the same name,
 * parent and dependencies printing its inputs (test/support/openstack-substitute.ts). up then
 * destroy with our StackManager; names, URNs, references between resources and the §9.4 outputs
 * are checked on the real state.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { VmStackOutput } from "../../compiler/graph/types.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { openManager, tempDataDir } from "../stacks/support.js";
import { HAND_RADLS, OST_PASSWORD, lowerOst, planOst } from "../support/openstack-fixtures.js";
import { substituteOpenStack } from "../support/openstack-substitute.js";

let manager: StackManager;
let cleanup: () => Promise<void>;

before(async () => {
  const temp = await tempDataDir("radl-ost-engine-");
  cleanup = temp.cleanup;
  manager = await openManager(temp.dir);
});

after(async () => {
  await manager?.close();
  await cleanup?.();
});

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  parent?: string;
  dependencies?: string[];
  outputs?: Record<string, unknown>;
}

test(
  "an OpenStack graph (commands in place of openstack resources) goes up and is destroyed by the real engine",
  { timeout: 300_000 },
  async () => {
    const stack = "inf-ost-engine";
    const plan = await planOst(HAND_RADLS["public-private-fip"]!.replace("deploy back 2", "deploy back 1"));
    const graph = substituteOpenStack(lowerOst(plan));
    const up = await manager.upGraph(stack, graph);
    assert.equal(up.summary.result, "succeeded");

    const state = (await manager.exportState(stack)) as unknown as {
      deployment: { resources: StateResource[] };
    };
    const resources = state.deployment.resources.filter((r) => r.type === "command:local:Command");
    assert.equal(resources.length, graph.nodes.filter((n) => n.type === "command:local:Command").length);
    const byName = new Map(resources.map((r) => [r.urn.split("::").pop()!, r]));
    const inputsOf = (name: string) =>
      JSON.parse(String(byName.get(name)!.outputs!.stdout)) as Record<string, unknown>;

    // URNs: VM children under the VirtualMachine component, shared ones under their network component
    const key = plan.clouds[0]!.cloudKey;
    assert.equal(
      byName.get("vm-0-server")!.urn,
      `urn:pulumi:${stack}::im::im:index:VirtualMachine$command:local:Command::vm-0-server`,
    );
    assert.equal(
      byName.get(`net-${key}-pub-sg`)!.urn,
      `urn:pulumi:${stack}::im::im:index:Network$command:local:Command::net-${key}-pub-sg`,
    );
    assert.ok(byName.has(`cloud-${key}`), "the provider's stand-in");

    // references between resources carry the real ids of the engine
    const server = inputsOf("vm-0-server");
    assert.deepEqual(server.networks, [{ port: byName.get("vm-0-nic-1")!.id }]);
    assert.equal(server.flavorId, "f-medium");
    const port = inputsOf("vm-0-nic-1");
    assert.deepEqual(port.securityGroupIds, [
      byName.get(`net-${key}-pub-sg`)!.id,
      byName.get(`net-${key}-priv-sg`)!.id,
    ]);
    const assoc = inputsOf("vm-0-fipassoc-0");
    assert.deepEqual(assoc, { floatingIp: "158.42.104.100", portId: byName.get("vm-0-nic-1")!.id });
    const rule = inputsOf(`net-${key}-pub-self-tcp`);
    assert.equal(rule.remoteGroupId, byName.get(`net-${key}-pub-sg`)!.id);
    // the association waited for the server (explicit dependsOn) and its port
    const deps = byName.get("vm-0-fipassoc-0")!.dependencies ?? [];
    assert.ok(deps.includes(byName.get("vm-0-server")!.urn) && deps.includes(byName.get("vm-0-nic-1")!.urn));

    // §9.4 outputs resolved from the resources
    const vms = up.outputs.vms!.value as Record<string, VmStackOutput>;
    assert.equal(vms["0"]!.instanceId, byName.get("vm-0-server")!.id);
    assert.deepEqual(vms["0"]!.nics, [
      { radlNet: "pub", ip: "158.42.104.100", kind: "floating" },
      { radlNet: "priv", ip: "10.0.1.10", kind: "fixed" },
    ]);
    assert.deepEqual(vms["0"]!.ssh, { host: "158.42.104.100", port: 22, user: "ubuntu" });
    assert.deepEqual(vms["1"]!.nics, [{ radlNet: "priv", ip: "10.0.0.50", kind: "fixed" }]);
    assert.equal(up.outputs.vmSecrets?.secret, true, "the VM secrets are a secret output");

    // the provider's password stays a secret in the state
    // the export shows secret values with their plaintext: the password must be only inside those
    const secretSig = "4dabf18193072939515e22adb298388d";
    assert.ok(JSON.stringify(state).includes(OST_PASSWORD));
    const text = JSON.stringify(state, (_k, v: unknown) =>
      v !== null && typeof v === "object" && secretSig in v ? "[secret]" : v,
    );
    const leak = text.indexOf(OST_PASSWORD);
    assert.equal(leak, -1, `the password in plain text: ${text.slice(Math.max(0, leak - 400), leak + 50)}`);

    const destroyed = await manager.destroy(stack);
    assert.equal(destroyed.result, "succeeded");
    const after = (await manager.exportState(stack)) as unknown as {
      deployment: { resources?: StateResource[] };
    };
    assert.deepEqual(after.deployment.resources ?? [], []);
  },
);
