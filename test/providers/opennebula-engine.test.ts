/**
 * The OpenNebula driver through the real engine (providers.md §11.4): plan → lowerPlan →
 * registerGraph as the inline program of our StackManager; the engine's dynamic-provider host runs
 * our serialised provider against the fake OpenNebula server, which must see allocate, then
 * terminate.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { VmStackOutput } from "../../compiler/graph/types.js";
import { lowerPlan } from "../../compiler/plan/index.js";
import { driverRegistry } from "../../providers/registry.js";
import type { StackManager } from "../../stacks/stack-manager.js";
import { startFakeOne, type FakeOne } from "../support/opennebula-fake.js";
import { onePlan } from "../support/opennebula-plan.js";
import { openManager, tempDataDir } from "../stacks/support.js";

let manager: StackManager;
let cleanup: () => Promise<void>;
let one: FakeOne;

before(async () => {
  one = await startFakeOne();
  const temp = await tempDataDir("radl-one-engine-");
  cleanup = temp.cleanup;
  manager = await openManager(temp.dir);
});

after(async () => {
  await manager?.close();
  await one?.close();
  await cleanup?.();
});

const RADL = (host: string) => `
network publica (outbound = 'yes' and outports = '8080')
network privada ()
system front (
  cpu.count = 2 and
  memory.size = 1G and
  net_interface.0.connection = 'publica' and
  net_interface.1.connection = 'privada' and
  disk.0.image.url = 'one://${host}/7'
)
deploy front 1
`;

test(
  "up creates the VM and its group through the dynamic provider; destroy terminates both",
  { timeout: 240_000 },
  async () => {
    const { plan, auth, driver } = await onePlan({
      radl: RADL("127.0.0.1"),
      auth: `id = one; type = OpenNebula; host = 127.0.0.1:${one.port}; username = oneadmin; password = onepass`,
      catalog: null,
      infId: "inf-one-engine",
    });
    const graph = lowerPlan(plan, driverRegistry([driver]), { auth });
    // fast polling for the fake (the default is every 2 s)
    for (const n of graph.nodes)
      if (n.type === "pulumi-nodejs:dynamic/one:VirtualMachine") n.args.pollSeconds = 0.2;

    const up = await manager.upGraph("inf-one-engine", graph);
    assert.equal(up.summary.result, "succeeded");
    const methods = one.calls.map((c) => (c.method === "one.vm.action" ? `action:${c.params[1]}` : c.method));
    assert.ok(methods.includes("one.secgroup.allocate"));
    assert.ok(
      methods.indexOf("one.vm.allocate") > methods.indexOf("one.secgroup.allocate"),
      "the group first",
    );
    const vm = [...one.vms.values()][0]!;
    assert.equal(vm.state, 3);
    assert.equal(vm.cpu, 2);
    assert.equal(vm.memory, 1000);
    const vms = up.outputs.vms!.value as Record<string, VmStackOutput>;
    assert.equal(vms["0"]!.instanceId, String(vm.id));
    assert.deepEqual(
      vms["0"]!.nics.map((n) => [n.radlNet, n.ip]),
      [
        ["publica", vm.nics[0]!.ip],
        ["privada", vm.nics[1]!.ip],
      ],
    );
    assert.equal(vms["0"]!.ssh.host, vm.nics[0]!.ip);

    const state = await manager.exportState("inf-one-engine");
    // every copy of the session (inputs and outputs of both resources) is a secret value
    const secretSig = "4dabf18193072939515e22adb298388d";
    const text = JSON.stringify(state, (_k, v: unknown) =>
      v !== null && typeof v === "object" && secretSig in v ? "[secret]" : v,
    );
    assert.ok(JSON.stringify(state).includes("oneadmin:onepass"));
    const leak = text.indexOf("onepass");
    assert.equal(leak, -1, `a session outside a secret: ${text.slice(Math.max(0, leak - 300), leak + 50)}`);

    // the same graph again: our diff reports nothing, so nothing is touched
    const before = one.calls.length;
    const again = await manager.upGraph("inf-one-engine", graph);
    assert.equal(again.summary.result, "succeeded");
    assert.deepEqual(
      Object.keys(again.summary.resourceChanges ?? {}).filter((k) => k !== "same"),
      [],
      JSON.stringify(again.summary.resourceChanges),
    );
    assert.ok(
      one.calls.slice(before).every((c) => c.method === "one.vm.info"),
      "an unchanged up makes no changing call",
    );

    // a resize is an in-place update (poweroff, resize, resume), never a replacement
    const resized = structuredClone(graph);
    const server = resized.nodes.find((n) => n.id === "vm-0-server")!;
    Object.assign(server.args, { cpu: 4, vcpu: 4, memoryMb: 4096 });
    const mark = one.calls.length;
    const third = await manager.upGraph("inf-one-engine", resized);
    assert.equal(third.summary.result, "succeeded");
    assert.equal(third.summary.resourceChanges?.update, 1, JSON.stringify(third.summary.resourceChanges));
    const changing = one.calls
      .slice(mark)
      .filter((c) => c.method !== "one.vm.info")
      .map((c) => (c.method === "one.vm.action" ? `action:${c.params[1]}` : c.method));
    assert.deepEqual(changing, ["action:poweroff", "one.vm.resize", "action:resume"]);
    assert.deepEqual([vm.cpu, vm.memory, vm.state], [4, 4096, 3]);

    const destroyed = await manager.destroy("inf-one-engine");
    assert.equal(destroyed.result, "succeeded");
    const after = one.calls.map((c) => (c.method === "one.vm.action" ? `action:${c.params[1]}` : c.method));
    assert.ok(after.includes("action:terminate-hard"));
    assert.ok(after.indexOf("one.secgroup.delete") > after.indexOf("action:terminate-hard"), "the VM first");
    assert.equal(vm.state, 6);
    assert.equal(one.securityGroups.size, 0);
  },
);
