/** Graphs and RADL inputs for the emitter's tests (test/compiler/emit*, test/cli/compile*). */
import {
  emptyGraph,
  interpolate,
  ref,
  secret,
  type GraphNode,
  type ResourceGraph,
} from "../../compiler/graph/index.js";

/** Mock outputs the cloud SDK resources return, keyed by type token (providers.md §11.2). */
export const CLOUD_MOCK_OUTPUTS: Record<string, Record<string, unknown>> = {
  "aws:ec2/instance:Instance": { publicIp: "54.1.2.3", privateIp: "10.0.0.5", instanceState: "running" },
  "openstack:compute/instance:Instance": { networks: [{ fixedIpV4: "192.168.0.7", port: "p-1" }] },
  "openstack:networking/floatingIp:FloatingIp": { address: "1.2.3.4" },
};

/** Every provider credential of cloudGraph(): none may appear in an emitted file. */
export const CLOUD_GRAPH_SECRETS = [
  "AKIAEMITTESTKEY",
  "emit-secret-key-value",
  "os-password-value",
  "k8s-token-value",
  "s3cret-vm-pw",
];

/** EC2, OpenStack and Kubernetes nodes with every value form and option the register knows. */
export function cloudGraph(): ResourceGraph {
  const g = emptyGraph();
  const n = (node: GraphNode) => g.nodes.push(node);
  n({
    id: "cloud-EC2-0123456789",
    type: "pulumi:providers:aws",
    name: "cloud-EC2-0123456789",
    args: {
      region: "us-east-1",
      accessKey: secret("AKIAEMITTESTKEY"),
      secretKey: secret("emit-secret-key-value"),
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
      userData:
        "#cloud-config\nusers:\n  - name: cloudadm\n    shell: /bin/bash # `quoted` ${not} \\ a template\r\n",
      tags: { Name: "front", "IM-USER": "im_user", "weird key": "x" },
    },
    options: {
      parent: "vm-0",
      provider: "cloud-EC2-0123456789",
      ignoreChanges: ["userData"],
      customTimeouts: { create: "20m", delete: "10m" },
      aliases: ["urn:pulumi:s::im::aws:ec2/instance:Instance::old-front"],
    },
  });
  n({
    id: "vm-0-power",
    type: "aws:ec2transitgateway/instanceState:InstanceState",
    name: "vm-0-power",
    args: { instanceId: ref("vm-0-server", "id"), state: "running", region: "us-east-1" },
    options: { parent: "vm-0", provider: "cloud-EC2-0123456789" },
  });
  n({
    id: "cloud-OpenStack-abcdef0123",
    type: "pulumi:providers:openstack",
    name: "cloud-OpenStack-abcdef0123",
    args: {
      authUrl: "https://keystone:5000/v3",
      userName: "u",
      password: secret("os-password-value"),
      tenantName: "t",
    },
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
      adminPass: secret("s3cret-vm-pw"),
    },
    options: {
      parent: "vm-1",
      provider: "cloud-OpenStack-abcdef0123",
      ignoreChanges: ["userData"],
      additionalSecretOutputs: ["adminPass"],
    },
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
  n({
    id: "cloud-Kubernetes-fedcba9876",
    type: "pulumi:providers:kubernetes",
    name: "cloud-Kubernetes-fedcba9876",
    args: {
      kubeconfig: secret("apiVersion: v1\nkind: Config\nusers:\n- user:\n    token: k8s-token-value\n"),
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
  // Contextualization-like nodes: a playbook shipped as an asset archive, a secret inside an interpolation.
  n({ id: "ctxt", type: "im:index:Contextualization", name: "ctxt", args: {} });
  n({
    id: "ctxt-copy",
    type: "command:remote:CopyToRemote",
    name: "ctxt-copy",
    args: {
      connection: {
        host: ref("vm-0-server", "publicIp"),
        user: "cloudadm",
        password: secret("s3cret-vm-pw"),
      },
      source: {
        asset: {
          kind: "assetArchive",
          assets: {
            "playbook.yml": {
              asset: { kind: "string", text: "- hosts: all\n  tasks:\n    - debug: msg='`${x}`'\n" },
            },
            "inventory/hosts": { asset: { kind: "string", text: "[front]\nfront ansible_host=54.1.2.3\n" } },
            "id.txt": { asset: { kind: "string", text: "short" } },
          },
        },
      },
      remotePath: "/tmp/ctxt",
    },
    options: { parent: "ctxt", dependsOn: ["vm-0-server"] },
  });
  n({
    id: "ctxt-run",
    type: "command:remote:Command",
    name: "ctxt-run",
    args: {
      connection: {
        host: ref("vm-0-server", "publicIp"),
        user: "cloudadm",
        password: secret("s3cret-vm-pw"),
      },
      create: interpolate(
        "cd /tmp/ctxt && IP=",
        ref("vm-1-server", "networks.0.fixedIpV4"),
        " PW=",
        secret("s3cret-vm-pw"),
        " ansible-playbook playbook.yml # ",
        42,
      ),
      stdin: secret(interpolate("token=", ref("vm-1-fip-0", "address"))),
      triggers: [1, "a", true],
    },
    options: { parent: "ctxt", dependsOn: ["ctxt-copy"], additionalSecretOutputs: ["stdout"] },
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
  g.outputs.vmSecrets["1"] = { password: secret("s3cret-vm-pw") };
  g.outputs.extra = {
    summary: interpolate("ec2=", ref("vm-0-server", "id"), " fip=", ref("vm-1-fip-0", "address")),
  };
  return g;
}

/** A Dummy infrastructure in the corpus' style: two systems, a public network with outports. */
export const DUMMY_RADL = `network publica (outbound = 'yes' and outports = '8080,22')
network privada ()
system front (
  cpu.arch = 'x86_64' and cpu.count >= 2 and memory.size >= 2g and
  net_interface.0.connection = 'publica' and net_interface.1.connection = 'privada' and
  disk.0.os.name = 'linux' and disk.0.image.url = 'one://server.com/1' and
  disk.0.os.credentials.username = 'cloudadm' and disk.0.os.credentials.password = 'front-vm-password'
)
system wn (
  cpu.count >= 1 and memory.size >= 1g and
  net_interface.0.connection = 'privada' and disk.0.os.name = 'linux'
)
deploy front 1
deploy wn 2
`;

export const DUMMY_AUTH = `id = im; type = InfrastructureManager; username = im-user; password = im-password-value
id = dummy; type = Dummy
`;

/** A DeployedNode infrastructure: existing hosts reached over SSH with a key. */
export const DEPLOYED_RADL = `network lan (outports = '2222-22')
system node (
  net_interface.0.connection = 'lan' and net_interface.0.ip = '127.0.0.1' and
  disk.0.os.credentials.username = 'tester' and
  disk.0.os.credentials.private_key = '-----BEGIN RSA PRIVATE KEY-----deployed-key-body-----END RSA PRIVATE KEY-----'
)
deploy node 2
`;

export const DEPLOYED_AUTH = `type = InfrastructureManager; username = im-user; password = im-password-value
type = DeployedNode
`;
