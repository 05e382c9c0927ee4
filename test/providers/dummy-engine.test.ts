/**
 * The Dummy driver through the real engine (command provider, file backend): plan → lowerPlan →
 * registerGraph as the inline program of our StackManager.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { AuthItem } from "../../compiler/auth/types.js";
import type { VmStackOutput } from "../../compiler/graph/types.js";
import {
  lowerPlan,
  planDeployment,
  removeVms,
  setDesiredPower,
  type DeploymentPlan,
} from "../../compiler/plan/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraph } from "../../runtime/register.js";
import { StackManager } from "../../stacks/stack-manager.js";
import { deploy, doc, network, system } from "../compiler/plan-support.js";

let manager: StackManager;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "radl-dummy-engine-"));
  manager = await StackManager.open({ dataDir, passphrase: "test-passphrase" });
});

after(async () => {
  await manager?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const drivers = driverRegistry();
const auth: AuthItem[] = [{ type: "InfrastructureManager", username: "u", password: "p" }, { type: "Dummy" }];
const document = doc({
  networks: [network("public", { outbound: "yes" })],
  systems: [system("front", { "net_interface.0.connection": "public" })],
  deploys: [deploy("front", 3)],
});
const program = (plan: DeploymentPlan) => () => registerGraph(lowerPlan(plan, drivers));

interface ResourceState {
  urn: string;
  id: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

async function servers(stack: string): Promise<Map<string, ResourceState>> {
  const state = await manager.exportState(stack);
  const resources = (state.deployment.resources ?? []) as ResourceState[];
  return new Map(
    resources
      .filter((r) => r.type === "command:local:Command")
      // what identifies the resource and what it produced; not the SDK's recorded stack trace,
      // which differs between two runs of the same program
      .map(({ urn, id, type, inputs, outputs }) => [
        urn.split("::").pop()!,
        { urn, id, type, inputs, outputs },
      ]),
  );
}

test(
  "Dummy lifecycle: 3 VMs, +2, -1, stop one, destroy; untouched VMs keep URN, id and outputs",
  { timeout: 300_000 },
  async () => {
    const stack = "inf-dummy-engine";
    let plan = await planDeployment({ infId: stack, document, auth, drivers });
    const first = await manager.up(stack, program(plan));
    assert.equal(first.summary.result, "succeeded");
    assert.equal(first.summary.resourceChanges?.create, 7, "stack + 3 components + 3 commands");
    const vms1 = first.outputs.vms!.value as Record<string, VmStackOutput>;
    assert.deepEqual(Object.keys(vms1), ["0", "1", "2"]);
    assert.equal(vms1["1"]!.instanceId, `dummy-${stack}-1`);
    assert.equal(first.outputs.vmSecrets!.secret, true);
    const before = await servers(stack);
    assert.deepEqual(JSON.parse(String(before.get("vm-1-server")!.outputs.stdout)), {
      id: `dummy-${stack}-1`,
      ip: "10.0.0.1",
      state: "running",
      cpu: "1",
      memory: "512M",
    });
    assert.match(
      before.get("vm-1-server")!.urn,
      /::im:index:VirtualMachine\$command:local:Command::vm-1-server$/,
    );

    plan = await planDeployment({
      infId: stack,
      previous: plan,
      document,
      auth,
      drivers,
      deploys: [deploy("front", 2)],
    });
    plan = removeVms(plan, [0]);
    const second = await manager.up(stack, program(plan));
    assert.deepEqual(second.summary.resourceChanges, { create: 4, delete: 2, same: 5 });
    const vms2 = second.outputs.vms!.value as Record<string, VmStackOutput>;
    assert.deepEqual(Object.keys(vms2), ["1", "2", "3", "4"]);
    assert.deepEqual(vms2["1"], vms1["1"]);
    assert.deepEqual(vms2["2"], vms1["2"]);
    const after2 = await servers(stack);
    for (const name of ["vm-1-server", "vm-2-server"]) {
      assert.deepEqual(after2.get(name), before.get(name), `${name} untouched`);
    }
    assert.equal(after2.has("vm-0-server"), false);

    const preview = await manager.preview(stack, program(plan));
    assert.deepEqual(preview.changeSummary, { same: 9 });

    plan = setDesiredPower(plan, [2], "stopped");
    const third = await manager.up(stack, program(plan));
    assert.deepEqual(third.summary.resourceChanges, { same: 8, update: 1 }, "stop is an in-place update");
    const after3 = await servers(stack);
    assert.equal(after3.get("vm-2-server")!.id, after2.get("vm-2-server")!.id);
    assert.equal(JSON.parse(String(after3.get("vm-2-server")!.outputs.stdout)).state, "stopped");
    assert.equal((third.outputs.vms!.value as Record<string, VmStackOutput>)["2"]!.desiredPower, "stopped");

    await manager.destroy(stack, { remove: true });
    assert.equal(await manager.stackExists(stack), false);
  },
);
