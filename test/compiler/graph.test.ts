import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DanglingReferenceError,
  DuplicateNodeError,
  GraphCycleError,
  MalformedGraphError,
  UnknownTokenError,
  collectRefs,
  containsSecret,
  emptyGraph,
  interpolate,
  isRef,
  ref,
  secret,
  validateGraph,
  type GraphNode,
  type ResourceGraph,
} from "../../compiler/graph/index.js";
import { RadlPulumiError } from "../../compiler/errors.js";

function sampleGraph(): ResourceGraph {
  const g = emptyGraph();
  const nodes: GraphNode[] = [
    { id: "vm-0", type: "im:index:VirtualMachine", name: "vm-0", args: {} },
    {
      id: "vm-0-server",
      type: "command:local:Command",
      name: "vm-0-server",
      args: { create: "echo hi", environment: { PASS: secret("p") } },
      options: { parent: "vm-0", ignoreChanges: ["triggers"], additionalSecretOutputs: ["stdout"] },
    },
    {
      id: "ctxt-wait",
      type: "command:remote:Command",
      name: "ctxt-wait",
      args: {
        connection: { host: ref("vm-0-server", "stdout"), port: 22, user: "u", password: secret("p") },
        create: interpolate("echo ", ref("vm-0-server", "stdout"), " ", 3),
      },
      options: { dependsOn: ["vm-0"], deleteBeforeReplace: true, retainOnDelete: false, protect: false },
    },
  ];
  g.nodes.push(...nodes);
  g.outputs.vms["0"] = {
    cloudKey: "Dummy-0123456789",
    connector: "Dummy",
    instanceId: "dummy-0",
    physical: { server: ref("vm-0-server", "id") },
    name: "front",
    desiredPower: "running",
    nics: [{ radlNet: "publica", ip: "10.0.0.1", kind: "fixed" }],
    outports: [],
    ssh: { host: "10.0.0.1", port: 22, user: "username" },
  };
  g.outputs.vmSecrets["0"] = { password: secret("password") };
  return g;
}

test("a valid graph validates and is ordered so that dependencies come first", () => {
  const g = sampleGraph();
  g.nodes.reverse();
  const order = validateGraph(g).map((n) => n.id);
  assert.ok(order.indexOf("vm-0") < order.indexOf("vm-0-server"));
  assert.ok(order.indexOf("vm-0-server") < order.indexOf("ctxt-wait"));
  assert.equal(order.length, 3);
});

test("a graph round-trips through JSON unchanged", () => {
  const g = sampleGraph();
  const back = JSON.parse(JSON.stringify(g)) as ResourceGraph;
  assert.deepEqual(back, g);
  assert.deepEqual(validateGraph(back), validateGraph(g));
  assert.equal(JSON.stringify(back), JSON.stringify(g));
});

test("graphToJson/graphFromJson store a graph and refuse a broken one", async () => {
  const { graphFromJson, graphToJson } = await import("../../compiler/graph/index.js");
  const g = sampleGraph();
  assert.deepEqual(graphFromJson(graphToJson(g)), g);
  assert.throws(
    () => graphFromJson("{nope"),
    (e: unknown) => e instanceof MalformedGraphError && /not JSON/.test(e.message),
  );
  const broken = sampleGraph();
  broken.nodes[1]!.options!.parent = "gone";
  assert.throws(() => graphToJson(broken), DanglingReferenceError);
  assert.throws(() => graphFromJson(JSON.stringify(broken)), DanglingReferenceError);
});

test("an unknown token is a typed error naming node and token", () => {
  const g = sampleGraph();
  g.nodes[1]!.type = "aws:ec2/instance:Instanse";
  assert.throws(
    () => validateGraph(g),
    (e: unknown) =>
      e instanceof UnknownTokenError &&
      e instanceof RadlPulumiError &&
      e.code === "E-GRAPH-UNKNOWN-TOKEN" &&
      /vm-0-server/.test(e.message) &&
      /Instanse/.test(e.message),
  );
  assert.doesNotThrow(() => validateGraph(g, { extraTokens: ["aws:ec2/instance:Instanse"] }));
});

test("dangling references in args, options and outputs are typed errors naming where", () => {
  const inArgs = sampleGraph();
  (inArgs.nodes[2]!.args.connection as Record<string, unknown>).host = ref("vm-9-server", "stdout");
  assert.throws(
    () => validateGraph(inArgs),
    (e: unknown) =>
      e instanceof DanglingReferenceError &&
      e.target === "vm-9-server" &&
      e.where === "args.connection" &&
      e.nodeId === "ctxt-wait",
  );
  const inParent = sampleGraph();
  inParent.nodes[1]!.options!.parent = "vm-7";
  assert.throws(() => validateGraph(inParent), /missing node 'vm-7' in options.parent/);
  const inDepends = sampleGraph();
  inDepends.nodes[2]!.options!.dependsOn = ["nope"];
  assert.throws(() => validateGraph(inDepends), DanglingReferenceError);
  const inOutputs = sampleGraph();
  inOutputs.outputs.vms["0"]!.physical.server = ref("gone", "id");
  assert.throws(() => validateGraph(inOutputs), /refers to missing node 'gone' in outputs/);
  const inProvider = sampleGraph();
  inProvider.nodes[1]!.options!.provider = "cloud-x";
  assert.throws(() => validateGraph(inProvider), DanglingReferenceError);
});

test("a provider option must point at a provider node", () => {
  const g = sampleGraph();
  g.nodes[2]!.options!.provider = "vm-0-server";
  assert.throws(() => validateGraph(g), MalformedGraphError);
  g.nodes.push({
    id: "cloud-k",
    type: "pulumi:providers:aws",
    name: "cloud-k",
    args: { region: "us-east-1" },
  });
  g.nodes[2]!.options!.provider = "cloud-k";
  assert.doesNotThrow(() => validateGraph(g));
});

test("duplicate ids and URN collisions are typed errors", () => {
  const dupId = sampleGraph();
  dupId.nodes.push({ ...dupId.nodes[1]!, name: "other" });
  assert.throws(
    () => validateGraph(dupId),
    (e: unknown) => e instanceof DuplicateNodeError && e.nodeId === "vm-0-server",
  );
  const dupUrn = sampleGraph();
  dupUrn.nodes.push({ ...dupUrn.nodes[1]!, id: "vm-0-server-b" });
  assert.throws(() => validateGraph(dupUrn), /same type chain and name/);
  const sameNameOtherType = sampleGraph();
  sameNameOtherType.nodes.push({ id: "x", type: "command:remote:Command", name: "vm-0-server", args: {} });
  assert.doesNotThrow(() => validateGraph(sameNameOtherType));
});

test("cycles through refs, dependsOn or parents are typed errors listing the cycle", () => {
  const g = sampleGraph();
  g.nodes[1]!.options!.dependsOn = ["ctxt-wait"];
  assert.throws(
    () => validateGraph(g),
    (e: unknown) =>
      e instanceof GraphCycleError &&
      e.code === "E-GRAPH-CYCLE" &&
      e.cycle[0] === e.cycle[e.cycle.length - 1] &&
      e.cycle.includes("ctxt-wait") &&
      e.cycle.includes("vm-0-server"),
  );
  const self = sampleGraph();
  self.nodes[0]!.options = { parent: "vm-0" };
  assert.throws(() => validateGraph(self), GraphCycleError);
});

test("malformed graphs are rejected before anything else", () => {
  assert.throws(() => validateGraph({ ...sampleGraph(), version: 2 as 1 }), MalformedGraphError);
  const noName = sampleGraph();
  (noName.nodes[0] as { name?: string }).name = "";
  assert.throws(() => validateGraph(noName), /node #0 has no name/);
  const notJson = sampleGraph();
  (notJson.nodes[1]!.args as Record<string, unknown>).when = new Date();
  assert.throws(() => validateGraph(notJson), /nodes\[1\]\.args\.when is not plain JSON/);
  const nan = sampleGraph();
  nan.nodes[1]!.args.size = Number.NaN;
  assert.throws(() => validateGraph(nan), /not a finite number/);
});

test("value helpers recognise only the exact special forms", () => {
  assert.ok(isRef({ ref: "a" }));
  assert.ok(isRef({ ref: "a", prop: "id" }));
  assert.ok(!isRef({ ref: "a", prop: "id", extra: 1 }));
  assert.ok(!isRef({ ref: 3 }));
  const refs = collectRefs({ a: [ref("x"), { b: interpolate("p", ref("y", "ip")) }], s: secret(ref("z")) });
  assert.deepEqual(
    refs.map((r) => r.ref),
    ["x", "y", "z"],
  );
  assert.ok(containsSecret({ a: [1, { b: secret("s") }] }));
  assert.ok(!containsSecret({ a: [1, { b: "s" }], r: ref("secret") }));
});

test("§9.3 names: content-derived, stable, and distinct for ids that clean up alike", async () => {
  const { netKey, networkName, providerName, ruleName, sharedName, sha6, vmChildName, vmName } =
    await import("../../compiler/graph/index.js");
  assert.equal(netKey("public-net"), "public-net");
  assert.match(netKey("priv_net"), /^priv-net-[0-9a-f]{6}$/);
  assert.notEqual(netKey("a_b"), netKey("a.b"));
  assert.equal(netKey("a_b"), netKey("a_b"));
  assert.equal(vmName(3), "vm-3");
  assert.equal(vmChildName(3, "nic-0"), "vm-3-nic-0");
  assert.equal(providerName("EC2-0123456789"), "cloud-EC2-0123456789");
  assert.equal(sharedName("EC2-0123456789"), "shared-EC2-0123456789");
  assert.equal(sharedName("EC2-0123456789", "vpc"), "shared-EC2-0123456789-vpc");
  assert.equal(networkName("K", "pub", "sg"), "net-K-pub-sg");
  assert.equal(
    ruleName("K", "pub", { protocol: "tcp", from: 80, to: 80, cidr: "0.0.0.0/0" }),
    `net-K-pub-rule-tcp-80-80-${sha6("0.0.0.0/0")}`,
  );
});
