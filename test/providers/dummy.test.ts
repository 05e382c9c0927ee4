import { test } from "node:test";
import assert from "node:assert/strict";
import { validateGraph } from "../../compiler/graph/index.js";
import {
  credentials,
  lowerPlan,
  lowerPlanDetailed,
  planDeployment,
  stringFeature,
} from "../../compiler/plan/index.js";
import { DUMMY_VM_SCRIPT, DummyDriver } from "../../providers/dummy/index.js";
import { builtinDrivers, driverRegistry } from "../../providers/registry.js";
import { deploy, doc, network, system } from "../compiler/plan-support.js";
import { execFileSync } from "node:child_process";

const document = doc({
  networks: [network("public", { outbound: "yes" }), network("private")],
  systems: [
    system("front", {
      "net_interface.0.connection": "public",
      "net_interface.1.connection": "private",
      "disk.0.image.url": "one://somewhere/12",
      "cpu.count": 2,
      "memory.size": [2, "G"],
    }),
    system("keyed", {
      "net_interface.0.connection": "private",
      "disk.0.os.credentials.username": "ubuntu",
      "disk.0.os.credentials.private_key":
        "-----BEGIN RSA PRIVATE KEY-----\nX\n-----END RSA PRIVATE KEY-----",
    }),
  ],
  deploys: [deploy("front", 2), deploy("keyed", 1)],
});

test("the registry knows every connector with a lowering by auth type; extra drivers replace them", () => {
  assert.deepEqual(
    builtinDrivers().map((d) => d.type),
    ["Dummy", "DeployedNode", "OpenStack", "EC2", "Kubernetes", "OpenNebula"],
  );
  assert.ok(driverRegistry().get("Dummy") instanceof DummyDriver);
  assert.equal(driverRegistry().get("GCE"), undefined);
  const replacement = new DummyDriver();
  assert.equal(driverRegistry([replacement]).get("Dummy"), replacement);
});

test("Dummy accepts any system and defaults the credentials as the IM does", async () => {
  const plan = await planDeployment({
    infId: "inf9",
    document,
    auth: [{ type: "Dummy" }],
    drivers: driverRegistry(),
  });
  const [a, b, c] = plan.vms;
  assert.deepEqual(credentials(a!.concrete.features), { username: "username", password: "password" });
  assert.equal(stringFeature(a!.concrete.features, "provider.type"), "Dummy");
  assert.equal(credentials(c!.concrete.features).username, "ubuntu");
  assert.equal(
    credentials(c!.concrete.features).password,
    undefined,
    "a private key is kept, no password added",
  );
  assert.equal(
    stringFeature(document.systems[0]!.features, "provider.type"),
    undefined,
    "the RADL is not mutated",
  );
  assert.deepEqual(
    [a, b, c].map((v) => v!.decisions.instanceId),
    ["dummy-inf9-0", "dummy-inf9-1", "dummy-inf9-2"],
  );
});

test("Dummy lowers each VM to a component and a local command, outputs per §9.4", async () => {
  const plan = await planDeployment({
    infId: "inf9",
    document,
    auth: [{ type: "Dummy" }],
    drivers: driverRegistry(),
  });
  const graph = lowerPlan(plan, driverRegistry());
  validateGraph(graph);
  assert.deepEqual(
    graph.nodes.map((n) => `${n.type} ${n.name} ${n.options?.parent ?? "-"}`),
    [
      "im:index:VirtualMachine vm-0 -",
      "command:local:Command vm-0-server vm-0",
      "im:index:VirtualMachine vm-1 -",
      "command:local:Command vm-1-server vm-1",
      "im:index:VirtualMachine vm-2 -",
      "command:local:Command vm-2-server vm-2",
    ],
  );
  const server = graph.nodes[1]!;
  assert.deepEqual(server.args.environment, {
    IM_INSTANCE_ID: "dummy-inf9-0",
    IM_VM_IP: "10.0.0.1",
    IM_VM_STATE: "running",
    IM_VM_CPU: "2",
    IM_VM_MEMORY: "2G",
  });
  assert.deepEqual(graph.outputs.vms["0"], {
    cloudKey: plan.vms[0]!.cloudKey,
    connector: "Dummy",
    instanceId: "dummy-inf9-0",
    physical: { server: { ref: "vm-0-server", prop: "id" } },
    name: "front",
    desiredPower: "running",
    nics: [
      { radlNet: "public", ip: "10.0.0.1", kind: "fixed" },
      { radlNet: "private", kind: "fixed" },
    ],
    outports: [],
    ssh: { host: "10.0.0.1", port: 22, user: "username" },
  });
  assert.deepEqual(graph.outputs.vmSecrets["2"], {
    privateKey: { secret: "-----BEGIN RSA PRIVATE KEY-----\nX\n-----END RSA PRIVATE KEY-----" },
  });
  assert.equal(
    JSON.stringify(graph.outputs.vms).includes("PRIVATE KEY"),
    false,
    "no secret in the plain outputs",
  );
  // Deterministic: lowering the same plan twice gives the same graph.
  assert.deepEqual(lowerPlan(plan, driverRegistry()), graph);
});

test("the Dummy VM script prints the VM's facts as JSON with no network", () => {
  const out = execFileSync("/bin/sh", ["-c", DUMMY_VM_SCRIPT], {
    env: {
      IM_INSTANCE_ID: "dummy-x-3",
      IM_VM_IP: "10.0.0.1",
      IM_VM_STATE: "stopped",
      IM_VM_CPU: "1",
      IM_VM_MEMORY: "512M",
      PATH: "/usr/bin:/bin",
    },
  }).toString();
  assert.deepEqual(JSON.parse(out), {
    id: "dummy-x-3",
    ip: "10.0.0.1",
    state: "stopped",
    cpu: "1",
    memory: "512M",
  });
});

test("Dummy's imperative operations return the IM's fixed values", async () => {
  const d = new DummyDriver();
  const plan = await planDeployment({
    infId: "i",
    document,
    auth: [{ type: "Dummy" }],
    drivers: driverRegistry(),
  });
  const vm = plan.vms[0]!;
  assert.deepEqual(await d.listImages(), [
    { uri: "mock0://linux.for.ev.er/image1", name: "Image Name1" },
    { uri: "mock0://linux.for.ev.er/image2", name: "Image Name2" },
  ]);
  assert.equal(await d.snapshot(vm, 0, "snap1"), "mock0://linux.for.ev.er/snap1");
  const q = await d.quotas();
  assert.deepEqual(Object.keys(q).sort(), ["cores", "floating_ips", "instances", "ram", "security_groups"]);
  assert.ok(Object.values(q).every((v) => v.used === 1 && v.limit === 10));
  assert.deepEqual(await d.readBack(vm), {
    state: "running",
    instanceId: "dummy-i-0",
    instanceName: "front",
    ips: [{ ip: "10.0.0.1", kind: "fixed" }],
  });
});

test("Dummy VMs offer no SSH connection, so contextualization never dials the fixed 10.0.0.1", async () => {
  const plan = await planDeployment({
    infId: "inf-ssh",
    document,
    auth: [{ type: "Dummy" }],
    drivers: driverRegistry(),
  });
  const { vms: lowered } = lowerPlanDetailed(plan, driverRegistry());
  assert.ok(lowered.length > 0);
  for (const vm of lowered) assert.equal(vm.connection, undefined, `VM ${vm.vm.id} has a connection`);
});
