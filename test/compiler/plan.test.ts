import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { SystemSec } from "../../compiler/ir.js";
import { DeployCloudConflictError } from "../../compiler/deploy-groups.js";
import { numberFeature } from "../../compiler/features.js";
import {
  NoConcreteSystemError,
  NoUsernameError,
  TooManyVmsError,
  UnknownCloudIdError,
  UnknownSystemError,
  UnknownVmError,
  UnsupportedCloudError,
  cloneSystem,
  cloudKeyOf,
  driverLookup,
  liveVms,
  lowerPlan,
  planDeployment,
  planFromJson,
  planToJson,
  removeVms,
  resizeVm,
  setDesiredPower,
  setStringFeature,
  stringFeature,
  type CloudSlice,
  type Concretized,
  type ConcretizeContext,
  type DeploymentPlan,
  type Driver,
  type DriverLookup,
  type JsonValue,
  type LoweredCloud,
  type PlannedVm,
  type PlanVmContext,
} from "../../compiler/plan/index.js";
import { DeployedNodeDriver } from "../../providers/deployed/index.js";
import { DummyDriver } from "../../providers/dummy/index.js";
import { deploy, doc, network, seededRandom, system, withSoft } from "./plan-support.js";

/** A cloud that takes only fake:// images, scores a 'fast' soft preference, and names VMs randomly (D1). */
class FakeCloudDriver implements Driver {
  readonly type = "FakeCloud";
  readonly capabilities = {
    start: true,
    stop: true,
    reboot: false,
    alter: false,
    snapshot: false,
    listImages: false,
    quotas: false,
  };
  constructor(
    readonly maxVmsPerSystemValue?: number,
    private readonly defaultUser = true,
  ) {
    if (maxVmsPerSystemValue !== undefined)
      (this.capabilities as { maxVmsPerSystem?: number }).maxVmsPerSystem = maxVmsPerSystemValue;
  }
  calls = 0;
  matchesImage(url: string | undefined): boolean {
    return url !== undefined && url.startsWith("fake://");
  }
  async cloudIdentity(cloud: CloudRef, auth: AuthItem): Promise<string> {
    return `${cloud.host}|${auth.username}`;
  }
  async concretize(sys: SystemSec, _ctx: ConcretizeContext): Promise<Concretized> {
    this.calls++;
    const c = cloneSystem(sys);
    setStringFeature(c.features, "instance_type", "fake.small");
    if (this.defaultUser && stringFeature(c.features, "disk.0.os.credentials.username") === undefined) {
      setStringFeature(c.features, "disk.0.os.credentials.username", "cloudadm");
    }
    return { system: c, score: stringFeature(sys.features, "prefer") === "fake" ? 10000 : 0 };
  }
  async planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>> {
    return { name: `${vm.system}-${Buffer.from(ctx.random.bytes(4)).toString("hex")}` };
  }
  lower(slice: CloudSlice): LoweredCloud {
    return {
      nodes: slice.vms.map((vm) => ({
        id: `vm-${vm.id}`,
        type: "im:index:VirtualMachine",
        name: `vm-${vm.id}`,
        args: {},
      })),
      vms: [],
    };
  }
}

function drivers(...extra: Driver[]): DriverLookup {
  return driverLookup([new DummyDriver(), new DeployedNodeDriver(), new FakeCloudDriver(), ...extra]);
}

const IM: AuthItem = { type: "InfrastructureManager", username: "u", password: "p" };
const FAKE: AuthItem = {
  id: "fake",
  type: "FakeCloud",
  host: "https://fake.example.org:8774",
  username: "alice",
};
const DUMMY: AuthItem = { id: "dummy", type: "Dummy" };

const front = (extra: Record<string, string> = {}) =>
  system("front", { "net_interface.0.connection": "public", "disk.0.image.url": "fake://img/1", ...extra });
const wn = (extra: Record<string, string> = {}) =>
  system("wn", { "net_interface.0.connection": "private", "disk.0.image.url": "one://host/3", ...extra });
const nets = [network("public", { outbound: "yes" }), network("private")];

test("a deploy with a cloud id goes to that cloud; without, to the first auth item that can take the system", async () => {
  const document = doc({
    networks: nets,
    systems: [front()],
    deploys: [deploy("front", 1, "dummy"), deploy("front", 1)],
  });
  const plan = await planDeployment({
    infId: "inf1",
    document,
    auth: [IM, FAKE, DUMMY],
    drivers: drivers(),
    random: seededRandom(),
  });
  assert.deepEqual(
    plan.vms.map((v) => [v.id, v.connector]),
    [
      [0, "Dummy"],
      [1, "FakeCloud"],
    ],
  );
  const fakeCloud = plan.clouds.find((c) => c.type === "FakeCloud")!;
  assert.equal(fakeCloud.cloudKey, cloudKeyOf("FakeCloud", "https://fake.example.org:8774|alice"));
  assert.match(fakeCloud.cloudKey, /^FakeCloud-[0-9a-f]{10}$/);
  assert.equal(fakeCloud.server, "fake.example.org");
  assert.equal(JSON.stringify(plan.clouds).includes("alice"), false, "no credentials in the plan");

  const other = await planDeployment({
    infId: "inf1",
    document: doc({ networks: nets, systems: [wn()], deploys: [deploy("wn", 1)] }),
    auth: [IM, FAKE, DUMMY],
    drivers: drivers(),
  });
  assert.equal(other.vms[0]!.connector, "Dummy", "FakeCloud refuses one:// images");
});

test("the cloud with the higher soft score wins over auth order", async () => {
  const document = doc({
    networks: nets,
    systems: [front({ prefer: "fake" })],
    deploys: [deploy("front", 2)],
  });
  const plan = await planDeployment({ infId: "i", document, auth: [DUMMY, FAKE], drivers: drivers() });
  assert.deepEqual(
    plan.vms.map((v) => v.connector),
    ["FakeCloud", "FakeCloud"],
  );
  const equal = await planDeployment({
    infId: "i",
    document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 1)] }),
    auth: [DUMMY, FAKE],
    drivers: drivers(),
  });
  assert.equal(equal.vms[0]!.connector, "Dummy", "ties go to the first auth item");
});

test("soft blocks: applied by weight when they merge without conflict, scored, then dropped; IM defaults added", async () => {
  const sys = withSoft(withSoft(front(), 10, { "provider.type": "FakeCloud" }), 5, {
    "memory.size": [2, "G"],
  });
  const document = doc({ networks: nets, systems: [sys], deploys: [deploy("front", 1)] });
  const plan = await planDeployment({ infId: "i", document, auth: [DUMMY, FAKE], drivers: drivers() });
  const vm = plan.vms[0]!;
  assert.equal(
    vm.connector,
    "FakeCloud",
    "Dummy's provider.type conflicts with the heavier soft block, FakeCloud's does not",
  );
  const fs = vm.concrete.features;
  assert.equal(stringFeature(fs, "provider.type"), "FakeCloud");
  assert.equal(numberFeature(fs, "memory.size", "G"), 2, "the lighter block applied too");
  assert.equal(numberFeature(fs, "cpu.count"), 1, "IM default cpu.count >= 1");
  assert.equal(stringFeature(fs, "cpu.arch"), "x86_64");
  assert.equal(fs.softs.length, 0);
  assert.equal(document.systems[0]!.features.softs.length, 2, "the RADL keeps its soft blocks");
});

test("deploys sharing a private network go to one cloud that can take all of them", async () => {
  const document = doc({
    networks: nets,
    systems: [front({ "net_interface.1.connection": "private" }), wn()],
    deploys: [deploy("front", 1), deploy("wn", 2)],
  });
  const plan = await planDeployment({ infId: "i", document, auth: [FAKE, DUMMY], drivers: drivers() });
  assert.deepEqual(
    plan.vms.map((v) => [v.id, v.system, v.connector]),
    [
      [0, "front", "Dummy"],
      [1, "wn", "Dummy"],
      [2, "wn", "Dummy"],
    ],
  );
  // Later VMs on that private network stay in the cloud it is bound to.
  const later = await planDeployment({
    infId: "i",
    previous: plan,
    document: doc({
      networks: nets,
      systems: [front({ "net_interface.1.connection": "private" }), wn()],
      deploys: [deploy("front", 1)],
    }),
    auth: [FAKE, DUMMY],
    drivers: drivers(),
  });
  assert.equal(later.vms[3]!.connector, "Dummy");
});

test("typed errors: unknown cloud id, unsupported types, conflicting clouds, no username, unknown system, too many VMs", async () => {
  const base = { infId: "i", drivers: drivers() };
  await assert.rejects(
    planDeployment({
      ...base,
      document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 1, "nope")] }),
      auth: [DUMMY],
    }),
    (e: unknown) => e instanceof UnknownCloudIdError && e.message === "No auth data for cloud with ID: nope",
  );
  await assert.rejects(
    planDeployment({
      ...base,
      document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 1, "g")] }),
      auth: [{ id: "g", type: "GCE" }],
    }),
    (e: unknown) =>
      e instanceof UnsupportedCloudError &&
      e.message === "Cloud provider not supported: GCE (no Pulumi lowering is available for this connector)",
  );
  await assert.rejects(
    planDeployment({
      ...base,
      document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 1)] }),
      auth: [IM, { type: "Martian" }],
    }),
    (e: unknown) =>
      e instanceof UnsupportedCloudError && e.message === "Cloud provider not supported: Martian",
  );
  await assert.rejects(
    planDeployment({
      ...base,
      document: doc({
        networks: nets,
        systems: [front({ "net_interface.1.connection": "private" }), wn()],
        deploys: [deploy("front", 1, "fake"), deploy("wn", 1, "dummy")],
      }),
      auth: [FAKE, DUMMY],
    }),
    DeployCloudConflictError,
  );
  await assert.rejects(
    planDeployment({
      ...base,
      document: doc({ networks: nets, systems: [wn()], deploys: [deploy("wn", 1, "fake")] }),
      auth: [FAKE],
    }),
    (e: unknown) =>
      e instanceof NoConcreteSystemError && /no concrete system to deploy: wn in cloud: fake/.test(e.message),
  );
  await assert.rejects(
    planDeployment({
      infId: "i",
      drivers: driverLookup([new FakeCloudDriver(undefined, false)]),
      document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 1)] }),
      auth: [FAKE],
    }),
    (e: unknown) => e instanceof NoUsernameError && e.message === "No username for deploy: front",
  );
  await assert.rejects(
    planDeployment({ ...base, document: doc({ deploys: [deploy("ghost", 1)] }), auth: [DUMMY] }),
    UnknownSystemError,
  );
  await assert.rejects(
    planDeployment({
      infId: "i",
      drivers: driverLookup([new FakeCloudDriver(1)]),
      document: doc({ networks: nets, systems: [front()], deploys: [deploy("front", 2)] }),
      auth: [FAKE],
    }),
    (e: unknown) =>
      e instanceof TooManyVmsError &&
      /supports only one VM per system \(requested 2 of 'front'\)/.test(e.message),
  );
});

test("counts expand into VMs numbered in deploy order; ids are never reused after remove + add", async () => {
  const document = doc({
    networks: nets,
    systems: [front(), wn()],
    deploys: [deploy("front", 1), deploy("wn", 2), deploy("front", 0)],
  });
  const p1 = await planDeployment({ infId: "i", document, auth: [DUMMY], drivers: drivers() });
  assert.deepEqual(
    p1.vms.map((v) => `${v.id}:${v.system}`),
    ["0:front", "1:wn", "2:wn"],
  );
  const p2 = removeVms(p1, [1]);
  assert.equal(p1.vms[1]!.removed, undefined, "removeVms does not mutate its input");
  assert.throws(() => removeVms(p2, [1]), UnknownVmError);
  assert.throws(() => removeVms(p2, [7]), /Invalid VM ID: 7/);
  const p3 = await planDeployment({
    infId: "i",
    previous: p2,
    document,
    auth: [DUMMY],
    drivers: drivers(),
    deploys: [deploy("wn", 2)],
  });
  assert.deepEqual(
    liveVms(p3).map((v) => v.id),
    [0, 2, 3, 4],
  );
  assert.equal(p3.nextVmId, 5);
  const p4 = await planDeployment({
    infId: "i",
    previous: removeVms(p3, [4]),
    document,
    auth: [DUMMY],
    drivers: drivers(),
    deploys: [deploy("front", 1)],
  });
  assert.deepEqual(
    p4.vms.map((v) => [v.id, v.removed ?? false]),
    [
      [0, false],
      [1, true],
      [2, false],
      [3, false],
      [4, true],
      [5, false],
    ],
  );
  const graph = lowerPlan(p4, drivers());
  assert.deepEqual(Object.keys(graph.outputs.vms).sort(), ["0", "2", "3", "5"]);
  assert.ok(!graph.nodes.some((n) => n.id.startsWith("vm-1") || n.id.startsWith("vm-4")));
});

test("D1: choices are made once; re-planning keeps every existing VM and cloud exactly", async () => {
  const document = doc({
    networks: nets,
    systems: [front(), wn()],
    deploys: [deploy("front", 2), deploy("wn", 1)],
  });
  const fake = new FakeCloudDriver();
  const lookup = driverLookup([fake, new DummyDriver()]);
  const p1 = await planDeployment({
    infId: "i",
    document,
    auth: [FAKE, DUMMY],
    drivers: lookup,
    random: seededRandom(7),
  });
  const names = p1.vms.filter((v) => v.connector === "FakeCloud").map((v) => v.decisions.name);
  assert.equal(new Set(names).size, 2, "random names differ between VMs");

  const callsBefore = fake.calls;
  const again = await planDeployment({
    infId: "i",
    previous: p1,
    document,
    auth: [FAKE, DUMMY],
    drivers: lookup,
    deploys: [],
  });
  assert.equal(planToJson(again), planToJson(p1), "nothing to add: the plan is unchanged");
  assert.equal(fake.calls, callsBefore, "existing VMs are not concretized again");

  const grown = await planDeployment({
    infId: "i",
    previous: p1,
    document,
    auth: [FAKE, DUMMY],
    drivers: lookup,
    deploys: [deploy("front", 1)],
  });
  assert.deepEqual(grown.vms.slice(0, 3), p1.vms, "existing VMs are untouched when VMs are added");
  assert.deepEqual(
    grown.clouds.map((c) => c.cloudKey),
    p1.clouds.map((c) => c.cloudKey),
  );

  const same = await planDeployment({
    infId: "i",
    document,
    auth: [FAKE, DUMMY],
    drivers: lookup,
    random: seededRandom(7),
  });
  assert.equal(planToJson(same), planToJson(p1), "same inputs and seed: same plan");
  const other = await planDeployment({
    infId: "i",
    document,
    auth: [FAKE, DUMMY],
    drivers: lookup,
    random: seededRandom(8),
  });
  assert.notEqual(planToJson(other), planToJson(p1), "the random source is really used");
});

test("converge mode adds missing VMs and removes surplus ones, highest ids first", async () => {
  const mk = (n: number) =>
    doc({ networks: nets, systems: [front(), wn()], deploys: [deploy("front", 1), deploy("wn", n)] });
  const base = { infId: "i", auth: [DUMMY], drivers: drivers(), mode: "converge" as const };
  const p1 = await planDeployment({ ...base, document: mk(3) });
  assert.deepEqual(
    liveVms(p1).map((v) => v.id),
    [0, 1, 2, 3],
  );
  const same = await planDeployment({ ...base, document: mk(3), previous: p1 });
  assert.equal(planToJson(same), planToJson(p1));
  const fewer = await planDeployment({ ...base, document: mk(1), previous: p1 });
  assert.deepEqual(
    liveVms(fewer).map((v) => v.id),
    [0, 1],
  );
  const more = await planDeployment({ ...base, document: mk(3), previous: fewer });
  assert.deepEqual(
    liveVms(more).map((v) => v.id),
    [0, 1, 4, 5],
  );
});

test("plans round-trip through their JSON form, Maps included", async () => {
  const document = doc({
    networks: nets,
    systems: [front(), wn()],
    deploys: [deploy("front", 1), deploy("wn", 1)],
  });
  const plan: DeploymentPlan = await planDeployment({
    infId: "i",
    document,
    auth: [FAKE, DUMMY],
    drivers: drivers(),
    random: seededRandom(),
  });
  const back = planFromJson(planToJson(plan));
  assert.deepEqual(back, plan);
  assert.ok(back.vms[0]!.concrete.features.features instanceof Map);
  assert.throws(() => planFromJson("{"), /stored plan is not JSON/);
  assert.throws(() => planFromJson('{"version": 9}'), /unknown shape/);
});

test("desired power is stored per VM and reaches the lowering", async () => {
  const document = doc({ networks: nets, systems: [front()], deploys: [deploy("front", 2)] });
  const plan = setDesiredPower(
    await planDeployment({ infId: "i", document, auth: [DUMMY], drivers: drivers() }),
    [1],
    "stopped",
  );
  const graph = lowerPlan(plan, drivers());
  assert.equal(graph.outputs.vms["1"]!.desiredPower, "stopped");
  assert.equal(graph.outputs.vms["0"]!.desiredPower, "running");
  const env = graph.nodes.find((n) => n.id === "vm-1-server")!.args.environment as Record<string, string>;
  assert.equal(env.IM_VM_STATE, "stopped");
});

test("lowering calls the contextualizer with every live VM and validates the result", async () => {
  const document = doc({
    networks: nets,
    systems: [front(), wn()],
    deploys: [deploy("front", 1), deploy("wn", 1)],
  });
  const plan = await planDeployment({ infId: "i", document, auth: [DUMMY], drivers: drivers() });
  let seen: number[] = [];
  const graph = lowerPlan(plan, drivers(), {
    contextualizer: {
      lower: ({ vms }) => {
        seen = vms.map((v) => v.vm.id);
        return {
          nodes: vms.map((v) => ({
            id: `ctxt-vm${v.vm.id}-basic`,
            type: "command:remote:Command",
            name: `ctxt-vm${v.vm.id}-basic`,
            args: { create: `echo ${v.vm.id}` },
            options: { dependsOn: v.readyNodeIds },
          })),
          outputs: { generation: 1 },
        };
      },
    },
  });
  assert.deepEqual(seen, [0, 1]);
  assert.equal(graph.outputs.extra?.generation, 1);
  assert.ok(graph.nodes.some((n) => n.id === "ctxt-vm1-basic"));
  assert.throws(
    () =>
      lowerPlan(plan, drivers(), {
        contextualizer: {
          lower: () => ({
            nodes: [
              {
                id: "x",
                type: "command:remote:Command",
                name: "x",
                args: {},
                options: { dependsOn: ["vm-9"] },
              },
            ],
          }),
        },
      }),
    /refers to missing node 'vm-9'/,
  );
  assert.throws(() => lowerPlan(plan, driverLookup([])), /no driver is registered for connector 'Dummy'/);
});

test("AlterVM resize replaces only the resize features of one VM, and nothing when none is given", async () => {
  const document = doc({ networks: nets, systems: [front()], deploys: [deploy("front", 2)] });
  const plan = await planDeployment({ infId: "i", document, auth: [DUMMY], drivers: drivers() });
  const same = resizeVm(plan, 1, system("front", { "disk.0.image.url": "other://x" }));
  assert.equal(same.changed, false);
  assert.equal(same.plan, plan);
  const { plan: resized, changed } = resizeVm(
    plan,
    1,
    system("front", { "cpu.count": 4, "memory.size": [8, "G"] }),
  );
  assert.equal(changed, true);
  assert.equal(numberFeature(resized.vms[1]!.concrete.features, "cpu.count"), 4);
  assert.equal(numberFeature(resized.vms[1]!.concrete.features, "memory.size", "G"), 8);
  assert.equal(numberFeature(resized.vms[0]!.concrete.features, "cpu.count"), 1, "other VMs keep their size");
  assert.equal(
    numberFeature(plan.vms[1]!.concrete.features, "cpu.count"),
    1,
    "the input plan is not mutated",
  );
  const env = lowerPlan(resized, drivers()).nodes.find((n) => n.id === "vm-1-server")!.args
    .environment as Record<string, string>;
  assert.deepEqual([env.IM_VM_CPU, env.IM_VM_MEMORY], ["4", "8G"]);
  assert.throws(() => resizeVm(plan, 9, system("front", { "cpu.count": 2 })), UnknownVmError);
});
