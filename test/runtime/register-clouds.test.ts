import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  KNOWN_TOKENS,
  emptyGraph,
  interpolate,
  isComponentToken,
  ref,
  secret,
  type GraphNode,
  type ResourceGraph,
} from "../../compiler/graph/index.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { SDK_CLASSES, isTableToken, loadPackage, sdkClass } from "../../runtime/token-table.js";
import { expectedValue, matchRegistrations } from "./graph-expect.js";
import { recordingMocks, valueOf } from "./mocks-support.js";

const MOCK_OUTPUTS: Record<string, Record<string, unknown>> = {
  "aws:ec2/instance:Instance": { publicIp: "54.1.2.3", privateIp: "10.0.0.5", instanceState: "running" },
  "openstack:compute/instance:Instance": { networks: [{ fixedIpV4: "192.168.0.7", port: "p-1" }] },
  "openstack:networking/floatingIp:FloatingIp": { address: "1.2.3.4" },
};

const registrations = await recordingMocks("im", "inf-clouds", (type) => MOCK_OUTPUTS[type] ?? {});

function cloudGraph(): ResourceGraph {
  const g = emptyGraph();
  const n = (node: GraphNode) => g.nodes.push(node);
  // EC2
  n({
    id: "cloud-EC2-0123456789",
    type: "pulumi:providers:aws",
    name: "cloud-EC2-0123456789",
    args: {
      region: "us-east-1",
      accessKey: secret("AKIA"),
      secretKey: secret("SECRET"),
      skipRegionValidation: true,
    },
  });
  n({
    id: "shared-EC2-0123456789-sg",
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: "shared-EC2-0123456789-sg",
    args: {
      name: "im-inf",
      description: "Security group created by the IM",
      vpcId: "vpc-1",
      region: "us-east-1",
    },
    options: { provider: "cloud-EC2-0123456789", deleteBeforeReplace: true },
  });
  n({
    id: "shared-EC2-0123456789-egress",
    type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    name: "shared-EC2-0123456789-egress",
    args: { securityGroupId: ref("shared-EC2-0123456789-sg", "id"), ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
    options: { provider: "cloud-EC2-0123456789" },
  });
  n({ id: "vm-0", type: "im:index:VirtualMachine", name: "vm-0", args: {} });
  n({
    id: "vm-0-server",
    type: "aws:ec2/instance:Instance",
    name: "vm-0-server",
    args: {
      ami: "ami-0123456789abcdef0",
      instanceType: "t3.micro",
      region: "us-east-1",
      vpcSecurityGroupIds: [ref("shared-EC2-0123456789-sg", "id")],
      userData: "#cloud-config\n",
      tags: { Name: "front", "IM-USER": "im_user" },
    },
    options: { parent: "vm-0", provider: "cloud-EC2-0123456789", ignoreChanges: ["userData"] },
  });
  n({
    id: "vm-0-power",
    type: "aws:ec2transitgateway/instanceState:InstanceState",
    name: "vm-0-power",
    args: { instanceId: ref("vm-0-server", "id"), state: "running", region: "us-east-1" },
    options: { parent: "vm-0", provider: "cloud-EC2-0123456789" },
  });
  // OpenStack
  n({
    id: "cloud-OpenStack-abcdef0123",
    type: "pulumi:providers:openstack",
    name: "cloud-OpenStack-abcdef0123",
    args: { authUrl: "https://keystone:5000/v3", userName: "u", password: secret("p"), tenantName: "t" },
  });
  n({ id: "vm-1", type: "im:index:VirtualMachine", name: "vm-1", args: {} });
  n({
    id: "vm-1-nic-0",
    type: "openstack:networking/port:Port",
    name: "vm-1-nic-0",
    args: { networkId: "net-1", fixedIps: [{ subnetId: "sub-1", ipAddress: "192.168.0.7" }] },
    options: { parent: "vm-1", provider: "cloud-OpenStack-abcdef0123" },
  });
  n({
    id: "vm-1-server",
    type: "openstack:compute/instance:Instance",
    name: "vm-1-server",
    args: {
      name: "wn",
      flavorName: "m1.small",
      imageId: "img-1",
      networks: [{ port: ref("vm-1-nic-0", "id") }],
      userData: "",
    },
    options: { parent: "vm-1", provider: "cloud-OpenStack-abcdef0123", ignoreChanges: ["userData"] },
  });
  n({
    id: "vm-1-fip-0",
    type: "openstack:networking/floatingIp:FloatingIp",
    name: "vm-1-fip-0",
    args: { pool: "public" },
    options: { parent: "vm-1", provider: "cloud-OpenStack-abcdef0123", retainOnDelete: false },
  });
  n({
    id: "vm-1-fipassoc-0",
    type: "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
    name: "vm-1-fipassoc-0",
    args: { floatingIp: ref("vm-1-fip-0", "address"), portId: ref("vm-1-nic-0", "id") },
    options: { parent: "vm-1", provider: "cloud-OpenStack-abcdef0123", dependsOn: ["vm-1-server"] },
  });
  // Kubernetes
  n({
    id: "cloud-Kubernetes-fedcba9876",
    type: "pulumi:providers:kubernetes",
    name: "cloud-Kubernetes-fedcba9876",
    args: {
      kubeconfig: secret("apiVersion: v1\nkind: Config\n"),
      clusterIdentifier: "Kubernetes-fedcba9876",
    },
  });
  n({ id: "vm-2", type: "im:index:VirtualMachine", name: "vm-2", args: {} });
  const meta = { name: "front", namespace: "inf", annotations: { "pulumi.com/skipAwait": "true" } };
  n({
    id: "vm-2-server",
    type: "kubernetes:apps/v1:Deployment",
    name: "vm-2-server",
    args: {
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: { name: "front" } },
        template: {
          metadata: { labels: { name: "front" } },
          spec: { containers: [{ name: "front", image: "nginx:1" }] },
        },
      },
    },
    options: {
      parent: "vm-2",
      provider: "cloud-Kubernetes-fedcba9876",
      deleteBeforeReplace: true,
      protect: true,
    },
  });
  n({
    id: "vm-2-svc",
    type: "kubernetes:core/v1:Service",
    name: "vm-2-svc",
    args: {
      metadata: meta,
      spec: {
        type: "NodePort",
        selector: { name: "front" },
        ports: [{ name: "port80", port: 80, targetPort: 80, protocol: "TCP" }],
      },
    },
    options: {
      parent: "vm-2",
      provider: "cloud-Kubernetes-fedcba9876",
      deleteBeforeReplace: true,
      dependsOn: ["vm-2-server"],
    },
  });
  const vm = (cloudKey: string, connector: string, server: string, ip: ReturnType<typeof ref>) => ({
    cloudKey,
    connector,
    instanceId: ref(server, "id"),
    physical: { server: ref(server, "id") },
    name: "front",
    desiredPower: "running" as const,
    nics: [{ radlNet: "public", ip, kind: "fixed" }],
    outports: [],
    ssh: { host: ip, port: 22, user: "cloudadm" },
  });
  g.outputs.vms["0"] = vm("EC2-0123456789", "EC2", "vm-0-server", ref("vm-0-server", "publicIp"));
  g.outputs.vms["1"] = vm(
    "OpenStack-abcdef0123",
    "OpenStack",
    "vm-1-server",
    ref("vm-1-server", "networks.0.fixedIpV4"),
  );
  g.outputs.vms["2"] = vm("Kubernetes-fedcba9876", "Kubernetes", "vm-2-server", ref("vm-2-svc", "id"));
  g.outputs.shared.securityGroups.public = ref("shared-EC2-0123456789-sg", "id");
  g.outputs.vmSecrets["1"] = { password: secret("s3cret") };
  g.outputs.extra = {
    summary: interpolate("ec2=", ref("vm-0-server", "id"), " fip=", ref("vm-1-fip-0", "address")),
  };
  return g;
}

/** Keys the SDKs add on their own (Kubernetes apiVersion/kind; provider defaults; provider version pins). */
function withoutSdkAdditions(
  type: string,
  inputs: Record<string, unknown>,
  expected: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (k in expected) out[k] = v;
  const extra = Object.keys(inputs).filter((k) => !(k in expected));
  const allowed = type.startsWith("kubernetes:")
    ? ["apiVersion", "kind"]
    : type.startsWith("pulumi:providers:")
      ? extra // provider resources carry the SDK's own configuration defaults
      : [];
  assert.deepEqual(
    extra.filter((k) => !allowed.includes(k)),
    [],
    `${type}: unexpected inputs`,
  );
  return out;
}

/** Provider inputs travel as strings (non-string values JSON-encoded). */
function providerNormal(v: unknown): unknown {
  if (typeof v === "boolean" || typeof v === "number") return JSON.stringify(v);
  return v;
}

test("every known token has an SDK class that registers exactly that token", async () => {
  for (const token of KNOWN_TOKENS) assert.ok(isTableToken(token), `${token} is in the token table`);
  for (const token of Object.keys(SDK_CLASSES))
    assert.ok(KNOWN_TOKENS.has(token), `${token} is a known token`);
  for (const [token, classRef] of Object.entries(SDK_CLASSES)) {
    const cls = sdkClass(await loadPackage(classRef.pkg), classRef) as unknown as { __pulumiType: string };
    const registered = token.startsWith("pulumi:providers:")
      ? `pulumi:providers:${cls.__pulumiType}`
      : cls.__pulumiType;
    assert.equal(registered, token);
  }
});

test("a hand-written aws/openstack/kubernetes graph registers exactly its nodes under mocks", async () => {
  const graph = cloudGraph();
  const { outputs } = await registerGraphDetailed(graph);
  const summary = await valueOf(outputs.summary!);
  const vms = (await valueOf(outputs.vms!)) as Record<
    string,
    { instanceId: string; nics: { ip: string }[]; ssh: { host: string } }
  >;
  const shared = (await valueOf(outputs.shared!)) as { securityGroups: Record<string, string> };
  await pulumi.runtime.disconnect();

  assert.deepEqual(
    registrations.map((r) => `${r.type}::${r.name}`).sort(),
    graph.nodes.map((n) => `${n.type}::${n.name}`).sort(),
  );
  const byNode = matchRegistrations(graph, registrations);
  const stateOf = (id: string) => {
    const r = byNode.get(id)!;
    return { ...r.inputs, id: `${r.name}-id`, ...(MOCK_OUTPUTS[r.type] ?? {}) };
  };
  for (const node of graph.nodes) {
    const reg = byNode.get(node.id)!;
    const o = node.options ?? {};
    if (isComponentToken(node.type)) {
      assert.deepEqual(reg.inputs, {});
    } else {
      const expected = expectedValue(node.args as never, stateOf) as Record<string, unknown>;
      const actual = withoutSdkAdditions(node.type, reg.inputs, expected);
      if (node.type.startsWith("pulumi:providers:")) {
        assert.deepEqual(
          actual,
          Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, providerNormal(v)])),
          node.id,
        );
      } else {
        assert.deepEqual(actual, expected, `inputs of ${node.id}`);
      }
    }
    assert.equal(
      reg.parent === "" ? undefined : reg.parent,
      o.parent === undefined ? undefined : byNode.get(o.parent)!.urn,
    );
    if (o.provider !== undefined)
      assert.ok(reg.provider.startsWith(`${byNode.get(o.provider)!.urn}::`), `provider of ${node.id}`);
    for (const dep of o.dependsOn ?? [])
      assert.ok(reg.dependencies.includes(byNode.get(dep)!.urn), `${node.id} → ${dep}`);
    assert.deepEqual(reg.ignoreChanges, o.ignoreChanges ?? [], `ignoreChanges of ${node.id}`);
    assert.equal(
      reg.deleteBeforeReplace,
      o.deleteBeforeReplace ?? false,
      `deleteBeforeReplace of ${node.id}`,
    );
    assert.equal(reg.protect, o.protect ?? false, `protect of ${node.id}`);
  }
  // Secrets stay secret on the way in.
  assert.ok(byNode.get("cloud-EC2-0123456789")!.secretPaths.includes("secretKey"));
  assert.ok(byNode.get("cloud-OpenStack-abcdef0123")!.secretPaths.includes("password"));
  assert.ok(byNode.get("cloud-Kubernetes-fedcba9876")!.secretPaths.includes("kubeconfig"));
  assert.ok(!byNode.get("vm-0-server")!.secretPaths.includes("userData"));
  // Refs resolved, nested paths included.
  assert.deepEqual(byNode.get("vm-0-server")!.inputs.vpcSecurityGroupIds, ["shared-EC2-0123456789-sg-id"]);
  assert.equal(byNode.get("vm-1-fipassoc-0")!.inputs.floatingIp, "1.2.3.4");
  assert.equal(vms["0"]!.instanceId, "vm-0-server-id");
  assert.equal(vms["0"]!.ssh.host, "54.1.2.3");
  assert.equal(vms["1"]!.nics[0]!.ip, "192.168.0.7");
  assert.equal(shared.securityGroups.public, "shared-EC2-0123456789-sg-id");
  assert.equal(summary, "ec2=vm-0-server-id fip=1.2.3.4");
  assert.equal(await pulumi.isSecret(outputs.vmSecrets!), true);
});
