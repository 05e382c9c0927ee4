/**
 * Table-driven tests of the OpenStack driver's pure pieces: flavour selection (§4.2), image URLs
 * and the auth line (§4.1), network mapping (§4.3), block devices (§4.4), the catalogue's checks and
 * discovery that cannot be answered (DiscoveryNeededError).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import type { PlannedVm } from "../../compiler/plan/types.js";
import { openStackAuth, openStackIdentity } from "../../providers/openstack/auth.js";
import { catalogDiscovery } from "../../providers/openstack/catalog.js";
import { blockDevices } from "../../providers/openstack/disks.js";
import type { OstNetwork } from "../../providers/openstack/discovery.js";
import {
  OpenStackAuthDataError,
  OpenStackCatalogError,
  OpenStackImageUrlError,
  OpenStackPlanError,
} from "../../providers/openstack/errors.js";
import { flavorRequirements, selectFlavor, type Flavor } from "../../providers/openstack/flavors.js";
import { parseOpenStackUrl, urlMatchesServer } from "../../providers/openstack/image-url.js";
import { freeCidr, planNetworks, vmNics } from "../../providers/openstack/networks.js";
import { doc, features, network, system } from "../compiler/plan-support.js";
import { HAND_RADLS, OST_AUTH, planOst } from "../support/openstack-fixtures.js";

const FLAVORS: Flavor[] = [
  { id: "1", name: "m1.large", vcpus: 4, ramMB: 8192, diskGB: 80 },
  { id: "2", name: "m1.tiny", vcpus: 1, ramMB: 512, diskGB: 1 },
  { id: "3", name: "m1.small", vcpus: 1, ramMB: 2048, diskGB: 20 },
  { id: "4", name: "m1.medium", vcpus: 2, ramMB: 4096, diskGB: 40 },
  { id: "5", name: "m1.off", vcpus: 1, ramMB: 4096, diskGB: 20, disabled: true },
  {
    id: "6",
    name: "pci.small",
    vcpus: 1,
    ramMB: 2048,
    diskGB: 20,
    extraSpecs: { "pci_passthrough:alias": "a100:1" },
  },
  {
    id: "7",
    name: "g.egi",
    vcpus: 8,
    ramMB: 16384,
    diskGB: 80,
    extraSpecs: {
      "Accelerator:Type": "GPU",
      "Accelerator:Number": "2",
      "Accelerator:Vendor": "NVIDIA",
      "Accelerator:Model": "T4",
    },
  },
  { id: "8", name: "g.flag", vcpus: 16, ramMB: 32768, diskGB: 80, extraSpecs: { "resources:gpu": "true" } },
  {
    id: "9",
    name: "sgx.small",
    vcpus: 2,
    ramMB: 4096,
    diskGB: 20,
    extraSpecs: { "hw:sgx": "true", sgx_epc_size: "64" },
  },
  { id: "10", name: "cheap.big", vcpus: 4, ramMB: 8192, diskGB: 80, price: 0.001 },
];

const flavorCases: {
  name: string;
  values: Parameters<typeof features>[0];
  want: string | undefined;
  table?: Flavor[];
}[] = [
  {
    name: "defaults: the smallest with ≥ 5 GB disk",
    values: {},
    want: "m1.small",
    table: FLAVORS.slice(0, 5),
  },
  {
    name: "cpu and memory",
    values: { "cpu.count": 2, "memory.size": [3, "G"] },
    want: "m1.medium",
    table: FLAVORS.slice(0, 5),
  },
  {
    name: "disk.0.size frees the flavour's disk",
    values: { "disk.0.size": [50, "G"] },
    want: "m1.tiny",
    table: FLAVORS.slice(0, 5),
  },
  {
    name: "disks.free_size",
    values: { "disks.free_size": [60, "G"] },
    want: "m1.large",
    table: FLAVORS.slice(0, 5),
  },
  {
    name: "disabled flavours are skipped",
    values: { "memory.size": [4000, "M"], "cpu.count": 1 },
    want: "m1.medium",
    table: FLAVORS.slice(0, 5),
  },
  {
    name: "PCI devices sort after plain flavours",
    values: { "memory.size": [2, "G"] },
    want: "m1.small",
    table: FLAVORS.slice(0, 6),
  },
  {
    name: "price sorts first",
    values: { "memory.size": [2, "G"] },
    want: "m1.small",
    table: [...FLAVORS.slice(0, 4), { ...FLAVORS[9]!, price: 0 }],
  },
  {
    name: "a cheaper flavour wins",
    values: { "memory.size": [2, "G"] },
    want: "cheap.big",
    table: [{ ...FLAVORS[2]!, price: 0.5 }, FLAVORS[9]!],
  },
  { name: "GPU by EGI specs", values: { "gpu.count": 2, "gpu.vendor": "NVIDIA" }, want: "g.egi" },
  {
    name: "GPU by EGI specs, model mismatch falls to the flag",
    values: { "gpu.count": 1, "gpu.model": "A100" },
    want: "g.flag",
  },
  {
    name: "SGX with an EPC size",
    values: { "cpu.sgx": "yes", "cpu.sgx.epc_size": [32, "M"] },
    want: "sgx.small",
  },
  { name: "instance_type exact", values: { instance_type: "m1.large" }, want: "m1.large" },
  { name: "instance_type glob", values: { instance_type: "m1.*", "cpu.count": 2 }, want: "m1.medium" },
  { name: "nothing fits", values: { "cpu.count": 64 }, want: undefined },
  {
    name: "equality operator",
    values: { "cpu.count": 4, "memory.size": [8192, "M"] },
    want: "m1.large",
    table: FLAVORS.slice(0, 5),
  },
];

for (const c of flavorCases) {
  test(`flavour selection: ${c.name}`, () => {
    const fs = features(c.values);
    // features() writes `=`; every case but the equality one asks with `>=`.
    if (c.name !== "equality operator") {
      for (const v of fs.features.values())
        if (v.kind === "number" && v.lower !== undefined) v.lower.op = ">=";
    }
    assert.equal(selectFlavor(c.table ?? FLAVORS, flavorRequirements(fs))?.name, c.want);
  });
}

test("nothing fits: the system is not usable in the cloud (NoCloudError names it)", async () => {
  await assert.rejects(
    planOst(HAND_RADLS["public-private-fip"]!.replace("cpu.count >= 2", "cpu.count >= 128")),
    (e: unknown) => e instanceof Error && /front/.test(e.message),
  );
});

test("image URLs: the three ost:// forms, the host check and bad paths", () => {
  assert.deepEqual(parseOpenStackUrl("ost://h.example.org/abc"), {
    kind: "image",
    server: "h.example.org",
    id: "abc",
  });
  assert.deepEqual(parseOpenStackUrl("ost://h.example.org:8774/image/abc"), {
    kind: "image",
    server: "h.example.org",
    port: 8774,
    id: "abc",
  });
  assert.deepEqual(parseOpenStackUrl("ost://h/volume/v1"), { kind: "volume", server: "h", id: "v1" });
  assert.throws(
    () => parseOpenStackUrl("ost://h/snapshot/x"),
    (e: unknown) => e instanceof OpenStackImageUrlError && /Incorrect OpenStack image set\./.test(e.message),
  );
  assert.throws(() => parseOpenStackUrl("ost://h/"), OpenStackImageUrlError);
  assert.equal(urlMatchesServer("ost://H.example.org:5000/abc", "h.example.org"), true);
  assert.equal(urlMatchesServer("ost://other/abc", "h.example.org"), false);
  assert.equal(urlMatchesServer("one://h.example.org/1", "h.example.org"), false);
});

const authCases: {
  line: Record<string, string>;
  authUrl?: string;
  error?: RegExp;
  check?: (a: ReturnType<typeof openStackAuth>) => void;
}[] = [
  {
    line: { host: "https://k:5000", username: "u", password: "p", tenant: "t", auth_version: "3.x_password" },
    authUrl: "https://k:5000/v3",
  },
  {
    line: { host: "k:5000/v3/", username: "u", password: "p", tenant: "t", auth_version: "3.x_password" },
    authUrl: "http://k:5000/v3",
  },
  { line: { host: "https://k", username: "u", password: "p", tenant: "t" }, authUrl: "https://k/v2.0" },
  {
    line: {
      host: "https://k/identity/v3",
      username: "u",
      password: "p",
      tenant: "t",
      auth_version: "3.x_password",
    },
    authUrl: "https://k/identity/v3",
  },
  {
    line: {
      host: "https://k",
      username: "id",
      password: "secret",
      auth_version: "3.x_appcred",
      service_region: "R1",
      domain: "D",
      base_url: "https://nova/v2.1",
      verify_ssl: "true",
    },
    check: (a) => {
      assert.equal(a.region, "R1");
      assert.equal(a.domain, "D");
      assert.deepEqual(a.endpointOverrides, { compute: "https://nova/v2.1" });
      assert.equal(a.insecure, false);
    },
  },
  {
    line: { host: "https://k", auth_token: "tok", tenant_id: "p1", auth_version: "3.x_password" },
    check: (a) => assert.equal(a.token, "tok"),
  },
  {
    line: { host: "https://k", username: "u", password: "p", auth_version: "3.x_password" },
    error: /username, password and tenant or proxy/,
  },
  { line: { host: "https://k", proxy: "PEM" }, error: /2\.0_voms \(proxy certificates\) is not supported/ },
  {
    line: { host: "https://k", username: "u", password: "p", tenant: "t", auth_version: "9.x" },
    error: /Unsupported OpenStack auth_version: 9\.x/,
  },
  {
    line: { username: "u", password: "p", tenant: "t" },
    error: /No auth data has been specified to OpenStack\./,
  },
];

for (const [i, c] of authCases.entries()) {
  test(`auth line ${i}: ${JSON.stringify(c.line)}`, () => {
    const item = { type: "OpenStack", ...c.line };
    if (c.error !== undefined) {
      assert.throws(
        () => openStackAuth(item),
        (e: unknown) => e instanceof OpenStackAuthDataError && c.error!.test(e.message),
      );
      return;
    }
    const a = openStackAuth(item);
    if (c.authUrl !== undefined) assert.equal(a.authUrl, c.authUrl);
    c.check?.(a);
  });
}

test("cloud identity: host:port, project and domain; the password and the auth id are not part of it", () => {
  const a = openStackAuth({
    id: "a",
    type: "OpenStack",
    host: "https://k:5000",
    username: "u",
    password: "p1",
    tenant: "t",
    auth_version: "3.x_password",
  });
  const b = openStackAuth({
    id: "b",
    type: "OpenStack",
    host: "https://k:5000",
    username: "u",
    password: "p2",
    tenant: "t",
    auth_version: "3.x_password",
  });
  const c = openStackAuth({
    type: "OpenStack",
    host: "https://k:5000",
    username: "u",
    password: "p",
    tenant: "other",
    auth_version: "3.x_password",
  });
  assert.equal(openStackIdentity(a), openStackIdentity(b));
  assert.notEqual(openStackIdentity(a), openStackIdentity(c));
});

function vm(id: number, sys: ReturnType<typeof system>): PlannedVm {
  return {
    id,
    system: sys.id,
    cloudKey: "k",
    connector: "OpenStack",
    concrete: sys,
    decisions: {},
    desiredPower: "running",
  };
}

const NETS: OstNetwork[] = [
  { id: "e", name: "ext", external: true },
  { id: "p1", name: "priv1", subnets: [{ id: "s1", cidr: "10.0.0.0/24" }] },
  { id: "p2", name: "default-priv", subnets: [{ id: "s2", cidr: "10.0.1.0/24" }] },
  { id: "pub", name: "provider-pub", subnets: [{ id: "s3", cidr: "158.42.0.0/24" }] },
];

test("networks: default first, public to a public network before a pool, provider_id by name, pools as floating IPs", () => {
  const d = doc({
    networks: [network("pub", { outbound: "yes" }), network("a"), network("b", { provider_id: "priv1" })],
    systems: [
      system("s", {
        "net_interface.0.connection": "pub",
        "net_interface.1.connection": "a",
        "net_interface.2.connection": "b",
      }),
    ],
  });
  const v = vm(0, d.systems[0]!);
  const dec = planNetworks("inf", d, [v], NETS, [], undefined);
  assert.deepEqual(dec.networks.pub, {
    kind: "existing",
    networkId: "pub",
    name: "provider-pub",
    subnetId: "s3",
    pool: false,
  });
  assert.equal((dec.networks.a as { name: string }).name, "default-priv");
  assert.equal((dec.networks.b as { name: string }).name, "priv1");
  assert.deepEqual(
    vmNics(v.concrete, d, dec).map((n) => [n.nic.connection, n.role]),
    [
      ["pub", "port"],
      ["a", "port"],
      ["b", "port"],
    ],
  );

  const poolOnly = planNetworks(
    "inf",
    d,
    [v],
    NETS.filter((n) => n.id !== "pub"),
    [],
    undefined,
  );
  assert.equal((poolOnly.networks.pub as { name: string }).name, "ext");
  assert.deepEqual(
    vmNics(v.concrete, d, poolOnly).map((n) => n.role),
    ["fip", "port", "port"],
  );
});

test("networks: no pool and no enable_two_nics drop the private NICs of public VMs; the tag keeps them", () => {
  const d = doc({
    networks: [network("pub", { outbound: "yes" }), network("a")],
    systems: [system("s", { "net_interface.0.connection": "pub", "net_interface.1.connection": "a" })],
  });
  const v = vm(0, d.systems[0]!);
  const noPool = NETS.filter((n) => n.id !== "e");
  const dec = planNetworks("inf", d, [v], noPool, [], undefined);
  assert.deepEqual(
    vmNics(v.concrete, d, dec).map((n) => n.role),
    ["port", "dropped"],
  );
  const tagged = noPool.map((n) => (n.id === "p1" ? { ...n, tags: ["enable_two_nics"] } : n));
  const dec2 = planNetworks("inf", d, [v], tagged, [], undefined);
  assert.deepEqual(
    vmNics(v.concrete, d, dec2).map((n) => n.role),
    ["port", "port"],
  );
});

test("networks: no private network creates one with a free CIDR under an existing router, or a new router", () => {
  const d = doc({
    networks: [network("pub", { outbound: "yes" }), network("a")],
    systems: [system("s", { "net_interface.0.connection": "pub", "net_interface.1.connection": "a" })],
  });
  const v = vm(0, d.systems[0]!);
  const onlyPool = [{ ...NETS[0]!, subnets: [{ id: "x", cidr: "10.0.1.0/24" }] }];
  const dec = planNetworks(
    "inf",
    d,
    [v],
    onlyPool,
    [{ id: "r", name: "r", externalNetworkId: "e" }],
    undefined,
  );
  assert.deepEqual(dec.networks.a, {
    kind: "created",
    name: "im-inf-a",
    subnetName: "im-inf-suba",
    cidr: "10.0.2.0/24",
  });
  assert.deepEqual(dec.router, { kind: "existing", id: "r" });
  const noRouter = planNetworks("inf", d, [v], onlyPool, [], undefined);
  assert.deepEqual(noRouter.router, { kind: "created", externalNetworkId: "e" });
  assert.equal(freeCidr("10.0.*.0/24", ["10.0.0.0/16"]), undefined);
  assert.equal(freeCidr("192.168.*.0/24", ["10.0.0.0/16"]), "192.168.1.0/24");
});

test("networks: an unknown provider_id and one provider_id for two networks are refused with the IM's texts", () => {
  const missing = doc({
    networks: [network("a", { provider_id: "nope" })],
    systems: [system("s", { "net_interface.0.connection": "a" })],
  });
  assert.throws(
    () => planNetworks("inf", missing, [vm(0, missing.systems[0]!)], NETS, [], undefined),
    (e: unknown) =>
      e instanceof OpenStackPlanError && e.message === "Network with provider_id nope not found.",
  );
  const twice = doc({
    networks: [network("a", { provider_id: "priv1" }), network("b", { provider_id: "priv1" })],
    systems: [system("s", { "net_interface.0.connection": "a", "net_interface.1.connection": "b" })],
  });
  assert.throws(
    () => planNetworks("inf", twice, [vm(0, twice.systems[0]!)], NETS, [], undefined),
    (e: unknown) =>
      e instanceof OpenStackPlanError &&
      e.message === "Two different networks assigned to the same provider_id",
  );
});

test("networks: earlier decisions are kept even when the cloud changed (D1)", () => {
  const d = doc({ networks: [network("a")], systems: [system("s", { "net_interface.0.connection": "a" })] });
  const v = vm(0, d.systems[0]!);
  const first = planNetworks("inf", d, [v], NETS, [], undefined);
  const again = planNetworks(
    "inf",
    d,
    [v],
    [...NETS].reverse().map((n) => ({ ...n, isDefault: n.id === "p1" })),
    [],
    first,
  );
  assert.deepEqual(again, first);
});

test("block devices: local root, sized root volume, volume boot, blank/ephemeral/existing data disks", () => {
  const image = { kind: "image" as const, server: "h", id: "img" };
  assert.deepEqual(blockDevices(features({}), image), []);
  assert.deepEqual(blockDevices(features({ "disk.0.size": [20, "G"] }), image), [
    {
      uuid: "img",
      sourceType: "image",
      destinationType: "volume",
      volumeSize: 20,
      bootIndex: 0,
      deleteOnTermination: true,
    },
  ]);
  assert.deepEqual(blockDevices(features({}), { kind: "volume", server: "h", id: "v" }), [
    { uuid: "v", sourceType: "volume", destinationType: "volume", bootIndex: 0, deleteOnTermination: false },
  ]);
  const data = blockDevices(
    features({
      "disk.1.size": [10, "G"],
      "disk.2.size": [5, "G"],
      "disk.2.type": "ephemeral",
      "disk.3.image.url": "ost://h/volume/v3",
    }),
    image,
  );
  assert.deepEqual(
    data.map((b) => [
      b.bootIndex,
      b.sourceType,
      b.destinationType,
      b.volumeSize ?? null,
      b.uuid ?? null,
      b.guestFormat ?? null,
    ]),
    [
      [0, "image", "local", null, "img", null],
      [1, "blank", "volume", 10, null, "ext3"],
      [2, "blank", "local", 5, null, "ext3"],
      [3, "volume", "volume", null, "v3", null],
    ],
  );
});

test("catalogue: a malformed entry names the field; a missing key is a DiscoveryNeededError naming the question", async () => {
  await assert.rejects(
    catalogDiscovery({ flavors: [{ id: "1", name: "x", vcpus: "two", ram: 1 }] }).flavors(),
    (e: unknown) =>
      e instanceof OpenStackCatalogError && /flavors\[0\]: 'vcpus' must be a number/.test(e.message),
  );
  await assert.rejects(
    planOst(HAND_RADLS["public-private-fip"]!, { catalog: { images: [] } }),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      /needs the flavours/.test(e.message) &&
      /not in the catalogue/.test(e.message),
  );
});

test("offline: pinned image, exact instance_type and pinned networks need no discovery; anything else names what it needs", async () => {
  const pinned = `network pub (outbound = 'yes' and provider_id = 'ext')
network lan (provider_id = '0b6c8a7e-6a50-4c3e-9d0f-1a2b3c4d5e6f')
system s (instance_type = 'm1.small' and net_interface.0.connection = 'pub' and net_interface.1.connection = 'lan' and disk.0.image.url = 'ost://keystone.example.org/img')
deploy s 1
`;
  const noCreds = "id = ost; type = OpenStack; host = https://keystone.example.org:5000\n";
  const plan = await planOst(pinned, { catalog: null, auth: noCreds });
  assert.equal(plan.vms[0]!.decisions.flavorName, "m1.small");
  assert.equal(plan.vms[0]!.decisions.flavorId, undefined);
  await assert.rejects(
    planOst(
      pinned.replace("instance_type = 'm1.small' and ", "").replace("keystone.example.org", "127.0.0.1"),
      {
        catalog: null,
        auth: OST_AUTH.replace("https://keystone.example.org:5000", "http://127.0.0.1:9"),
      },
    ),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      /needs the flavours/.test(e.message) &&
      /unreachable/.test(e.message),
  );
});
