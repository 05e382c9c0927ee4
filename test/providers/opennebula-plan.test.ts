/**
 * OpenNebula driver, Plan and lowering (providers.md §6.2, §6.3, §9.3, §9.4, §10): identification,
 * the template text, network selection (table-driven), security groups, outputs and SSH hand-off.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import { isSecret } from "../../compiler/graph/values.js";
import type { GraphInterpolation, GraphNode } from "../../compiler/graph/types.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import { credentials, stringFeature } from "../../compiler/plan/system-features.js";
import { oneEndpoint, oneSession, OpenNebulaDriver } from "../../providers/opennebula/index.js";
import {
  OneAuthDataError,
  OneEndpointError,
  OneNetworkNotFoundError,
} from "../../providers/opennebula/errors.js";
import { mapNetworks, usableNetworks, type OneNetwork } from "../../providers/opennebula/networks.js";
import { oneVmState } from "../../providers/opennebula/state.js";
import { isPrivateIp } from "../../providers/opennebula/private-ip.js";
import { parseCloudHost } from "../../compiler/auth/cloud.js";
import { ONE_AUTH, ONE_CATALOG, oneLowered, onePlan } from "../support/opennebula-plan.js";
import { parseOneTemplate, startFakeOne, unreachableEndpoint } from "../support/opennebula-fake.js";

const RADL = `
network publica (outbound = 'yes' and outports = '8080,9000:9100/udp,2222-22')
network privada ()
system front (
  cpu.count >= 2 and
  memory.size >= 2G and
  cpu.arch = 'x86_64' and
  instance_tags = 'owner=ana,cost.center=b-1' and
  net_interface.0.connection = 'publica' and
  net_interface.1.connection = 'privada' and
  net_interface.1.ip = '10.1.0.99' and
  disk.0.image.url = 'one://one.example.org/7' and
  disk.1.size = 10G and
  disk.1.device = 'vdb' and
  disk.2.image.url = 'one://one.example.org/31' and
  availability_zone = '3'
)
system wn (
  net_interface.0.connection = 'privada' and
  disk.0.image.url = 'one://one.example.org:2633/ubuntu-22.04' and
  disk.0.os.credentials.username = 'ubuntu' and
  disk.0.os.credentials.password = 'img-pass'
)
configure wn (
@begin
#cloud-config
packages: [htop]
@end
)
contextualize (
  system wn configure wn with cloud_init
)
deploy front 1
deploy wn 2
`;

function cloud(host: string): CloudRef {
  return { id: "one", type: "OpenNebula", index: 0, host, ...parseCloudHost(host) };
}

test("endpoint, session and identification follow the IM (§6.2)", async () => {
  assert.equal(oneEndpoint(cloud("one.example.org:2633")), "http://one.example.org:2633/RPC2");
  assert.equal(oneEndpoint(cloud("one.example.org")), "http://one.example.org:2633/RPC2");
  assert.equal(
    oneEndpoint(cloud("https://one.example.org/api/RPC2")),
    "https://one.example.org:443/api/RPC2",
  );
  assert.equal(oneEndpoint(cloud("http://one.example.org:8080/x")), "http://one.example.org:8080/x");
  assert.throws(
    () => oneEndpoint({ server: "one.example.org", port: -1, path: "/x" }),
    (e: unknown) =>
      e instanceof OneEndpointError &&
      e.message === "Invalid port/protocol specified for OpenNebula site: one.example.org",
  );
  assert.equal(oneSession({ type: "OpenNebula", username: "u", password: "p" }), "u:p");
  assert.throws(
    () => oneSession({ type: "OpenNebula", username: "u" }),
    (e: unknown) =>
      e instanceof OneAuthDataError &&
      e.message === "No correct auth data has been specified to OpenNebula: username and password",
  );
  const driver = new OpenNebulaDriver();
  const c = cloud("one.example.org:2633");
  for (const [url, ok] of [
    ["one://one.example.org/7", true],
    ["one://one.example.org:2633/ubuntu", true],
    ["one://other.org/7", false],
    ["ost://one.example.org/7", false],
    [undefined, false],
  ] as const) {
    assert.equal(driver.matchesImage(url, c), ok, String(url));
  }
  assert.equal(
    await driver.cloudIdentity(c, { username: "oneadmin" }),
    "http://one.example.org:2633/RPC2 oneadmin",
  );
});

test("concretize: '=' sizes, username root, provider fields, disks.free_size larger than disk.0 → not usable", async () => {
  const { plan } = await onePlan({ radl: RADL });
  const front = plan.vms.find((v) => v.system === "front")!;
  const fs = front.concrete.features;
  assert.equal(credentials(fs).username, "root");
  assert.equal(stringFeature(fs, "provider.type"), "OpenNebula");
  assert.equal(stringFeature(fs, "provider.host"), "one.example.org");
  const cpu = fs.features.get("cpu.count");
  assert.ok(cpu?.kind === "number" && cpu.lower?.op === "=");
  const driver = new OpenNebulaDriver();
  const big = structuredClone(front.concrete);
  big.features.features.set("disks.free_size", {
    kind: "number",
    lower: { op: ">=", num: { value: 20, isFloat: false, text: "20" }, unit: "G" },
  });
  const ctx = { cloud: cloud("one.example.org:2633") } as Parameters<OpenNebulaDriver["concretize"]>[1];
  assert.equal(await driver.concretize(big, ctx), null);
});

test("the template has the IM's parts in order (§6.3)", async () => {
  const { graph } = await oneLowered({
    radl: RADL,
    options: { templateContext: 'NETWORK = "YES"', imageUname: "oneadmin" },
  });
  const server = graph.nodes.find((n) => n.id === "vm-0-server")!;
  const t = server.args.template as GraphInterpolation;
  assert.ok(Array.isArray(t.interpolate), "the security group ids make the template an interpolation");
  const text = t.interpolate.map((p) => (typeof p === "string" ? p : "<SG>")).join("");
  const attrs = parseOneTemplate(text);
  assert.deepEqual(
    attrs.map((a) => a.key),
    [
      "NAME",
      "OS",
      "DISK",
      "DISK",
      "DISK",
      "SCHED_REQUIREMENTS",
      "GRAPHICS",
      "USER_TEMPLATE",
      "NIC",
      "NIC",
      "CONTEXT",
    ],
  );
  const at = (i: number) => attrs[i]!.value;
  assert.equal(at(0), "front");
  assert.deepEqual(at(1), { ARCH: "x86_64" });
  assert.deepEqual(at(2), { IMAGE_ID: "7" });
  assert.deepEqual(at(3), { SAVE: "no", TYPE: "fs", FORMAT: "qcow2", SIZE: "10000", TARGET: "vdb" });
  assert.deepEqual(at(4), { IMAGE_ID: "31" });
  assert.equal(at(5), 'CLUSTER_ID="3"');
  assert.deepEqual(at(6), { type: "vnc", listen: "0.0.0.0" });
  assert.deepEqual(at(7), { owner: "ana", cost_center: "b-1" });
  assert.deepEqual(at(8), { NETWORK_ID: "0", SECURITY_GROUPS: "<SG>" }, "public NIC first");
  assert.deepEqual(
    at(9),
    { NETWORK_ID: "1", IP: "10.1.0.99" },
    "the private network has no rules, so no group",
  );
  const context = at(10) as Record<string, string>;
  assert.match(context.SSH_PUBLIC_KEY!, /^ssh-ed25519 AAAA/);
  assert.equal(
    context.START_SCRIPT,
    "sed -i '/Port 22/c\\Port 2222' /etc/ssh/sshd_config; service sshd restart; ",
  );
  assert.equal(context.NETWORK, "YES", "TEMPLATE_CONTEXT is appended");
  assert.deepEqual(
    [server.args.cpu, server.args.vcpu, server.args.memoryMb, server.args.desiredState],
    [2, 2, 2000, "running"],
  );
  assert.ok(isSecret(server.args.session), "credentials are a secret input");

  const wn = graph.nodes.find((n) => n.id === "vm-1-server")!;
  const wnAttrs = parseOneTemplate(wn.args.template as string);
  assert.deepEqual(wnAttrs.find((a) => a.key === "DISK")!.value, {
    IMAGE: "ubuntu-22.04",
    IMAGE_UNAME: "oneadmin",
  });
  const wnContext = wnAttrs.find((a) => a.key === "CONTEXT")!.value as Record<string, string>;
  assert.equal(wnContext.SSH_PUBLIC_KEY, undefined, "a password drops the keys");
  assert.equal(Buffer.from(wnContext.USER_DATA!, "base64").toString(), "\n#cloud-config\npackages: [htop]\n");
  assert.deepEqual([wn.args.cpu, wn.args.memoryMb], [1, 512], "the IM's defaults");
});

test("security groups: one per network with rules, 22 on public networks, content from outports", async () => {
  const { graph } = await oneLowered({ radl: RADL });
  const sgs = graph.nodes.filter((n) => n.type === "pulumi-nodejs:dynamic/one:SecurityGroup");
  assert.equal(sgs.length, 1);
  const sg = sgs[0]!;
  assert.match(sg.name, /^net-OpenNebula-[0-9a-f]{10}-publica-sg$/);
  assert.equal(sg.args.name, "im-inf1-publica");
  assert.deepEqual(sg.args.rules, [
    { protocol: "TCP", range: "22" },
    { protocol: "TCP", range: "8080" },
    { protocol: "UDP", range: "9000:9100" },
    { protocol: "TCP", range: "2222" },
  ]);
  const server = graph.nodes.find((n) => n.id === "vm-0-server")!;
  assert.deepEqual(server.options?.dependsOn, [sg.id]);
  assert.deepEqual(graph.outputs.shared.securityGroups, { publica: { ref: sg.id, prop: "sgId" } });
});

test("outputs (§9.4) and the SSH connection (§2.9): public IP first, generated key or password", async () => {
  const { graph, vms } = await oneLowered({ radl: RADL });
  const front = graph.outputs.vms["0"]!;
  assert.deepEqual(front.instanceId, { ref: "vm-0-server", prop: "vmId" });
  assert.deepEqual(front.nics, [
    { radlNet: "publica", ip: { ref: "vm-0-server", prop: "nics.0.ip" }, kind: "fixed" },
    { radlNet: "privada", ip: { ref: "vm-0-server", prop: "nics.1.ip" }, kind: "fixed" },
  ]);
  assert.deepEqual(front.ssh, { host: { ref: "vm-0-server", prop: "nics.0.ip" }, port: 2222, user: "root" });
  const conn = vms[0]!.connection!;
  assert.ok(isSecret(conn.privateKey!) && conn.password === undefined);
  assert.match(JSON.stringify(graph.outputs.vmSecrets["0"]), /BEGIN OPENSSH PRIVATE KEY/);
  const wn = vms.find((v) => v.vm.system === "wn")!;
  assert.deepEqual(wn.connection?.host, { ref: `vm-${wn.vm.id}-server`, prop: "nics.0.ip" });
  assert.ok(isSecret(wn.connection!.password!) && wn.connection!.privateKey === undefined);
  assert.equal(wn.connection!.user, "ubuntu");
  const nonSecret = JSON.stringify({ vms: graph.outputs.vms, shared: graph.outputs.shared });
  assert.ok(
    !nonSecret.includes("onepass") && !nonSecret.includes("img-pass"),
    "no credential in non-secret outputs",
  );
  for (const node of graph.nodes) {
    if ("session" in node.args) assert.ok(isSecret(node.args.session), `${node.id}: session is secret`);
  }
});

test("network selection is table-driven: DEFAULT first, full networks skipped, provider_id, fallbacks", () => {
  const pool = usableNetworks([
    { id: "0", name: "priv-a", isDefault: false, sampleIp: "10.0.0.1" },
    { id: "1", name: "pub", isDefault: false, sampleIp: "158.42.0.1" },
    { id: "2", name: "full", isDefault: false },
    { id: "3", name: "priv-def", isDefault: true, sampleIp: "192.168.1.1" },
  ]);
  assert.deepEqual(
    pool.map((n) => n.name),
    ["priv-def", "priv-a", "pub"],
  );
  const net = (name: string) => pool.find((n) => n.name === name)!;
  const cases: {
    name: string;
    req: { id: string; public: boolean; providerId?: string }[];
    want: Record<string, OneNetwork>;
  }[] = [
    {
      name: "first unused of each kind",
      req: [
        { id: "a", public: false },
        { id: "b", public: false },
        { id: "p", public: true },
      ],
      want: { a: net("priv-def"), b: net("priv-a"), p: net("pub") },
    },
    {
      name: "provider_id by name or id",
      req: [
        { id: "a", public: false, providerId: "0" },
        { id: "p", public: true, providerId: "pub" },
      ],
      want: { a: net("priv-a"), p: net("pub") },
    },
    {
      name: "provider_id with the wrong flag still maps by name",
      req: [{ id: "a", public: true, providerId: "priv-a" }],
      want: { a: net("priv-a") },
    },
    {
      name: "no private left: the first public",
      req: [
        { id: "a", public: false },
        { id: "b", public: false },
        { id: "c", public: false },
      ],
      want: { a: net("priv-def"), b: net("priv-a"), c: net("pub") },
    },
  ];
  for (const c of cases) assert.deepEqual(Object.fromEntries(mapNetworks(c.req, pool)), c.want, c.name);
  assert.throws(
    () => mapNetworks([{ id: "x", public: true, providerId: "nope" }], pool),
    (e: unknown) =>
      e instanceof OneNetworkNotFoundError && e.message === "No ONE network found for network: x",
  );
  assert.throws(() => mapNetworks([{ id: "x", public: false }], []), OneNetworkNotFoundError);
  assert.deepEqual(
    ["10.1.2.3", "172.20.0.1", "192.168.0.1", "100.64.1.1", "158.42.1.1", "8.8.8.8", "fe80::1"].map(
      isPrivateIp,
    ),
    [true, true, true, true, false, false, false],
  );
});

test("discovery: pinned provider_ids need nothing; else the catalogue; else the API; else DiscoveryNeededError", async () => {
  const pinned = RADL.replace("network publica (", "network publica (provider_id = 'pub-net' and ").replace(
    "network privada ()",
    "network privada (provider_id = '5')",
  );
  const { plan } = await onePlan({
    radl: pinned,
    catalog: null,
    auth: "type = OpenNebula; host = one.example.org:1; username = a; password = b",
  });
  const map = (plan.clouds[0]!.decisions.networkMap as unknown as Record<string, Record<string, OneNetwork>>)
    .front!;
  assert.deepEqual(map, {
    publica: { id: "", name: "pub-net", public: true },
    privada: { id: "5", name: "5", public: false },
  });

  const one = await startFakeOne({
    networks: [
      { id: 4, name: "lan", prefix: "10.4.0." },
      { id: 5, name: "wan", prefix: "158.42.5.", isDefault: true },
      { id: 6, name: "lan-full", prefix: "10.6.0.", free: 0 },
    ],
  });
  try {
    const host = `127.0.0.1:${one.port}`;
    const { plan: p2 } = await onePlan({
      radl: RADL.replaceAll("one.example.org", "127.0.0.1"),
      catalog: null,
      auth: `id = one; type = OpenNebula; host = ${host}; username = oneadmin; password = onepass`,
    });
    const d = p2.clouds[0]!.decisions as unknown as { version: string; networks: OneNetwork[] };
    assert.equal(d.version, "6.8.0");
    assert.deepEqual(
      d.networks.map((n) => n.name),
      ["wan", "lan"],
    );
    assert.deepEqual(
      one.calls.map((c) => c.method),
      ["one.system.version", "one.vnpool.info"],
    );
    assert.deepEqual(one.calls[1]!.params.slice(1), [-2, -1, -1]);

    await assert.rejects(
      onePlan({
        radl: RADL.replaceAll("one.example.org", "127.0.0.1"),
        catalog: null,
        auth: `id = one; type = OpenNebula; host = ${host}; username = oneadmin; password = wrong`,
      }),
      (e: unknown) =>
        e instanceof DiscoveryNeededError &&
        e.message.includes("the OpenNebula networks") &&
        e.message.includes("rejected the credentials") &&
        !e.message.includes("wrong"),
    );
  } finally {
    await one.close();
  }
  const nowhere = new URL(await unreachableEndpoint()).host;
  await assert.rejects(
    onePlan({
      radl: RADL.replaceAll("one.example.org", "127.0.0.1"),
      catalog: null,
      auth: `id = one; type = OpenNebula; host = ${nowhere}; username = a; password = b`,
    }),
    (e: unknown) =>
      e instanceof DiscoveryNeededError && /Cannot reach OpenNebula .*ECONNREFUSED/.test(e.message),
  );
});

test("a plan without the cloud's credentials cannot be lowered (§10 text)", async () => {
  const { plan, driver } = await onePlan({ radl: RADL });
  assert.throws(
    () => driver.lower({ plan, cloud: plan.clouds[0]!, vms: plan.vms }),
    /No auth data has been specified to OpenNebula\./,
  );
});

test("state map of §6.4", () => {
  const cases: [number, number, string][] = [
    [1, 0, "pending"],
    [3, 1, "pending"],
    [3, 3, "running"],
    [3, 5, "stopped"],
    [3, 16, "unknown"],
    [3, 12, "off"],
    [3, 36, "failed"],
    [3, 14, "running"],
    [5, 0, "stopped"],
    [7, 0, "failed"],
    [8, 0, "off"],
    [10, 0, "unknown"],
  ];
  for (const [s, l, want] of cases) assert.equal(oneVmState(s, l), want, `${s}/${l}`);
});

test("graph names follow §9.3 and lowering twice gives the same graph", async () => {
  const a = await oneLowered({ radl: RADL });
  const b = await oneLowered({ radl: RADL });
  assert.deepEqual(a.graph, b.graph);
  const ids = a.graph.nodes.map((n: GraphNode) => `${n.type} ${n.name}`);
  assert.ok(ids.includes("im:index:VirtualMachine vm-0"));
  assert.ok(ids.includes("pulumi-nodejs:dynamic/one:VirtualMachine vm-2-server"));
  assert.equal(ONE_AUTH.includes("OpenNebula"), true);
});

test("a list of image URLs: the first of this cloud is used, as the IM's concreteSystem loop does", async () => {
  const radl = `
network lan ()
system s (
  net_interface.0.connection = 'lan' and
  disk.0.image.url = ['one://other.org/3', 'one://one.example.org/5', 'one://one.example.org/6']
)
deploy s 1
`;
  const { plan, graph } = await oneLowered({ radl });
  assert.equal(stringFeature(plan.vms[0]!.concrete.features, "disk.0.image.url"), "one://one.example.org/5");
  const template = graph.nodes.find((n) => n.id === "vm-0-server")!.args.template as string;
  assert.match(template, /DISK = \[ IMAGE_ID = "5" \]/);
});

test("a server older than 4.12 gets no security groups (warning in the IM, nothing here)", async () => {
  const { graph } = await oneLowered({ radl: RADL, catalog: { ...ONE_CATALOG, version: "4.10.2" } });
  assert.equal(graph.nodes.filter((n) => n.type === "pulumi-nodejs:dynamic/one:SecurityGroup").length, 0);
  const template = graph.nodes.find((n) => n.id === "vm-0-server")!.args.template;
  assert.equal(typeof template, "string");
  assert.doesNotMatch(template as string, /SECURITY_GROUPS/);
  assert.deepEqual(graph.outputs.shared.securityGroups, {});
});
