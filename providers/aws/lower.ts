/**
 * Lowering of one EC2 cloud (providers.md §3.8, §3.9, §9.3, §9.4): pure and deterministic over the
 * plan. One explicit `aws.Provider` (credentials as secrets, region fixed per cloud key); per region
 * and VPC the shared group `im-<inf>` and one group per RADL network, each with self rules, outport
 * rules and the allow-all egress rule; the infrastructure's VPC for `create = yes` networks; per VM
 * its instance, power state, elastic IPs and attached existing volumes.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import { contextualizationPlan } from "../../compiler/context-plan.js";
import { numberFeature, stringFeature } from "../../compiler/features.js";
import { networkName, providerName, sha6, sharedName, vmChildName } from "../../compiler/graph/names.js";
import type { GraphNode, GraphValue, VmOutputSpec } from "../../compiler/graph/types.js";
import { interpolate, ref, secret } from "../../compiler/graph/values.js";
import type { NetworkSec, RadlDocument } from "../../compiler/ir.js";
import type { CloudSlice, LoweredCloud, LoweredVm, SshConnectionSpec } from "../../compiler/plan/driver.js";
import { credentials, findNetwork, nics, sshPort } from "../../compiler/plan/system-features.js";
import type { PlannedVm } from "../../compiler/plan/types.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import { vmComponentId, vmComponentNode } from "../driver-common.js";
import { ec2Credentials } from "./auth.js";
import { cloudInitUserData } from "../cloud-init.js";
import { cloudDecisions, vmDecisions, type CloudDecisions, type RegionDecisions } from "./decisions.js";
import { launchDisks, rootDisk } from "./disks.js";
import { Ec2PlanError, NoInstanceTypeError } from "./errors.js";
import type { InstanceType } from "./instance-types.js";
import { requirementsOf, selectInstanceType } from "./instance-type-selection.js";
import {
  SG_DESCRIPTION,
  associatePublicIp,
  connectedNetworks,
  ingressRules,
  isCreatedNetwork,
  networkGroupName,
  placement,
  vpcKey,
  type Placement,
} from "./networks.js";
import { sshProxy } from "./proxy.js";
import { instanceTags } from "./tags.js";

export interface Ec2LowerOptions {
  /** A test endpoint (moto) for the provider's EC2 and STS calls. */
  endpoint?: string;
  /** Provider `skipRegionValidation` (tests only, §3.1). */
  skipRegionValidation?: boolean;
  /** Tag `IM-USER` (the IM user name); `im_user` when unknown. */
  imUser?: string;
  /** The instance-type table (a resized VM without `instance_type` gets the cheapest fit again). */
  instanceTypes?: readonly InstanceType[];
}

/**
 * The VM's type: `instance_type` of its concrete system; after AlterVM dropped it (the IM's
 * resize_vm_radl), the cheapest type for the new size (§3.7). Pure: same table, same answer.
 */
function instanceTypeOf(vm: PlannedVm, table: readonly InstanceType[] | undefined): string {
  const pinned = stringFeature(vm.concrete.features, "instance_type");
  if (pinned !== undefined && pinned !== "" && !pinned.includes("*")) return pinned;
  const chosen = selectInstanceType(requirementsOf(vm.concrete.features), table);
  if (chosen === undefined) throw new NoInstanceTypeError(vm.system);
  return chosen.name;
}

/** The key the RADL gives, by the 128-character rule of §2.3: shorter means an EC2 key-pair name. */
export function keyPairName(publicKey: string | undefined): string | undefined {
  return publicKey !== undefined && publicKey.length > 0 && publicKey.length < 128 ? publicKey : undefined;
}

class Builder {
  readonly nodes: GraphNode[] = [];
  private readonly ids = new Set<string>();

  add(node: GraphNode): string {
    if (!this.ids.has(node.id)) {
      this.ids.add(node.id);
      this.nodes.push(node);
    }
    return node.id;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}

function providerNode(slice: CloudSlice, dec: CloudDecisions, opts: Ec2LowerOptions): GraphNode {
  const id = providerName(slice.cloud.cloudKey);
  const args: Record<string, GraphValue> = { region: dec.providerRegion };
  if (slice.credentials !== undefined) {
    const c = ec2Credentials(slice.credentials as AuthItem);
    args.accessKey = secret(c.accessKey);
    args.secretKey = secret(c.secretKey);
    if (c.token !== undefined) args.token = secret(c.token);
  }
  if (opts.skipRegionValidation === true) args.skipRegionValidation = true;
  if (opts.endpoint !== undefined) {
    args.endpoints = [{ ec2: opts.endpoint, sts: opts.endpoint }];
    args.skipCredentialsValidation = true;
    args.skipRequestingAccountId = true;
    args.skipMetadataApiCheck = true;
  }
  return { id, type: "pulumi:providers:aws", name: id, args };
}

interface Ctx {
  /** Ids of the VMs that route for a network (`router = '<cidr>,<system>'`): no source/dest check. */
  routerVms: Set<number>;
  b: Builder;
  infId: string;
  doc: RadlDocument;
  cloudKey: string;
  provider: string;
}

function opts(ctx: Ctx, parent: string, extra: Partial<GraphNode["options"]> = {}): GraphNode["options"] {
  return { parent, provider: ctx.provider, ...extra };
}

function component(ctx: Ctx, type: "im:index:Shared" | "im:index:Network", id: string): string {
  return ctx.b.add({ id, type, name: id, args: {} });
}

/** Self rules, outport rules and the egress rule of a group whose node id is `sg`. */
function groupRules(
  ctx: Ctx,
  sg: string,
  parent: string,
  rules: ReturnType<typeof ingressRules>,
  region: string,
) {
  for (const proto of ["tcp", "udp"]) {
    ctx.b.add({
      id: `${sg}-self-${proto}`,
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: `${sg}-self-${proto}`,
      args: {
        securityGroupId: ref(sg, "id"),
        ipProtocol: proto,
        fromPort: 0,
        toPort: 65535,
        referencedSecurityGroupId: ref(sg, "id"),
        region,
      },
      options: opts(ctx, parent),
    });
  }
  for (const r of rules) {
    const id = `${sg}-rule-${r.protocol}-${r.from}-${r.to}-${sha6(r.cidr)}`;
    ctx.b.add({
      id,
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: id,
      args: {
        securityGroupId: ref(sg, "id"),
        ipProtocol: r.protocol,
        fromPort: r.from,
        toPort: r.to,
        cidrIpv4: r.cidr,
        region,
      },
      options: opts(ctx, parent),
    });
  }
  ctx.b.add({
    id: `${sg}-egress`,
    type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    name: `${sg}-egress`,
    args: { securityGroupId: ref(sg, "id"), ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", region },
    options: opts(ctx, parent),
  });
}

/** The infrastructure's VPC, IGW and default route in `region` (created networks only). */
function createdVpc(ctx: Ctx, region: string, facts: RegionDecisions): string {
  const parent = component(ctx, "im:index:Shared", sharedName(ctx.cloudKey));
  const vpc = sharedName(ctx.cloudKey, `vpc-${region}`);
  if (ctx.b.has(vpc)) return vpc;
  const tags = { "IM-INFRA-ID": ctx.infId };
  ctx.b.add({
    id: vpc,
    type: "aws:ec2/vpc:Vpc",
    name: vpc,
    args: { cidrBlock: facts.created!.vpcCidr, region, tags },
    options: opts(ctx, parent),
  });
  const igw = sharedName(ctx.cloudKey, `igw-${region}`);
  ctx.b.add({
    id: igw,
    type: "aws:ec2/internetGateway:InternetGateway",
    name: igw,
    args: { vpcId: ref(vpc, "id"), region, tags },
    options: opts(ctx, parent),
  });
  const route = sharedName(ctx.cloudKey, `route-default-${region}`);
  ctx.b.add({
    id: route,
    type: "aws:ec2/route:Route",
    name: route,
    args: {
      routeTableId: ref(vpc, "mainRouteTableId"),
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: ref(igw, "id"),
      region,
    },
    options: opts(ctx, parent),
  });
  return vpc;
}

function vpcIdValue(ctx: Ctx, p: Placement, region: string, facts: RegionDecisions): GraphValue {
  return p.vpc.kind === "existing" ? p.vpc.vpcId : ref(createdVpc(ctx, region, facts), "id");
}

function subnetIdValue(
  ctx: Ctx,
  p: Placement,
  region: string,
  facts: RegionDecisions,
  zone?: string,
): GraphValue {
  if (p.subnet.kind === "existing") return p.subnet.subnetId;
  const network = p.subnet.network;
  const cidr = facts.created?.subnets[network];
  if (cidr === undefined) throw new Ec2PlanError(`No CIDR was planned for network '${network}' in ${region}`);
  const vpc = createdVpc(ctx, region, facts);
  const parent = component(ctx, "im:index:Network", networkName(ctx.cloudKey, network));
  const id = networkName(ctx.cloudKey, network, `subnet-${region}`);
  ctx.b.add({
    id,
    type: "aws:ec2/subnet:Subnet",
    name: id,
    args: {
      vpcId: ref(vpc, "id"),
      cidrBlock: cidr,
      region,
      ...(zone !== undefined ? { availabilityZone: zone } : {}),
      tags: { "IM-INFRA-ID": ctx.infId, "IM-SUBNET-ID": network },
    },
    options: opts(ctx, parent),
  });
  return ref(id, "id");
}

function securityGroups(
  ctx: Ctx,
  vmNets: NetworkSec[],
  p: Placement,
  region: string,
  facts: RegionDecisions,
) {
  const suffix = `sg-${region}-${vpcKey(p.vpc)}`;
  const vpcId = vpcIdValue(ctx, p, region, facts);
  /** Group values for `vpcSecurityGroupIds`: our groups by reference, existing ones by id. */
  const groups: GraphValue[] = [];
  const sharedParent = component(ctx, "im:index:Shared", sharedName(ctx.cloudKey));
  const shared = sharedName(ctx.cloudKey, suffix);
  if (!ctx.b.has(shared)) {
    ctx.b.add({
      id: shared,
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: shared,
      args: {
        name: `im-${ctx.infId}`,
        description: SG_DESCRIPTION,
        vpcId,
        region,
        tags: { "IM-INFRA-ID": ctx.infId },
      },
      options: opts(ctx, sharedParent, { deleteBeforeReplace: true }),
    });
    groupRules(ctx, shared, sharedParent, [], region);
  }
  groups.push(ref(shared, "id"));
  for (const net of vmNets) {
    const sgName = stringFeature(net.features, "sg_name");
    if (p.vpc.kind === "existing" && sgName !== undefined && sgName !== "") {
      const existing = facts.existingGroups?.[`${p.vpc.vpcId}/${sgName}`];
      if (existing === undefined) throw new Ec2PlanError(`Security group ${sgName} was not planned`);
      if (existing !== "") {
        groups.push(existing);
        continue;
      }
    }
    const id = networkName(ctx.cloudKey, net.id, suffix);
    if (!ctx.b.has(id)) {
      const parent = component(ctx, "im:index:Network", networkName(ctx.cloudKey, net.id));
      ctx.b.add({
        id,
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: id,
        args: {
          name: networkGroupName(ctx.infId, net),
          description: SG_DESCRIPTION,
          vpcId,
          region,
          tags: { "IM-INFRA-ID": ctx.infId },
        },
        options: opts(ctx, parent, { deleteBeforeReplace: true }),
      });
      groupRules(ctx, id, parent, ingressRules(net), region);
    }
    groups.push(ref(id, "id"));
  }
  return groups;
}

function userDataOf(vm: PlannedVm, doc: RadlDocument, publicKey: string | undefined, user: string): string {
  const configure = contextualizationPlan(doc).cloudInit.get(vm.system);
  const recipe =
    configure === undefined
      ? undefined
      : (doc.configures.find((c) => c.id === configure)?.recipe ?? undefined);
  return cloudInitUserData({
    ...(recipe !== undefined ? { recipe } : {}),
    sshPort: sshPort(vm.concrete, doc),
    user,
    ...(publicKey !== undefined ? { publicKey } : {}),
  });
}

function lowerVm(ctx: Ctx, vm: PlannedVm, dec: CloudDecisions, lopts: Ec2LowerOptions): LoweredVm {
  const fs = vm.concrete.features;
  const d = vmDecisions(vm);
  const region = d.region;
  const facts = dec.regions[region] ?? {};
  const componentId = ctx.b.add(vmComponentNode(vm));
  const vmNets = connectedNetworks(vm.concrete, ctx.doc);
  const p = placement(vm.concrete, ctx.doc, facts);
  const zone =
    stringFeature(fs, "availability_zone") ?? (d.spot ? facts.spotZones?.[d.instanceType] : undefined);
  const subnetId = subnetIdValue(ctx, p, region, facts, zone);
  // Every created network the VM is connected to gets its subnet (the VM's NIC sits in the first).
  for (const net of vmNets.filter(isCreatedNetwork)) {
    subnetIdValue(
      ctx,
      { vpc: { kind: "created" }, subnet: { kind: "created", network: net.id } },
      region,
      facts,
      zone,
    );
  }
  const groups = securityGroups(ctx, vmNets, p, region, facts);

  const creds = credentials(fs);
  const user = creds.username ?? "cloudadm";
  const keyName = keyPairName(creds.publicKey);
  const publicKey = keyName !== undefined ? undefined : (creds.publicKey ?? d.generatedKey?.publicKey);
  const privateKey =
    creds.privateKey ?? (creds.publicKey === undefined ? d.generatedKey?.privateKey : undefined);
  const password = privateKey !== undefined ? undefined : creds.password;
  const associate = associatePublicIp(vm.concrete, ctx.doc);

  const root = rootDisk(fs);
  const disks = launchDisks(fs);
  const ebs = disks
    .filter((k) => k.source.kind !== "volume")
    .map((k) => {
      let snapshotId: string | undefined;
      if (k.source.kind === "snapshot") snapshotId = k.source.snapshotId;
      if (k.source.kind === "named") {
        const named = facts.namedDisks?.[k.source.name];
        if (named?.volumeId === undefined && named?.snapshotId === undefined) {
          throw new Ec2PlanError(`No snapshot/volume found with name: ${k.source.name}`);
        }
        snapshotId = named.snapshotId;
      }
      return {
        deviceName: k.deviceName,
        volumeType: k.volumeType,
        deleteOnTermination: true,
        ...(k.volumeSize !== undefined ? { volumeSize: k.volumeSize } : {}),
        ...(snapshotId !== undefined ? { snapshotId } : {}),
      };
    });

  const serverId = vmChildName(vm.id, "server");
  const args: Record<string, GraphValue> = {
    ami: d.ami,
    instanceType: instanceTypeOf(vm, lopts.instanceTypes),
    region,
    subnetId,
    vpcSecurityGroupIds: groups,
    associatePublicIpAddress: associate,
    userData: userDataOf(vm, ctx.doc, publicKey, user),
    tags: instanceTags(vm, d.name, lopts.imUser),
    rootBlockDevice: {
      volumeType: root.volumeType,
      deleteOnTermination: true,
      ...(root.volumeSize !== undefined ? { volumeSize: root.volumeSize } : {}),
    },
  };
  if (keyName !== undefined) args.keyName = keyName;
  if (ctx.routerVms.has(vm.id)) args.sourceDestCheck = false;
  if (zone !== undefined) args.availabilityZone = zone;
  if (ebs.length > 0) args.ebsBlockDevices = ebs;
  if (d.spot) {
    const priceNumber = numberFeature(fs, "price");
    const price = priceNumber === undefined ? undefined : String(priceNumber);
    args.instanceMarketOptions = {
      marketType: "spot",
      spotOptions: { spotInstanceType: "one-time", ...(price !== undefined ? { maxPrice: price } : {}) },
    };
  }
  ctx.b.add({
    id: serverId,
    type: "aws:ec2/instance:Instance",
    name: serverId,
    args,
    options: opts(ctx, componentId, { ignoreChanges: ["userData"] }),
  });
  const powerId = vmChildName(vm.id, "power");
  ctx.b.add({
    id: powerId,
    type: "aws:ec2transitgateway/instanceState:InstanceState",
    name: powerId,
    args: { instanceId: ref(serverId, "id"), state: vm.desiredPower, region },
    options: opts(ctx, componentId),
  });

  const physical: Record<string, GraphValue> = { server: ref(serverId, "id") };
  const ready = [serverId];
  // Public interfaces: a fixed IP is an existing elastic IP to associate; otherwise the launch IP
  // serves the first one and one new elastic IP the next (the IM allocates at most one per VM).
  const nicList = nics(fs);
  const publicNics = nicList.filter((n) => {
    const net = findNetwork(ctx.doc, n.connection);
    return net !== undefined && isPublicNetwork(net);
  });
  const nicIp = new Map<number, { ip: GraphValue; kind: string }>();
  // An elastic IP associated with the instance takes the place of its launch IP.
  let launchIpUsed = publicNics.some((n) => n.ip !== undefined && (facts.elasticIps?.[n.ip] ?? "") !== "");
  let newEip = false;
  for (const n of publicNics) {
    if (n.ip !== undefined && n.ip !== "") {
      const allocationId = facts.elasticIps?.[n.ip];
      if (allocationId === undefined) {
        throw new Ec2PlanError(
          `The elastic IP ${n.ip} of net_interface.${n.index} was not found in ${region}`,
        );
      }
      const id = vmChildName(vm.id, `fipassoc-${n.index}`);
      ctx.b.add({
        id,
        type: "aws:ec2/eipAssociation:EipAssociation",
        name: id,
        args: { allocationId, instanceId: ref(serverId, "id"), region },
        options: opts(ctx, componentId),
      });
      physical[`fipassoc-${n.index}`] = ref(id, "id");
      ready.push(id);
      nicIp.set(n.index, { ip: n.ip, kind: "elastic" });
    } else if (associate && !launchIpUsed) {
      launchIpUsed = true;
      nicIp.set(n.index, { ip: ref(serverId, "publicIp"), kind: "fixed" });
    } else if (!newEip) {
      newEip = true;
      const id = vmChildName(vm.id, `fip-${n.index}`);
      ctx.b.add({
        id,
        type: "aws:ec2/eip:Eip",
        name: id,
        args: { domain: "vpc", instance: ref(serverId, "id"), region, tags: { "IM-INFRA-ID": ctx.infId } },
        options: opts(ctx, componentId),
      });
      physical[`fip-${n.index}`] = ref(id, "id");
      ready.push(id);
      nicIp.set(n.index, { ip: ref(id, "publicIp"), kind: "elastic" });
    }
  }
  for (const k of disks) {
    if (k.source.kind !== "volume") continue;
    const id = vmChildName(vm.id, `attach-${k.index}`);
    ctx.b.add({
      id,
      type: "aws:ec2/volumeAttachment:VolumeAttachment",
      name: id,
      args: {
        deviceName: k.deviceName,
        instanceId: ref(serverId, "id"),
        volumeId: k.source.volumeId,
        region,
      },
      options: opts(ctx, componentId),
    });
    physical[`attach-${k.index}`] = ref(id, "id");
  }

  const privateIp = ref(serverId, "privateIp");
  const firstPublic = publicNics.map((n) => nicIp.get(n.index)).find((x) => x !== undefined);
  const publicIp = firstPublic?.ip ?? (associate ? ref(serverId, "publicIp") : undefined);
  const host = publicIp ?? privateIp;
  const port = sshPort(vm.concrete, ctx.doc);
  const connection: SshConnectionSpec = { host, port, user };
  // A VM without a public IP is reached through its network's proxy_host, when there is one.
  const proxy = publicIp === undefined ? sshProxy(vm.concrete, ctx.doc) : undefined;
  if (proxy !== undefined) connection.proxy = proxy;
  if (privateKey !== undefined) connection.privateKey = secret(privateKey);
  if (password !== undefined) connection.password = secret(password);

  const output: VmOutputSpec = {
    cloudKey: vm.cloudKey,
    connector: "EC2",
    instanceId: interpolate(`${region};`, ref(serverId, "id")),
    physical,
    name: d.name,
    ...(zone !== undefined ? { zone } : {}),
    desiredPower: vm.desiredPower,
    nics: nicList.map((n) => {
      const pub = nicIp.get(n.index);
      if (pub !== undefined) return { radlNet: n.connection, ip: pub.ip, kind: pub.kind };
      const net = findNetwork(ctx.doc, n.connection);
      if (net !== undefined && isPublicNetwork(net)) return { radlNet: n.connection, kind: "fixed" };
      return { radlNet: n.connection, ip: privateIp, kind: "fixed" };
    }),
    outports: [],
    ssh: { host, port, user, ...(proxy !== undefined ? { viaProxy: String(proxy.host) } : {}) },
  };
  const secrets: LoweredVm["secrets"] = {};
  if (privateKey !== undefined) secrets.privateKey = secret(privateKey);
  if (password !== undefined) secrets.password = secret(password);
  return {
    vm,
    componentId: vmComponentId(vm),
    readyNodeIds: ready,
    output,
    secrets,
    connection,
    privateIp,
    ...(publicIp !== undefined ? { publicIp } : {}),
  };
}

/**
 * `router = '<cidr>,<system>'` of created networks: the route for `cidr` goes through the first
 * live VM of `system` (the one exception to "shared objects never depend on VMs", §9.3).
 */
function routerRoutes(
  doc: RadlDocument,
  vms: PlannedVm[],
): { network: string; cidr: string; vm: PlannedVm }[] {
  const out: { network: string; cidr: string; vm: PlannedVm }[] = [];
  for (const net of doc.networks.filter(isCreatedNetwork)) {
    const text = stringFeature(net.features, "router");
    if (text === undefined || text === "") continue;
    const [cidr, system] = text.split(",").map((x) => x.trim());
    if (cidr === undefined || system === undefined || cidr === "" || system === "") {
      throw new Ec2PlanError(
        `Incorrect router value in network '${net.id}': ${text}. It must be <cidr>,<system>.`,
      );
    }
    const vm = vms.find((v) => v.system === system);
    if (vm !== undefined) out.push({ network: net.id, cidr, vm });
  }
  return out;
}

export function lowerEc2(slice: CloudSlice, lopts: Ec2LowerOptions = {}): LoweredCloud {
  const dec = cloudDecisions(slice.cloud);
  const b = new Builder();
  const provider = b.add(providerNode(slice, dec, lopts));
  const sorted = [...slice.vms].sort((x, y) => x.id - y.id);
  const routes = routerRoutes(slice.plan.document, sorted);
  const ctx: Ctx = {
    b,
    infId: slice.plan.infId,
    doc: slice.plan.document,
    cloudKey: slice.cloud.cloudKey,
    provider,
    routerVms: new Set(routes.map((r) => r.vm.id)),
  };
  const vms = sorted.map((vm) => lowerVm(ctx, vm, dec, lopts));
  for (const r of routes) {
    const region = vmDecisions(r.vm).region;
    const vpc = sharedName(ctx.cloudKey, `vpc-${region}`);
    if (!b.has(vpc)) continue; // only in the infrastructure's own VPC (§3.3)
    const id = networkName(ctx.cloudKey, r.network, `route-${region}-${sha6(r.cidr)}`);
    b.add({
      id,
      type: "aws:ec2/route:Route",
      name: id,
      args: {
        routeTableId: ref(vpc, "mainRouteTableId"),
        destinationCidrBlock: r.cidr,
        networkInterfaceId: ref(vmChildName(r.vm.id, "server"), "primaryNetworkInterfaceId"),
        region,
      },
      options: opts(ctx, component(ctx, "im:index:Network", networkName(ctx.cloudKey, r.network))),
    });
  }
  const shared: NonNullable<LoweredCloud["shared"]> = { securityGroups: {}, subnets: {} };
  for (const n of b.nodes) {
    if (n.type === "aws:ec2/securityGroup:SecurityGroup") shared.securityGroups![n.name] = ref(n.id, "id");
    if (n.type === "aws:ec2/subnet:Subnet") shared.subnets![n.name] = ref(n.id, "id");
    if (n.type === "aws:ec2/vpc:Vpc") shared.vpc = ref(n.id, "id");
  }
  return { nodes: b.nodes, vms, shared };
}
