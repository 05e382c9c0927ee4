/**
 * Shared fixtures of the OpenStack driver tests: an auth line, a catalogue (flavours, images,
 * networks with a pool, a router, an existing group), hand-written RADLs, plan → lower helpers and
 * the computed outputs the Pulumi mocks give OpenStack resources (providers.md §11.2).
 */
import { parseAuthText } from "../../compiler/auth/index.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import {
  driverLookup,
  lowerPlan,
  planDeployment,
  type CloudCatalog,
  type DeploymentPlan,
} from "../../compiler/plan/index.js";
import { OpenStackDriver } from "../../providers/openstack/index.js";
import { seededRandom } from "../compiler/plan-support.js";

export const OST_PASSWORD = "ost-golden-password-7c1e";
export const OST_AUTH = `id = ost; type = OpenStack; host = https://keystone.example.org:5000; username = ana; password = ${OST_PASSWORD}; tenant = proj; domain = Default; auth_version = 3.x_password; service_region = RegionOne\n`;

export const OST_CATALOG: CloudCatalog = {
  flavors: [
    { id: "f-tiny", name: "m1.tiny", vcpus: 1, ram: 512, disk: 1 },
    { id: "f-small", name: "m1.small", vcpus: 1, ram: 2048, disk: 20 },
    { id: "f-medium", name: "m1.medium", vcpus: 2, ram: 4096, disk: 40 },
    { id: "f-large", name: "m1.large", vcpus: 4, ram: 8192, disk: 80 },
    {
      id: "f-gpu",
      name: "g1.large",
      vcpus: 4,
      ram: 8192,
      disk: 80,
      extraSpecs: { "Accelerator:Type": "GPU", "Accelerator:Number": "1", "Accelerator:Vendor": "NVIDIA" },
    },
  ],
  images: [
    { id: "img-ubuntu", name: "Ubuntu 22.04", osDistro: "ubuntu", osVersion: "22.04" },
    { id: "img-centos", name: "CentOS 7", osDistro: "centos", osVersion: "7" },
  ],
  networks: [
    { id: "net-ext", name: "public", external: true, subnets: [{ id: "sub-ext", cidr: "158.42.104.0/24" }] },
    { id: "net-priv", name: "private", subnets: [{ id: "sub-priv", cidr: "10.0.0.0/24" }] },
    {
      id: "net-def",
      name: "default-net",
      tags: ["default"],
      subnets: [{ id: "sub-def", cidr: "192.168.10.0/24" }],
    },
  ],
  routers: [{ id: "router-1", name: "router1", externalNetworkId: "net-ext" }],
  securityGroups: [{ id: "sg-existing", name: "shared-web" }],
};

/** The corpus rewritten onto this cloud's host (the corpus names other OpenStack hosts). */
export const OST_HOST = "keystone.example.org";

export const HAND_RADLS: Record<string, string> = {
  "public-private-fip": `description d (name = 'demo')
network pub (outbound = 'yes' and outports = '8080-80,443,53/udp,0/icmp')
network priv (outports = '9000:9100')
system front (
  cpu.count >= 2 and memory.size >= 2g and
  net_interface.0.connection = 'pub' and net_interface.1.connection = 'priv' and
  net_interface.0.additional_ip = '10.0.0.200' and
  disk.0.image.url = 'ost://${OST_HOST}/img-ubuntu' and
  disk.0.os.credentials.username = 'ubuntu' and
  instance_tags = 'owner=ana,proj=x'
)
system back (
  memory.size >= 1g and
  net_interface.0.connection = 'priv' and net_interface.0.ip = '10.0.0.50' and
  disk.0.os.flavour = 'centos' and disk.0.os.version = '7' and
  disk.0.os.credentials.public_key = 'ssh-ed25519 AAAAuserkey ana' and
  disk.0.os.credentials.private_key = '-----BEGIN OPENSSH PRIVATE KEY-----userkey-----END OPENSSH PRIVATE KEY-----'
)
deploy front 1
deploy back 2
`,
  "created-network-disks": `network pub (outbound = 'yes' and provider_id = 'public')
network inner (create = 'yes' and cidr = '10.0.*.0/24' and dnsserver = '1.1.1.1' and sg_name = 'shared-web')
system node (
  cpu.count >= 1 and memory.size >= 4g and instance_type = 'm1.*' and
  net_interface.0.connection = 'pub' and net_interface.1.connection = 'inner' and
  disk.0.image.url = 'ost://${OST_HOST}:5000/image/img-ubuntu' and disk.0.size = 30g and
  disk.1.size = 10g and disk.1.type = 'ssd' and disk.1.fstype = 'xfs' and disk.1.mount_path = '/data' and
  disk.2.image.url = 'ost://${OST_HOST}/volume/vol-existing' and
  disk.3.size = 5g and disk.3.type = 'ephemeral' and
  availability_zone = 'nova'
)
deploy node 1
`,
  "routed-network-gpu": `network pub (outbound = 'yes' and outports = '2222-22')
network lan (router = '172.16.0.0/16,gw')
system gw (
  net_interface.0.connection = 'pub' and net_interface.1.connection = 'lan' and
  disk.0.image.url = 'ost://${OST_HOST}/volume/vol-boot'
)
system worker (
  gpu.count >= 1 and gpu.vendor = 'NVIDIA' and
  net_interface.0.connection = 'lan' and
  disk.0.image.url = 'ost://${OST_HOST}/img-ubuntu'
)
deploy gw 1
deploy worker 1
`,
};

export function ostAuth(text = OST_AUTH): AuthItem[] {
  return parseAuthText(text, { strict: true });
}

export async function planOst(
  radl: string,
  options: {
    catalog?: CloudCatalog | null;
    previous?: DeploymentPlan;
    auth?: string;
    infId?: string;
    driver?: OpenStackDriver;
  } = {},
): Promise<DeploymentPlan> {
  const document = loadValidRadl(radl, { source: "test.radl" });
  const catalog = options.catalog === undefined ? OST_CATALOG : options.catalog;
  return planDeployment({
    infId: options.infId ?? "inf-ost",
    document,
    auth: ostAuth(options.auth),
    drivers: driverLookup([options.driver ?? new OpenStackDriver()]),
    mode: "converge",
    random: seededRandom(7),
    ...(options.previous !== undefined ? { previous: options.previous } : {}),
    ...(catalog !== null ? { catalogs: { ost: catalog } } : {}),
  });
}

export function lowerOst(plan: DeploymentPlan, auth = OST_AUTH): ResourceGraph {
  return lowerPlan(plan, driverLookup([new OpenStackDriver()]), { auth: ostAuth(auth) });
}

/** Computed outputs by type token: ports get a fixed IP, floating IPs an address, servers networks. */
export function openStackMockOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const n = Number(/^vm-(\d+)/.exec(name)?.[1] ?? "0");
  if (type === "openstack:networking/port:Port") {
    const fixed = (inputs.fixedIps as { ipAddress?: string }[] | undefined)?.[0]?.ipAddress;
    const nic = Number(/-nic-(\d+)$/.exec(name)?.[1] ?? "0");
    return { allFixedIps: [fixed ?? `10.0.${nic}.${10 + n}`], macAddress: `fa:16:3e:00:0${nic}:${10 + n}` };
  }
  if (type === "openstack:networking/floatingIp:FloatingIp") return { address: `158.42.104.${100 + n}` };
  if (type === "openstack:compute/instance:Instance") return { accessIpV4: `10.0.0.${10 + n}` };
  return {};
}
