/**
 * §11.2 identity and rule tests for EC2 (graph level: lowering is what registration prints), and
 * Plan's typed errors: adding, removing or resizing a VM leaves every other resource identical;
 * the same plan lowers to the same graph; rules on servers, groups, providers and outputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { numberFeature, stringFeature } from "../../compiler/features.js";
import type { GraphNode, ResourceGraph } from "../../compiler/graph/types.js";
import { containsSecret } from "../../compiler/graph/values.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import { removeVms, resizeVm, setDesiredPower } from "../../compiler/plan/modify.js";
import { planDeployment } from "../../compiler/plan/plan.js";
import { parseAuthText } from "../../compiler/auth/index.js";
import { DriverOperationError } from "../../providers/driver-common.js";
import { Ec2CatalogError, Ec2Driver, Ec2PlanError } from "../../providers/aws/index.js";
import { SPOT_NEEDS_OS } from "../../providers/aws/plan.js";
import {
  AMI_URL,
  AWS_ACCESS_KEY,
  AWS_CATALOG,
  AWS_AUTH,
  AWS_SECRET_KEY,
  ec2Drivers,
  ec2Graph,
  lowerEc2Plan,
  planEc2,
  radl,
  seeded,
} from "../support/aws-fixtures.js";
import { HAND_RADLS } from "../support/aws-radl.js";

const byId = (g: ResourceGraph) => new Map(g.nodes.map((n) => [n.id, n]));

function vmNodeIds(g: ResourceGraph, vmId: number): string[] {
  return g.nodes.filter((n) => n.id === `vm-${vmId}` || n.id.startsWith(`vm-${vmId}-`)).map((n) => n.id);
}

/** Every node of `a` except `except` is in `b`, deep-equal. */
function assertUntouched(a: ResourceGraph, b: ResourceGraph, except: string[] = []): void {
  const bm = byId(b);
  for (const n of a.nodes) {
    if (except.includes(n.id)) continue;
    assert.deepEqual(bm.get(n.id), n, `node ${n.id} changed`);
  }
}

const CLUSTER = HAND_RADLS["created-private-network"]!;

test("the same input plans and lowers to the same graph (D1 determinism)", async () => {
  const p1 = await planEc2(radl(CLUSTER));
  const p2 = await planEc2(radl(CLUSTER));
  assert.deepEqual(p1, p2);
  assert.deepEqual(lowerEc2Plan(p1).graph, lowerEc2Plan(p1).graph);
  assert.deepEqual(lowerEc2Plan(p1).graph, lowerEc2Plan(p2).graph);
});

test("adding a VM adds only its resources; every other resource is identical", async () => {
  const document = radl(CLUSTER);
  const v1 = await planEc2(document);
  const v2 = await planDeployment({
    infId: v1.infId,
    document,
    auth: parseAuthText(AWS_AUTH, { strict: true }),
    drivers: ec2Drivers(),
    random: seeded("second request"),
    previous: v1,
    deploys: [{ system: "wn", count: { value: 1, isFloat: false, text: "1" } }],
    catalogs: {},
  });
  const g1 = lowerEc2Plan(v1).graph;
  const g2 = lowerEc2Plan(v2).graph;
  assertUntouched(g1, g2);
  const added = g2.nodes.filter((n) => !byId(g1).has(n.id)).map((n) => n.id);
  assert.deepEqual(added.sort(), vmNodeIds(g2, 3).sort());
  assert.ok(added.includes("vm-3-server"));
});

test("removing a VM removes only its resources; the shared ones go with the last user", async () => {
  const v1 = await planEc2(radl(CLUSTER));
  const g1 = lowerEc2Plan(v1).graph;
  const g2 = lowerEc2Plan(removeVms(v1, [1])).graph;
  assertUntouched(g2, g1);
  const gone = g1.nodes.filter((n) => !byId(g2).has(n.id)).map((n) => n.id);
  assert.deepEqual(gone.sort(), vmNodeIds(g1, 1).sort());
  // without the two wn VMs, network 'other' (only they use it) loses its group and subnet
  const g3 = lowerEc2Plan(removeVms(v1, [1, 2])).graph;
  assertUntouched(g3, g1);
  assert.ok(!g3.nodes.some((n) => n.id.includes("-other")));
  assert.ok(g1.nodes.some((n) => n.id.includes("-other-subnet-")));
  assert.deepEqual(lowerEc2Plan(removeVms(v1, [0, 1, 2])).graph.nodes, []);
});

test("resizing a VM changes only its instance type; stopping it only its power state", async () => {
  const v1 = await planEc2(radl(CLUSTER));
  const g1 = lowerEc2Plan(v1).graph;
  const requested = radl("system wn ( cpu.count >= 16 and memory.size >= 64g )").systems[0]!;
  const { plan: v2, changed } = resizeVm(v1, 1, requested);
  assert.equal(changed, true);
  const g2 = lowerEc2Plan(v2).graph;
  assertUntouched(g1, g2, ["vm-1-server"]);
  const before = byId(g1).get("vm-1-server")!;
  const after = byId(g2).get("vm-1-server")!;
  assert.notEqual(after.args.instanceType, before.args.instanceType);
  assert.equal(after.args.instanceType, "m6i.4xlarge");
  assert.deepEqual({ ...after.args, instanceType: null }, { ...before.args, instanceType: null });
  const g3 = lowerEc2Plan(setDesiredPower(v1, [2], "stopped")).graph;
  assertUntouched(g1, g3, ["vm-2-power"]);
  assert.equal(byId(g3).get("vm-2-power")!.args.state, "stopped");
  assert.equal(g3.outputs.vms["2"]!.desiredPower, "stopped");
});

function allGraphs(): Promise<ResourceGraph[]> {
  return Promise.all(Object.values(HAND_RADLS).map((text) => ec2Graph(text)));
}

test("rules: servers ignore userData and use vpcSecurityGroupIds; every group has the allow-all egress rule", async () => {
  for (const g of await allGraphs()) {
    const servers = g.nodes.filter((n) => n.type === "aws:ec2/instance:Instance");
    assert.ok(servers.length > 0);
    for (const s of servers) {
      assert.deepEqual(s.options?.ignoreChanges, ["userData"], s.id);
      assert.ok(Array.isArray(s.args.vpcSecurityGroupIds), s.id);
      assert.equal(s.args.securityGroups, undefined, s.id);
    }
    const groups = g.nodes.filter((n) => n.type === "aws:ec2/securityGroup:SecurityGroup");
    for (const sg of groups) {
      assert.equal(sg.options?.deleteBeforeReplace, true, sg.id);
      const egress = g.nodes.filter(
        (n) =>
          n.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" &&
          JSON.stringify(n.args.securityGroupId) === JSON.stringify({ ref: sg.id, prop: "id" }),
      );
      assert.equal(egress.length, 1, `egress of ${sg.id}`);
      assert.equal(egress[0]!.args.ipProtocol, "-1");
      assert.equal(egress[0]!.args.cidrIpv4, "0.0.0.0/0");
    }
  }
});

test("rules: one explicit provider with secret credentials; every AWS resource uses it", async () => {
  for (const g of await allGraphs()) {
    const providers = g.nodes.filter((n) => n.type === "pulumi:providers:aws");
    assert.equal(providers.length, 1);
    const p = providers[0]!;
    assert.deepEqual(p.args.accessKey, { secret: AWS_ACCESS_KEY });
    assert.deepEqual(p.args.secretKey, { secret: AWS_SECRET_KEY });
    for (const n of g.nodes.filter((x: GraphNode) => x.type.startsWith("aws:"))) {
      assert.equal(n.options?.provider, p.id, n.id);
    }
  }
});

test("rules: no credential or key appears in a non-secret output; VM keys are secret outputs", async () => {
  for (const g of await allGraphs()) {
    const open = JSON.stringify([g.outputs.vms, g.outputs.shared]);
    for (const s of [AWS_ACCESS_KEY, AWS_SECRET_KEY, "PRIVATE KEY", "PRIVATE-KEY-TEXT", "node-password"]) {
      assert.ok(!open.includes(s), `${s} in a non-secret output`);
    }
    assert.ok(!containsSecret(g.outputs.vms as never));
    for (const [id, sec] of Object.entries(g.outputs.vmSecrets)) {
      assert.ok(sec.privateKey !== undefined || sec.password !== undefined, id);
      assert.ok(containsSecret(sec as never), id);
    }
  }
});

test("spot without disk.0.os.name fails with the IM's text", async () => {
  const text = HAND_RADLS.spot!.replace("disk.0.os.name = 'linux' and", "");
  await assert.rejects(
    ec2Graph(text),
    (e: unknown) => e instanceof Ec2PlanError && e.message === SPOT_NEEDS_OS,
  );
});

test("a provider_id of the wrong shape fails naming the value", async () => {
  const text = HAND_RADLS["pinned-private-only"]!.replace("vpc-0pinned.subnet-0pinned", "subnet-0pinned");
  await assert.rejects(
    ec2Graph(text),
    /Incorrect provider_id value: subnet-0pinned\. It must be <vpc-id>\.<subnet-id>\./,
  );
});

test("pinned RADL (image, instance type, provider_id): planned offline with no catalogue and no reachable API", async () => {
  const g = await ec2Graph(HAND_RADLS["pinned-private-only"]!, {
    catalog: null,
    options: { stsIdentity: false, endpoint: "http://127.0.0.1:1" },
  });
  assert.ok(g.nodes.some((n) => n.id === "vm-0-server"));
});

test("discovery that neither the catalogue nor the API can answer is a DiscoveryNeededError naming it", async () => {
  const radlText = HAND_RADLS["public-default-vpc"]!;
  await assert.rejects(
    ec2Graph(radlText, { catalog: { regions: { "us-east-1": { subnets: [] } } } }),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      e.message.includes("the default VPC and subnet of us-east-1") &&
      e.message.includes("not in the catalogue"),
  );
  await assert.rejects(
    ec2Graph(radlText, {
      catalog: null,
      options: {
        stsIdentity: false,
        endpoint: "http://127.0.0.1:1",
        connectTimeoutMs: 1000,
        requestTimeoutMs: 2000,
      },
    }),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      e.message.includes("the default VPC and subnet of us-east-1") &&
      /endpoint could not be reached/.test(e.message),
  );
  await assert.rejects(
    ec2Graph("system s ( disk.0.os.flavour = 'ubuntu' )\ndeploy s 1", {
      catalog: null,
      auth: "id = ec2; type = EC2; username = AK",
      options: { stsIdentity: false },
    }),
    /No correct auth data has been specified to EC2/,
  );
});

test("a malformed catalogue is a typed error naming the field", async () => {
  await assert.rejects(
    ec2Graph(HAND_RADLS["public-default-vpc"]!, { catalog: { regions: { "us-east-1": { subnets: "x" } } } }),
    (e: unknown) =>
      e instanceof Ec2CatalogError && e.message.includes("'regions.us-east-1.subnets' must be a list"),
  );
  await assert.rejects(
    ec2Graph(HAND_RADLS["public-default-vpc"]!, { catalog: { regions: [] } }),
    Ec2CatalogError,
  );
});

test("no AMI in the catalogue for the OS: not usable; an image URL of another cloud is not EC2's", async () => {
  const d = new Ec2Driver();
  assert.equal(d.matchesImage(AMI_URL), true);
  assert.equal(d.matchesImage(undefined), true);
  assert.equal(d.matchesImage("one://server/1"), false);
  await assert.rejects(
    ec2Graph("system s ( disk.0.os.flavour = 'windows' )\ndeploy s 1"),
    /No cloud in the auth data can deploy system 's'/,
  );
});

test("quotas are not supported (§10); list_images needs a region", async () => {
  const d = new Ec2Driver({ stsIdentity: false });
  await assert.rejects(
    d.quotas(),
    (e: unknown) =>
      e instanceof DriverOperationError &&
      e.message === "Getting quotas is not supported by the EC2 connector",
  );
  const plan = await planEc2(radl(HAND_RADLS.spot!));
  await assert.rejects(
    d.listImages({}, { cloud: plan.clouds[0]!, auth: { type: "EC2", username: "a", password: "b" } }),
    /A region is needed to list EC2 images: set 'region' in the auth data or in the filters/,
  );
});

test("concretization writes the chosen type's facts and the EC2 defaults into the concrete system", async () => {
  const plan = await planEc2(
    radl(`network publica (outbound = 'yes')
system gpu ( gpu.count >= 1 and net_interface.0.connection = 'publica' and disk.0.image.url = '${AMI_URL}' and
  disk.0.os.credentials.private_key = 'KEY' and disk.0.os.credentials.password = 'pw' )
system store ( disks.free_size >= 400G and memory.size <= 16g and net_interface.0.connection = 'publica' and
  disk.0.image.url = '${AMI_URL}' )
deploy gpu 1
deploy store 1`),
  );
  const fs = (system: string) => plan.vms.find((v) => v.system === system)!.concrete.features;
  const gpu = fs("gpu");
  assert.equal(stringFeature(gpu, "instance_type"), "g4dn.xlarge");
  assert.equal(numberFeature(gpu, "cpu.count"), 4);
  assert.equal(numberFeature(gpu, "memory.size", "M"), 16384);
  assert.equal(numberFeature(gpu, "gpu.count"), 1);
  assert.equal(stringFeature(gpu, "gpu.model"), "NVIDIA Tesla T4");
  assert.equal(numberFeature(gpu, "price"), 0.526);
  assert.equal(stringFeature(gpu, "provider.type"), "EC2");
  assert.equal(stringFeature(gpu, "disk.0.os.credentials.username"), "cloudadm");
  assert.equal(
    stringFeature(gpu, "disk.0.os.credentials.password"),
    undefined,
    "dropped: a private key is given",
  );
  const store = fs("store");
  assert.equal(stringFeature(store, "instance_type"), "i3.large");
  assert.equal(numberFeature(store, "disks.free_size", "G"), 475);
  assert.equal(numberFeature(store, "disk.0.free_size", "G"), 475);
  assert.equal(plan.vms.find((v) => v.system === "store")!.decisions.generatedKey !== undefined, true);
  assert.equal(plan.vms.find((v) => v.system === "gpu")!.decisions.generatedKey, undefined);
});

test("an sg_name group that already exists is used by id and never managed (D2); a new one is ours", async () => {
  const text = (sg: string) => `network publica (outbound = 'yes' and sg_name = '${sg}' and outports = '80')
system s ( net_interface.0.connection = 'publica' and disk.0.image.url = '${AMI_URL}' )
deploy s 1`;
  const regions = (AWS_CATALOG.regions as Record<string, Record<string, unknown>>)["us-east-1"]!;
  const catalog = {
    regions: { "us-east-1": { ...regions, securityGroups: { "vpc-0default/existing-web": "sg-0exists" } } },
  } as never;
  const existing = await ec2Graph(text("existing-web"), { catalog });
  const server = existing.nodes.find((n) => n.id === "vm-0-server")!;
  assert.ok((server.args.vpcSecurityGroupIds as unknown[]).includes("sg-0exists"));
  assert.ok(!existing.nodes.some((n) => n.id.startsWith("net-") && n.type.startsWith("aws:")));
  const fresh = await ec2Graph(text("new-web"), { catalog });
  const groups = fresh.nodes.filter((n) => n.type === "aws:ec2/securityGroup:SecurityGroup");
  assert.deepEqual(groups.map((g) => g.args.name).sort(), ["im-inf-golden", "new-web"]);
  await assert.rejects(
    ec2Graph(text("existing-web")),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      e.message.includes("whether security group existing-web exists in vpc-0default"),
  );
});
