import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuthItem } from "../../compiler/auth/types.js";
import { NoCloudError, lowerPlan, lowerPlanDetailed, planDeployment } from "../../compiler/plan/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { deploy, doc, network, system } from "../compiler/plan-support.js";

const host = (extra: Record<string, string> = {}) =>
  system("node", {
    "net_interface.0.connection": "lan",
    "net_interface.0.ip": "127.0.0.1",
    "disk.0.os.credentials.username": "tester",
    "disk.0.os.credentials.private_key": "PEM",
    ...extra,
  });
const nets = [network("lan", { outports: "2222-22" })];
const auth: AuthItem[] = [
  { type: "InfrastructureManager", username: "u", password: "p" },
  { type: "DeployedNode" },
];

test("DeployedNode takes only systems with an address, a username and a password or key", async () => {
  const drivers = driverRegistry();
  const ok = await planDeployment({
    infId: "i",
    document: doc({ networks: nets, systems: [host()], deploys: [deploy("node", 1)] }),
    auth,
    drivers,
  });
  assert.equal(ok.vms[0]!.connector, "DeployedNode");
  for (const missing of [
    "net_interface.0.ip",
    "disk.0.os.credentials.username",
    "disk.0.os.credentials.private_key",
  ]) {
    const s = host();
    s.features.features.delete(missing);
    s.features.order = s.features.order.filter((n) => n !== missing);
    await assert.rejects(
      planDeployment({
        infId: "i",
        document: doc({ networks: nets, systems: [s], deploys: [deploy("node", 1)] }),
        auth,
        drivers,
      }),
      NoCloudError,
      missing,
    );
  }
  const withPassword = host({ "disk.0.os.credentials.password": "pw" });
  withPassword.features.features.delete("disk.0.os.credentials.private_key");
  const p = await planDeployment({
    infId: "i",
    document: doc({ networks: nets, systems: [withPassword], deploys: [deploy("node", 1)] }),
    auth,
    drivers,
  });
  assert.equal(p.vms.length, 1);
});

test("DeployedNode lowers to the VM component only, with constant outputs and the SSH connection", async () => {
  const drivers = driverRegistry();
  const plan = await planDeployment({
    infId: "i",
    document: doc({
      networks: nets,
      systems: [host({ "net_interface.1.connection": "lan", "net_interface.1.ip": "10.1.1.1" })],
      deploys: [deploy("node", 1)],
    }),
    auth,
    drivers,
  });
  const { graph, vms } = lowerPlanDetailed(plan, drivers);
  assert.deepEqual(graph.nodes, [{ id: "vm-0", type: "im:index:VirtualMachine", name: "vm-0", args: {} }]);
  assert.deepEqual(graph.outputs.vms["0"], {
    cloudKey: plan.clouds[0]!.cloudKey,
    connector: "DeployedNode",
    instanceId: "deployed-i-0",
    physical: {},
    name: "node",
    desiredPower: "running",
    nics: [
      { radlNet: "lan", ip: "127.0.0.1", kind: "fixed" },
      { radlNet: "lan", ip: "10.1.1.1", kind: "fixed" },
    ],
    outports: [],
    ssh: { host: "127.0.0.1", port: 2222, user: "tester" },
  });
  assert.deepEqual(graph.outputs.vmSecrets["0"], { privateKey: { secret: "PEM" } });
  assert.deepEqual(vms[0]!.connection, {
    host: "127.0.0.1",
    port: 2222,
    user: "tester",
    privateKey: { secret: "PEM" },
  });
  assert.deepEqual(vms[0]!.readyNodeIds, ["vm-0"]);
  assert.match(plan.clouds[0]!.cloudKey, /^DeployedNode-[0-9a-f]{10}$/);
  assert.deepEqual(lowerPlan(plan, drivers), graph);
});
