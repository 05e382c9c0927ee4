/**
 * The driver's own API calls against the fake OpenNebula server (providers.md §6.4): read-back to
 * VmFacts (state map, IPs with their RADL network), reboot/start/stop, listImages, quotas, and the
 * errors for bad credentials, an unreachable endpoint and a VM that was never created.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ActContext } from "../../compiler/plan/driver.js";
import type { DeploymentPlan, PlannedVm } from "../../compiler/plan/types.js";
import { OneApiError } from "../../providers/opennebula/errors.js";
import { OpenNebulaDriver } from "../../providers/opennebula/index.js";
import { oneVmProvider, type OneVmInputs } from "../../runtime/dynamic/opennebula.js";
import { startFakeOne, unreachableEndpoint, type FakeOne } from "../support/opennebula-fake.js";
import { onePlan } from "../support/opennebula-plan.js";

let one: FakeOne;
let plan: DeploymentPlan;
let driver: OpenNebulaDriver;
let ctx: ActContext;
let vm: PlannedVm;

const RADL = (host: string) => `
network publica (outbound = 'yes')
network privada ()
system front (
  net_interface.0.connection = 'privada' and
  net_interface.1.connection = 'publica' and
  disk.0.image.url = 'one://${host}/7'
)
deploy front 1
`;

before(async () => {
  one = await startFakeOne();
  const planned = await onePlan({
    radl: RADL("127.0.0.1"),
    auth: `id = one; type = OpenNebula; host = 127.0.0.1:${one.port}; username = oneadmin; password = onepass`,
    catalog: null,
  });
  ({ plan, driver } = planned);
  ctx = { cloud: plan.clouds[0]!, auth: planned.auth[0]! };
  // create the VM as the engine would, then record its id the way the core does
  const { id } = await oneVmProvider.create({
    endpoint: one.endpoint,
    session: "oneadmin:onepass",
    template: 'NAME = front\nNIC = [ NETWORK_ID = "0" ]\nNIC = [ NETWORK_ID = "1" ]\n',
    cpu: 1,
    vcpu: 1,
    memoryMb: 512,
    extraDisks: [],
    desiredState: "running",
    pollSeconds: 0.01,
  } satisfies OneVmInputs);
  vm = { ...plan.vms[0]!, decisions: { ...plan.vms[0]!.decisions, instanceId: id } };
});
after(() => one.close());

test("readBack maps the VM to facts: state, name, sizes, each IP on its RADL network", async () => {
  const facts = await driver.readBack(vm, ctx);
  const live = one.vms.get(Number(vm.decisions.instanceId))!;
  assert.equal(facts.state, "running");
  assert.equal(facts.instanceId, String(live.id));
  assert.equal(facts.instanceName, "front");
  assert.deepEqual(facts.size, { cpu: 1, memMB: 512 });
  assert.deepEqual(facts.ips, [
    { ip: live.nics[0]!.ip, kind: "fixed", radlNet: "publica" },
    { ip: live.nics[1]!.ip, kind: "fixed", radlNet: "privada" },
  ]);
  assert.equal(facts.extra?.launchTime, 1700000000);
});

test("stop, start and reboot are one.vm.action calls; read-back follows the state", async () => {
  const actions = () =>
    one.calls.filter((c) => c.method === "one.vm.action").map((c) => [c.params[1], c.params[2]]);
  const id = Number(vm.decisions.instanceId);
  await driver.stop(vm, ctx);
  assert.equal((await driver.readBack(vm, ctx)).state, "stopped");
  await driver.start(vm, ctx);
  assert.equal((await driver.readBack(vm, ctx)).state, "running");
  await driver.reboot(vm, ctx);
  assert.deepEqual(actions().slice(-3), [
    ["suspend", id],
    ["resume", id],
    ["reboot-hard", id],
  ]);
  one.vms.get(id)!.state = 7;
  one.vms.get(id)!.error = "host went away";
  const failed = await driver.readBack(vm, ctx);
  assert.deepEqual([failed.state, failed.extra?.error], ["failed", "host went away"]);
  one.vms.get(id)!.state = 3;
});

test("listImages keeps READY and USED images as one:// URLs and filters by distribution", async () => {
  assert.deepEqual(await driver.listImages({}, ctx), [
    { uri: "one://127.0.0.1/7", name: "ubuntu-22.04" },
    { uri: "one://127.0.0.1/8", name: "centos-7" },
  ]);
  assert.deepEqual(await driver.listImages({ distribution: "Ubuntu", version: "22" }, ctx), [
    { uri: "one://127.0.0.1/7", name: "ubuntu-22.04" },
  ]);
  const call = one.calls.filter((c) => c.method === "one.imagepool.info").at(-1)!;
  assert.deepEqual(call.params.slice(1), [-2, -1, -1]);
});

test("quotas come from one.user.info(-1): cores, ram in GB, instances, unlimited as -1", async () => {
  assert.deepEqual(await driver.quotas(ctx), {
    cores: { used: 2, limit: 8 },
    ram: { used: 1, limit: 8 },
    instances: { used: 1, limit: -1 },
    security_groups: { used: 0, limit: -1 },
    floating_ips: { used: 1, limit: 5 },
  });
  const bothPublic = {
    ...ctx,
    cloud: {
      ...ctx.cloud,
      decisions: {
        networks: [
          { id: "0", name: "public", public: true },
          { id: "1", name: "private", public: true },
        ],
      },
    },
  };
  assert.deepEqual(
    (await driver.quotas(bothPublic)).floating_ips,
    { used: 2, limit: 10 },
    "public leases summed",
  );
  const vnpool = one.calls.filter((c) => c.method === "one.vnpool.info").length;
  const undiscovered = { ...ctx, cloud: { ...ctx.cloud, decisions: {} } };
  assert.deepEqual((await driver.quotas(undiscovered)).floating_ips, { used: 1, limit: 5 });
  assert.equal(
    one.calls.filter((c) => c.method === "one.vnpool.info").length,
    vnpool + 1,
    "networks discovered",
  );
});

test("bad credentials, an unreachable endpoint and a VM without id give clear typed errors", async () => {
  const bad = { ...ctx, auth: { ...ctx.auth, password: "nope" } };
  await assert.rejects(
    driver.readBack(vm, bad),
    (e: unknown) =>
      e instanceof OneApiError &&
      e.code === "E-ONE-AUTH" &&
      e.message.includes("rejected the credentials (one.vm.info)") &&
      !e.message.includes("nope"),
  );
  const nowhere = new URL(await unreachableEndpoint());
  const away = { ...ctx, cloud: { ...ctx.cloud, port: Number(nowhere.port) } };
  await assert.rejects(
    driver.quotas(away),
    (e: unknown) =>
      e instanceof OneApiError && e.code === "E-ONE-UNREACHABLE" && /ECONNREFUSED/.test(e.message),
  );
  await assert.rejects(
    driver.reboot({ ...vm, decisions: {} }, ctx),
    (e: unknown) => e instanceof OneApiError && e.code === "E-ONE-NO-VM-ID",
  );
  await assert.rejects(
    driver.listImages({}, { ...ctx, auth: { type: "OpenNebula", username: "x" } }),
    /No correct auth data has been specified to OpenNebula: username and password/,
  );
});
