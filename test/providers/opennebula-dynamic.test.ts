/**
 * The OpenNebula dynamic provider's CRUD functions called directly against the fake XML-RPC
 * server (providers.md §11.3), and its serialisation under Pulumi mocks (pulumi-engine.md §8).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  OneRpcError,
  OneSecurityGroup,
  OneVirtualMachine,
  oneCall,
  oneSecurityGroupProvider,
  oneVmProvider,
  parseXml,
  type OneVmInputs,
  type OneVmOutputs,
} from "../../runtime/dynamic/opennebula.js";
import { recordingMocks, valueOf } from "../runtime/mocks-support.js";
import {
  parseOneTemplate,
  startFakeOne,
  unreachableEndpoint,
  type FakeOne,
} from "../support/opennebula-fake.js";

process.on("unhandledRejection", (e) => {
  throw e;
});

let one: FakeOne;
before(async () => {
  one = await startFakeOne();
});
after(() => one.close());

function inputs(extra: Partial<OneVmInputs> = {}): OneVmInputs {
  return {
    endpoint: one.endpoint,
    session: "oneadmin:onepass",
    template:
      'NAME = front\nDISK = [ IMAGE_ID = "7" ]\nNIC = [ NETWORK_ID = "0" ]\nNIC = [ NETWORK_ID = "1" ]\n',
    cpu: 2,
    vcpu: 2,
    memoryMb: 2048,
    extraDisks: [],
    desiredState: "running",
    pollSeconds: 0.01,
    ...extra,
  };
}

test("create allocates the template with the sizes, waits for RUNNING and reports NICs and disks", async () => {
  const before = one.calls.length;
  const { id, outs } = await oneVmProvider.create(inputs());
  const vm = one.vms.get(Number(id))!;
  const attrs = parseOneTemplate(vm.template);
  assert.deepEqual(
    attrs.filter((a) => ["CPU", "VCPU", "MEMORY", "NAME"].includes(a.key)),
    [
      { key: "CPU", value: "2" },
      { key: "VCPU", value: "2" },
      { key: "MEMORY", value: "2048" },
      { key: "NAME", value: "front" },
    ],
  );
  const methods = one.calls.slice(before).map((c) => c.method);
  assert.equal(methods[0], "one.vm.allocate");
  assert.ok(methods.slice(1).every((m) => m === "one.vm.info") && methods.length >= 3, methods.join());
  const o = outs as OneVmOutputs;
  assert.equal(o.vmId, id);
  assert.equal(o.state, 3);
  assert.equal(o.lcmState, 3);
  assert.deepEqual(
    o.nics.map((n) => [n.network, n.ip?.startsWith(n.network === "public" ? "158.42.1." : "10.1.0.")]),
    [
      ["public", true],
      ["private", true],
    ],
  );
  assert.equal(
    o.session,
    "oneadmin:onepass",
    "delete and read need the session: it stays in the (secret) outputs",
  );
});

test("read reports the live state; delete terminates hard and tolerates a VM already gone", async () => {
  const { id, outs } = await oneVmProvider.create(inputs());
  one.vms.get(Number(id))!.state = 5;
  const read = await oneVmProvider.read!(id, outs);
  assert.equal((read.props as OneVmOutputs).state, 5);
  await oneVmProvider.delete!(id, outs);
  const last = one.calls.at(-1)!;
  assert.deepEqual([last.method, last.params.slice(1)], ["one.vm.action", ["terminate-hard", Number(id)]]);
  assert.equal(one.vms.get(Number(id))!.state, 6);
  await oneVmProvider.delete!(id, outs); // a second delete finds nothing and succeeds
  assert.deepEqual(
    await oneVmProvider.read!(id, outs),
    { id: "", props: {} },
    "a terminated VM reads as gone",
  );
  assert.deepEqual(
    await oneVmProvider.read!("999", outs),
    { id: "", props: {} },
    "an unknown VM reads as gone",
  );
});

test("diff: a template change replaces, sizes, disks, power and session update in place", async () => {
  const olds = { ...inputs(), vmId: "1" } as unknown as OneVmOutputs;
  const same = await oneVmProvider.diff!("1", olds, inputs());
  assert.equal(same.changes, false);
  const resized = await oneVmProvider.diff!("1", olds, inputs({ cpu: 4, session: "oneadmin:other" }));
  assert.deepEqual([resized.changes, resized.replaces], [true, []]);
  const rebuilt = await oneVmProvider.diff!("1", olds, inputs({ template: "NAME = other\n" }));
  assert.deepEqual(rebuilt.replaces, ["template"]);
});

test("update resizes (poweroff, resize, resume), attaches new disks and suspends on request", async () => {
  const { id, outs } = await oneVmProvider.create(inputs());
  const mark = one.calls.length;
  const news = inputs({
    cpu: 4,
    vcpu: 4,
    memoryMb: 4096,
    extraDisks: [{ sizeMb: 1024, target: "vdc" }],
    desiredState: "suspended",
  });
  const { outs: updated } = await oneVmProvider.update!(id, outs as OneVmOutputs, news);
  const methods = one.calls
    .slice(mark)
    .filter((c) => c.method !== "one.vm.info")
    .map((c) => (c.method === "one.vm.action" ? `action:${c.params[1]}` : c.method));
  assert.deepEqual(methods, [
    "action:poweroff",
    "one.vm.resize",
    "action:resume",
    "one.vm.attach",
    "action:suspend",
  ]);
  const vm = one.vms.get(Number(id))!;
  assert.deepEqual([vm.cpu, vm.memory, vm.state], [4, 4096, 5]);
  assert.ok((updated as OneVmOutputs).disks.some((d) => d.target === "vdc" && d.sizeMb === 1024));
});

test("a VM that fails while booting fails create with OpenNebula's error text", async () => {
  const failing = await startFakeOne({ failVmsWith: "Cannot dispatch VM: no host fits" });
  try {
    await assert.rejects(
      oneVmProvider.create({ ...inputs(), endpoint: failing.endpoint }),
      (e: unknown) =>
        e instanceof OneRpcError && e.code === "E-ONE-VM-FAILED" && /no host fits/.test(e.message),
    );
  } finally {
    await failing.close();
  }
});

test("bad credentials and an unreachable endpoint give clear typed errors without the session", async () => {
  await assert.rejects(
    oneVmProvider.create(inputs({ session: "oneadmin:wrong" })),
    (e: unknown) =>
      e instanceof OneRpcError &&
      e.code === "E-ONE-AUTH" &&
      e.message.includes(one.endpoint) &&
      e.message.includes("one.vm.allocate") &&
      !e.message.includes("wrong"),
  );
  const nowhere = await unreachableEndpoint();
  await assert.rejects(
    oneCall({ endpoint: nowhere, session: "a:secret-b" }, "one.vm.info", 1),
    (e: unknown) =>
      e instanceof OneRpcError &&
      e.code === "E-ONE-UNREACHABLE" &&
      e.message === `Cannot reach OpenNebula at ${nowhere} (one.vm.info): ECONNREFUSED` &&
      !e.message.includes("secret-b"),
  );
});

test("security groups: allocate with the rules, update in place, delete retries while in use", async () => {
  const sgInputs = {
    endpoint: one.endpoint,
    session: "oneadmin:onepass",
    name: "im-inf-public",
    rules: [{ protocol: "TCP" as const, range: "22:22" }, { protocol: "ICMP" as const }],
    deleteRetrySeconds: 0,
  };
  const { id } = await oneSecurityGroupProvider.create(sgInputs);
  const attrs = parseOneTemplate(one.securityGroups.get(Number(id))!.template);
  assert.deepEqual(attrs, [
    { key: "NAME", value: "im-inf-public" },
    { key: "RULE", value: { PROTOCOL: "TCP", RULE_TYPE: "inbound", RANGE: "22:22" } },
    { key: "RULE", value: { PROTOCOL: "ICMP", RULE_TYPE: "inbound" } },
  ]);
  const { id: vmId } = await oneVmProvider.create(
    inputs({ template: `NAME = x\nNIC = [ NETWORK_ID = "0", SECURITY_GROUPS = "${id}" ]\n` }),
  );
  await assert.rejects(oneSecurityGroupProvider.delete!(id, sgInputs), /in use/);
  await oneVmProvider.delete!(vmId, inputs() as OneVmOutputs);
  await oneSecurityGroupProvider.delete!(id, sgInputs);
  assert.equal(one.securityGroups.has(Number(id)), false);
});

test("the XML reader rejects malformed documents with a typed error", () => {
  assert.equal(parseXml("<A><B><![CDATA[x<y]]></B>&amp;</A>").children[0]!.children[0]!.text, "x<y");
  assert.throws(
    () => parseXml("<A><B></A>"),
    (e: unknown) => e instanceof OneRpcError && e.code === "E-ONE-XML",
  );
});

test("under mocks the resources register with a serialised provider and secret sessions", async () => {
  const regs = await recordingMocks("im", "one-dyn", (type) =>
    type === "pulumi-nodejs:dynamic/one:VirtualMachine"
      ? { vmId: "5", state: 3, nics: [{ network: "public", networkId: "0", ip: "158.42.1.10" }] }
      : { sgId: "100" },
  );
  const vm = new OneVirtualMachine("vm-0-server", {
    ...inputs(),
    session: pulumi.secret("oneadmin:onepass"),
  });
  new OneSecurityGroup("net-sg", {
    endpoint: one.endpoint,
    session: pulumi.secret("oneadmin:onepass"),
    name: "im-inf-public",
    rules: [{ protocol: "TCP", range: "22:22" }],
  });
  assert.equal(await valueOf(vm.nics.apply((n) => n[0]!.ip)), "158.42.1.10");
  await pulumi.runtime.disconnect();
  assert.deepEqual(regs.map((r) => [r.type, r.name]).sort(), [
    ["pulumi-nodejs:dynamic/one:SecurityGroup", "net-sg"],
    ["pulumi-nodejs:dynamic/one:VirtualMachine", "vm-0-server"],
  ]);
  for (const r of regs) {
    assert.equal(typeof r.inputs.__provider, "string", `${r.name}: __provider is serialised`);
    assert.ok((r.inputs.__provider as string).length > 1000);
    assert.ok(r.secretPaths.includes("session"), `${r.name}: the session is a secret input`);
    assert.deepEqual(r.additionalSecretOutputs, ["session"]);
    assert.ok(!(r.inputs.__provider as string).includes("onepass"), "no credential in the provider text");
  }
});
