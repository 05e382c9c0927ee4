/** EC2 Plan's pure parts, table-driven: instance-type selection, free CIDRs, image URLs, auth, rules, user data. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ec2Credentials } from "../../providers/aws/auth.js";
import { cidrRange, freeCidr, spanningCidr } from "../../providers/aws/cidr.js";
import { cloudInitUserData, DEFAULT_MERGE_HOW } from "../../providers/cloud-init.js";
import { launchDisks, rootDisk } from "../../providers/aws/disks.js";
import { Ec2AuthDataError, Ec2ImageUrlError, Ec2PlanError } from "../../providers/aws/errors.js";
import { parseAwsImageUrl } from "../../providers/aws/image-url.js";
import { INSTANCE_TYPES, type InstanceType } from "../../providers/aws/instance-types.js";
import { requirementsOf, selectInstanceType } from "../../providers/aws/instance-type-selection.js";
import { ingressRules, parseProviderId } from "../../providers/aws/networks.js";
import { radl } from "../support/aws-fixtures.js";

function systemFeatures(body: string) {
  return radl(`system s (\n${body}\n)`).systems[0]!.features;
}

function networkOf(body: string) {
  return radl(`network n (${body})`).networks[0]!;
}

const selectionCases: { features: string; expected: string | undefined }[] = [
  { features: "cpu.count >= 1 and memory.size >= 512m", expected: "t3a.nano" },
  { features: "cpu.count >= 1 and memory.size >= 1g", expected: "t3a.micro" },
  { features: "cpu.count >= 2 and memory.size >= 4g", expected: "t3a.medium" },
  { features: "cpu.count >= 4 and memory.size >= 30g", expected: "r6i.xlarge" }, // same price as r5: the later wins
  { features: "cpu.count = 36", expected: "c5.9xlarge" },
  { features: "cpu.count >= 2 and cpu.count <= 2 and memory.size >= 16g", expected: "r6i.large" },
  { features: "memory.size <= 512m", expected: "t3a.nano" },
  { features: "disks.free_size >= 100G", expected: "i3.large" },
  { features: "disks.free_size >= 100G and cpu.count >= 4", expected: "m5d.xlarge" },
  { features: "gpu.count >= 1", expected: "g4dn.xlarge" },
  { features: "gpu.count >= 1 and gpu.model = 'V100'", expected: "p3.2xlarge" },
  { features: "gpu.count >= 1 and gpu.vendor = 'nvidia' and gpu.model = 'a10g'", expected: "g5.xlarge" },
  { features: "gpu.count >= 4 and gpu.model = 'T4'", expected: "g4dn.12xlarge" },
  { features: "instance_type = 'm5.large'", expected: "m5.large" },
  { features: "instance_type = 'c6*' and cpu.count >= 8", expected: "c6g.2xlarge".replace("c6g", "c6i") },
  // nothing fits
  { features: "cpu.count >= 200", expected: undefined },
  { features: "gpu.count >= 1 and gpu.model = 'H100'", expected: undefined },
  { features: "instance_type = 'x9.huge'", expected: undefined },
  { features: "cpu.arch = 'i386'", expected: undefined },
];

for (const c of selectionCases) {
  test(`instance type for (${c.features}) is ${c.expected ?? "none"}`, () => {
    const chosen = selectInstanceType(requirementsOf(systemFeatures(c.features)));
    assert.equal(chosen?.name, c.expected);
  });
}

test("arm64 (not writable in RADL, whose cpu.arch knows i386 and x86_64) selects Graviton types", () => {
  const req = { ...requirementsOf(systemFeatures("cpu.count >= 2 and memory.size >= 4g")), arch: "arm64" };
  assert.equal(selectInstanceType(req)?.name, "t4g.medium");
  assert.equal(
    selectInstanceType({ ...req, instanceType: "c6*", cpu: [{ op: ">=", value: 8 }] })?.name,
    "c6g.2xlarge",
  );
});

test("equal prices: the later catalogue entry wins; the cheapest otherwise", () => {
  const t = (name: string, price: number): InstanceType => ({
    name,
    cpu: 2,
    memMB: 4096,
    price,
    archs: ["x86_64"],
    gpu: 0,
    diskCount: 0,
    diskGB: 0,
  });
  const req = requirementsOf(systemFeatures("cpu.count >= 1"));
  assert.equal(selectInstanceType(req, [t("a", 1), t("b", 1)])?.name, "b");
  assert.equal(selectInstanceType(req, [t("a", 1), t("b", 2)])?.name, "a");
  assert.equal(selectInstanceType(req, []), undefined);
});

test("the shipped table is well formed: unique names, positive sizes and prices, known architectures", () => {
  const names = new Set(INSTANCE_TYPES.map((t) => t.name));
  assert.equal(names.size, INSTANCE_TYPES.length);
  assert.ok(INSTANCE_TYPES.length >= 80);
  for (const t of INSTANCE_TYPES) {
    assert.ok(t.cpu > 0 && t.memMB > 0 && t.price > 0, t.name);
    assert.ok(
      t.archs.every((a) => a === "x86_64" || a === "arm64"),
      t.name,
    );
    assert.equal(t.gpu > 0, t.gpuModel !== undefined, t.name);
  }
});

const cidrCases: { pattern: string; used: string[]; offset?: number; expected: string | undefined }[] = [
  { pattern: "10.0.*.0/24", used: [], expected: "10.0.1.0/24" },
  { pattern: "10.0.*.0/24", used: [], offset: 127, expected: "10.0.128.0/24" },
  {
    pattern: "10.0.*.0/24",
    used: ["10.0.128.0/24", "10.0.129.0/25"],
    offset: 127,
    expected: "10.0.130.0/24",
  },
  { pattern: "10.0.*.0/24", used: ["10.0.0.0/16"], expected: undefined },
  { pattern: "10.*.0.0/16", used: ["10.1.0.0/16", "10.2.5.0/24"], expected: "10.3.0.0/16" },
  { pattern: "192.168.*.0/24", used: ["172.31.0.0/16"], expected: "192.168.1.0/24" },
];

for (const c of cidrCases) {
  test(`free CIDR of ${c.pattern} after ${c.offset ?? 0} avoiding [${c.used.join(", ")}] is ${c.expected}`, () => {
    assert.equal(freeCidr(c.pattern, c.used, c.offset ?? 0), c.expected);
  });
}

test("spanning VPC CIDR: one subnet, several, wider than /16, none", () => {
  assert.equal(spanningCidr(["10.0.128.0/24"]), "10.0.128.0/24");
  assert.equal(spanningCidr(["10.0.128.0/24", "10.0.129.0/24"]), "10.0.128.0/23");
  assert.equal(spanningCidr(["10.0.1.0/24", "10.0.200.0/24"]), "10.0.0.0/16");
  assert.throws(() => spanningCidr(["10.0.1.0/24", "10.5.0.0/24"]), /do not fit in one VPC/);
  assert.equal(spanningCidr([]), "10.0.0.0/16");
  assert.throws(() => cidrRange("10.0.0.300/24"), Ec2PlanError);
});

test("aws:// image URLs: region and AMI; bad shapes name the problem", () => {
  assert.deepEqual(parseAwsImageUrl("aws://eu-west-1/ami-0123456789abcdef0"), {
    region: "eu-west-1",
    ami: "ami-0123456789abcdef0",
  });
  assert.deepEqual(parseAwsImageUrl("aws://us-gov-west-1/ami-12345678"), {
    region: "us-gov-west-1",
    ami: "ami-12345678",
  });
  for (const [url, why] of [
    ["aws://ami-123", /no region or AMI/],
    ["aws://mars-1/ami-0123456789abcdef0", /'mars-1' is not an EC2 region name/],
    ["aws://us-east-1/img-1", /'img-1' is not an AMI id/],
  ] as const) {
    assert.throws(
      () => parseAwsImageUrl(url),
      (e: unknown) => e instanceof Ec2ImageUrlError && why.test(e.message) && e.message.includes(url),
    );
  }
});

test("auth line: access key, secret, token, region; missing fields give the IM's texts", () => {
  assert.deepEqual(
    ec2Credentials({ type: "EC2", username: "AK", password: "SK", token: "T", region: "eu-west-1" }),
    {
      accessKey: "AK",
      secretKey: "SK",
      token: "T",
      region: "eu-west-1",
    },
  );
  assert.throws(
    () => ec2Credentials({ type: "EC2", username: "AK" }),
    (e: unknown) =>
      e instanceof Ec2AuthDataError &&
      e.message ===
        "No correct auth data has been specified to EC2: username (Access Key) and password (Secret Key)",
  );
  assert.throws(() => ec2Credentials(undefined), /No auth data has been specified to EC2\./);
});

test("outports → ingress rules: remote ports, ranges, ICMP -1, CIDRs, SSH on public networks once", () => {
  assert.deepEqual(
    ingressRules(networkOf("outbound = 'yes' and outports = '8080-80,9000:9100/udp,0/icmp'")),
    [
      { protocol: "tcp", from: 8080, to: 8080, cidr: "0.0.0.0/0" },
      { protocol: "udp", from: 9000, to: 9100, cidr: "0.0.0.0/0" },
      { protocol: "icmp", from: -1, to: -1, cidr: "0.0.0.0/0" },
      { protocol: "tcp", from: 22, to: 22, cidr: "0.0.0.0/0" },
    ],
  );
  assert.deepEqual(ingressRules(networkOf("outbound = 'yes' and outports = '10.0.0.0/8-22'")), [
    { protocol: "tcp", from: 22, to: 22, cidr: "10.0.0.0/8" },
  ]);
  assert.deepEqual(ingressRules(networkOf("outbound = 'no'")), []);
  assert.deepEqual(ingressRules(networkOf("outbound = 'no' and proxy_host = 'u:p@h:22'")), [
    { protocol: "tcp", from: 22, to: 22, cidr: "0.0.0.0/0" },
  ]);
});

test("provider_id must be <vpc-id>.<subnet-id>", () => {
  assert.deepEqual(parseProviderId("vpc-1a.subnet-2b"), { vpcId: "vpc-1a", subnetId: "subnet-2b" });
  assert.throws(
    () => parseProviderId("subnet-2b"),
    (e: unknown) =>
      e instanceof Ec2PlanError &&
      e.message === "Incorrect provider_id value: subnet-2b. It must be <vpc-id>.<subnet-id>.",
  );
});

test("user data: users entry, non-22 SSH port, merge_how; a recipe mapping is merged, a script is kept", () => {
  const plain = cloudInitUserData({ sshPort: 2222, user: "cloudadm", publicKey: "ssh-ed25519 AAAA k\n" });
  assert.ok(plain.startsWith("#cloud-config\n"));
  const cfg = parse(plain) as Record<string, unknown>;
  assert.equal(cfg.merge_how, DEFAULT_MERGE_HOW);
  assert.deepEqual(
    (cfg.users as { name: string; "ssh-authorized-keys": string[] }[])[0]!["ssh-authorized-keys"],
    ["ssh-ed25519 AAAA k"],
  );
  assert.ok((cfg.runcmd as string[])[0]!.includes("Port 2222"));
  const merged = parse(
    cloudInitUserData({ recipe: "packages: [git]\nmerge_how: x\n", sshPort: 22, user: "u", publicKey: "k" }),
  ) as Record<string, unknown>;
  assert.deepEqual(merged.packages, ["git"]);
  assert.equal(merged.merge_how, "x");
  assert.equal(merged.runcmd, undefined);
  const script = "#!/bin/sh\necho hi\n";
  assert.equal(cloudInitUserData({ recipe: script, sshPort: 2222, user: "u", publicKey: "k" }), script);
});

test("disks: root size/type, data disks with a device only, sources", () => {
  const fs = systemFeatures(
    "disk.0.size = 30G and disk.0.type = 'gp3' and " +
      "disk.1.size = 10G and disk.1.device = 'hdb' and disk.1.type = 'io1' and " +
      "disk.2.size = 5G and " +
      "disk.3.image.url = 'aws://us-east-1/snap-0abc' and disk.3.device = 'xvdc' and " +
      "disk.4.image.url = 'aws://us-east-1/vol-0abc' and disk.4.device = 'sdd' and " +
      "disk.5.image.url = 'aws://us-east-1/my-data' and disk.5.device = 'sde'",
  );
  assert.deepEqual(rootDisk(fs), { volumeType: "gp3", volumeSize: 30 });
  assert.deepEqual(rootDisk(systemFeatures("cpu.count >= 1")), { volumeType: "standard" });
  assert.deepEqual(
    launchDisks(fs).map((d) => [d.index, d.deviceName, d.volumeType, d.volumeSize, d.source]),
    [
      [1, "/dev/sdb", "io1", 10, { kind: "new" }],
      [3, "/dev/sdc", "standard", undefined, { kind: "snapshot", snapshotId: "snap-0abc" }],
      [4, "/dev/sdd", "standard", undefined, { kind: "volume", volumeId: "vol-0abc" }],
      [5, "/dev/sde", "standard", undefined, { kind: "named", region: "us-east-1", name: "my-data" }],
    ],
  );
});
