/**
 * The EC2 driver's own API code against moto's EC2 server on loopback (providers.md §11.3): STS
 * identity, Plan's discovery (default VPC/subnet, existing subnets for the CIDR search, elastic IPs,
 * named snapshots, AMIs by OS), read-back, reboot, snapshots and image listing; refused credentials
 * and an unreachable endpoint give typed errors.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { parseAuthText } from "../../compiler/auth/index.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import type { DeploymentPlan, PlannedVm } from "../../compiler/plan/types.js";
import { Ec2ApiError, Ec2Driver } from "../../providers/aws/index.js";
import { cidrRange } from "../../providers/aws/cidr.js";
import type { CloudDecisions, VmDecisions } from "../../providers/aws/decisions.js";
import { planEc2, radl } from "../support/aws-fixtures.js";
import { startMoto, type Moto } from "../support/aws-moto.js";

const AUTH_TEXT = "id = ec2; type = EC2; username = testing; password = testing; region = us-east-1";
const AUTH: AuthItem = parseAuthText(AUTH_TEXT, { strict: true })[0]!;

let moto: Moto;
let ec2: EC2Client;
let ami: string;

before(async () => {
  moto = await startMoto();
  ec2 = new EC2Client({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const images = await ec2.send(
    new DescribeImagesCommand({ Filters: [{ Name: "name", Values: ["*ubuntu*"] }] }),
  );
  ami = images.Images!.find((i) => /^ami-[0-9a-f]{8,17}$/.test(i.ImageId ?? ""))!.ImageId!;
});

after(async () => {
  ec2?.destroy();
  await moto?.stop();
});

/** moto gives every image it makes the root-device type "standard", never "ebs". */
const MOTO_IMAGES = { "root-device-type": "standard" };
const driver = () =>
  new Ec2Driver({ endpoint: moto.endpoint, skipRegionValidation: true, imageFilters: MOTO_IMAGES });

function planWithApi(text: string, seed: string): Promise<DeploymentPlan> {
  return planEc2(radl(text), {
    catalog: null,
    auth: AUTH_TEXT,
    seed,
    options: { endpoint: moto.endpoint, skipRegionValidation: true, imageFilters: MOTO_IMAGES },
  });
}

async function runAs(vm: PlannedVm): Promise<string> {
  const d = vm.decisions as unknown as VmDecisions;
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: d.ami,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: d.instanceType as never,
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: d.name }] }],
    }),
  );
  return out.Instances![0]!.InstanceId!;
}

test("cloud identity: the account id from STS GetCallerIdentity", async () => {
  const ref = { id: "ec2", type: "EC2", index: 0, port: -1 };
  assert.equal(await driver().cloudIdentity(ref, AUTH), "123456789012");
});

test("Plan discovers the default VPC and subnet, free CIDRs, elastic IPs and named snapshots through the API", async () => {
  const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  const vol = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 5 }));
  const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: vol.VolumeId! }));
  await ec2.send(
    new CreateTagsCommand({ Resources: [snap.SnapshotId!], Tags: [{ Key: "Name", Value: "moto-data" }] }),
  );
  const vpcs = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
  );
  const defaultVpc = vpcs.Vpcs![0]!.VpcId!;
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: "users-web", Description: "the user's", VpcId: defaultVpc }),
  );
  const plan = await planWithApi(
    `
network publica (outbound = 'yes' and outports = '80' and sg_name = 'users-web')
network privada (create = 'yes')
system front (
  net_interface.0.connection = 'publica' and net_interface.0.ip = '${eip.PublicIp}' and
  disk.0.image.url = 'aws://us-east-1/${ami}' and
  disk.1.image.url = 'aws://us-east-1/moto-data' and disk.1.device = 'hdb'
)
system wn ( net_interface.0.connection = 'privada' and disk.0.image.url = 'aws://us-east-1/${ami}' )
deploy front 1
deploy wn 1
`,
    "discovery",
  );
  const facts = (plan.clouds[0]!.decisions as unknown as CloudDecisions).regions["us-east-1"]!;
  assert.deepEqual(facts.existingGroups, { [`${defaultVpc}/users-web`]: sg.GroupId });
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
  const firstDefault = subnets
    .filter((s) => s.VpcId === defaultVpc)
    .map((s) => s.SubnetId!)
    .sort()[0];
  assert.equal(facts.defaultVpc, defaultVpc);
  assert.equal(facts.defaultSubnet, firstDefault);
  const chosen = cidrRange(facts.created!.subnets.privada!);
  for (const s of subnets) {
    const r = cidrRange(s.CidrBlock!);
    assert.ok(
      r.end < chosen.start || r.start > chosen.end,
      `${facts.created!.subnets.privada} overlaps ${s.CidrBlock}`,
    );
  }
  assert.equal(facts.created!.subnets.privada, "10.0.128.0/24");
  assert.deepEqual(facts.elasticIps, { [eip.PublicIp!]: eip.AllocationId });
  assert.deepEqual(facts.namedDisks, { "moto-data": { snapshotId: snap.SnapshotId } });
  assert.equal(plan.clouds[0]!.cloudKey.startsWith("EC2-"), true);
});

test("a system without an image URL gets an AMI of our own account whose name matches its OS", async () => {
  const base = await ec2.send(
    new RunInstancesCommand({ ImageId: ami, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro" }),
  );
  const image = await ec2.send(
    new CreateImageCommand({ InstanceId: base.Instances![0]!.InstanceId!, Name: "ubuntu-22.04-radl-test" }),
  );
  const plan = await planWithApi(
    `network publica (outbound = 'yes')
system s ( net_interface.0.connection = 'publica' and disk.0.os.flavour = 'ubuntu' and disk.0.os.version = '22.04' )
deploy s 1`,
    "ami",
  );
  assert.equal((plan.vms[0]!.decisions as unknown as VmDecisions).ami, image.ImageId);
  const images = await driver().listImages(
    { region: "us-east-1", distribution: "ubuntu" },
    { cloud: plan.clouds[0]!, auth: AUTH },
  );
  assert.ok(
    images.some(
      (i) => i.uri === `aws://us-east-1/${image.ImageId}` && i.name === "us-east-1/ubuntu-22.04-radl-test",
    ),
  );
  assert.deepEqual(
    await driver().listImages(
      { region: "us-east-1", distribution: "no-such-distro" },
      { cloud: plan.clouds[0]!, auth: AUTH },
    ),
    [],
  );
});

test("read-back, reboot, stop, snapshot and terminate of a VM found by its Name tag", async () => {
  const plan = await planWithApi(
    `network publica (outbound = 'yes')
system node ( instance_type = 't3.small' and net_interface.0.connection = 'publica' and disk.0.image.url = 'aws://us-east-1/${ami}' )
deploy node 1`,
    "readback",
  );
  const vm = plan.vms[0]!;
  const ctx = { cloud: plan.clouds[0]!, auth: AUTH };
  const d = driver();
  assert.equal((await d.readBack(vm, ctx)).state, "pending", "not created yet");
  const id = await runAs(vm);
  const facts = await d.readBack(vm, ctx);
  assert.equal(facts.state, "running");
  assert.equal(facts.instanceId, `us-east-1;${id}`);
  assert.equal(facts.instanceName, (vm.decisions as unknown as VmDecisions).name);
  assert.deepEqual(facts.size, { instanceType: "t3.small", cpu: 2, memMB: 2048 });
  assert.ok(facts.ips.some((i) => i.kind === "fixed"));
  assert.equal(typeof facts.extra?.launch_time, "number");
  assert.match(String(facts.extra?.availability_zone), /^us-east-1[a-z]$/);

  const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  await ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId!, InstanceId: id }));
  assert.ok((await d.readBack(vm, ctx)).ips.some((i) => i.ip === eip.PublicIp));

  await d.reboot(vm, ctx);
  const url = await d.snapshot(vm, 0, "node-snapshot", ctx);
  assert.match(url, /^aws:\/\/us-east-1\/ami-[0-9a-f]+$/);
  const listed = () => d.listImages({ region: "us-east-1" }, ctx);
  assert.ok((await listed()).some((i) => i.uri === url));
  await d.deleteImage(url, ctx);
  assert.ok(!(await listed()).some((i) => i.uri === url));

  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  assert.equal((await d.readBack(vm, ctx)).state, "stopped");
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  assert.equal((await d.readBack(vm, ctx)).state, "off");
  await assert.rejects(
    d.reboot(vm, ctx),
    (e: unknown) => e instanceof Ec2ApiError && /no instance named/.test(e.message),
  );
});

test("refused credentials: typed errors from read-back and Plan; the identity falls back to the access key", async () => {
  const strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: "0" });
  try {
    const d = new Ec2Driver({ endpoint: strict.endpoint, skipRegionValidation: true });
    const plan = await planEc2(
      radl(`system s ( disk.0.image.url = 'aws://us-east-1/${ami}' and instance_type = 't3.micro' and net_interface.0.connection = 'p' )
network p ( provider_id = 'vpc-1.subnet-1' )
deploy s 1`),
      { catalog: null, auth: AUTH_TEXT, options: { endpoint: strict.endpoint, stsIdentity: false } },
    );
    await assert.rejects(
      d.readBack(plan.vms[0]!, { cloud: plan.clouds[0]!, auth: AUTH }),
      (e: unknown) =>
        e instanceof Ec2ApiError &&
        e.kind === "auth" &&
        e.code === "E-EC2-API-AUTH" &&
        /credentials were refused/.test(e.message),
    );
    assert.equal(await d.cloudIdentity({ id: "ec2", type: "EC2", index: 0, port: -1 }, AUTH), "testing");
    await assert.rejects(
      planEc2(
        radl(`network publica (outbound = 'yes')
system s ( net_interface.0.connection = 'publica' and disk.0.image.url = 'aws://us-east-1/${ami}' )
deploy s 1`),
        { catalog: null, auth: AUTH_TEXT, options: { endpoint: strict.endpoint, stsIdentity: false } },
      ),
      (e: unknown) =>
        e instanceof DiscoveryNeededError &&
        e.message.includes("the default VPC and subnet of us-east-1") &&
        /credentials were refused/.test(e.message),
    );
  } finally {
    await strict.stop();
  }
});

test("an unreachable endpoint is a typed error naming it", async () => {
  const d = new Ec2Driver({ endpoint: "http://127.0.0.1:1", connectTimeoutMs: 1000, requestTimeoutMs: 2000 });
  const plan = await planEc2(radl(HAND_PINNED), { catalog: null, options: { stsIdentity: false } });
  await assert.rejects(
    d.readBack(plan.vms[0]!, { cloud: plan.clouds[0]!, auth: AUTH }),
    (e: unknown) =>
      e instanceof Ec2ApiError &&
      e.kind === "unreachable" &&
      /DescribeInstances failed: the endpoint could not be reached/.test(e.message),
  );
});

const HAND_PINNED = `network p ( provider_id = 'vpc-1.subnet-1' )
system s ( disk.0.image.url = 'aws://us-east-1/ami-0123456789abcdef0' and instance_type = 't3.micro' and net_interface.0.connection = 'p' )
deploy s 1`;
