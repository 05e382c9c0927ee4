/**
 * Lowering of one OpenStack cloud (providers.md §4.7, §4.8, §9.3, §9.4): pure and deterministic
 * over the plan. One explicit `openstack.Provider` with secret credentials; per RADL network its
 * security group (self rules, outport rules), and for `create = yes` networks the network, subnet
 * and router interface (plus the `im-<inf>` router when no existing one has a public gateway);
 * per VM one port per NIC, the server, and floating IPs for public sides served by a pool.
 */
import { vmTags } from "../../compiler/plan/instance-tags.js";
import { contextualizationPlan } from "../../compiler/context-plan.js";
import { stringFeature } from "../../compiler/features.js";
import {
  networkName,
  providerName,
  ruleName,
  sha6,
  sharedName,
  vmChildName,
} from "../../compiler/graph/names.js";
import type { GraphNode, GraphNodeOptions, GraphValue, VmOutputSpec } from "../../compiler/graph/types.js";
import { ref, secret } from "../../compiler/graph/values.js";
import type { NetworkSec, RadlDocument } from "../../compiler/ir.js";
import type { CloudSlice, LoweredCloud, LoweredVm, SshConnectionSpec } from "../../compiler/plan/driver.js";
import { credentials, findNetwork, sshPort } from "../../compiler/plan/system-features.js";
import type { PlannedCloud, PlannedVm } from "../../compiler/plan/types.js";
import { vmComponentId, vmComponentNode } from "../driver-common.js";
import { openStackAuth } from "./auth.js";
import { cloudInitUserData } from "../cloud-init.js";
import { cloudDecisions, vmDecisions, type CloudDecisions } from "./decisions.js";
import { blockDevices } from "./disks.js";
import { OpenStackPlanError } from "./errors.js";
import {
  SG_DESCRIPTION,
  groupName,
  ingressRules,
  networkRouter,
  usedNetworks,
  vmNics,
  type NetChoice,
  type VmNic,
} from "./networks.js";
import { DEFAULT_USERNAME } from "./plan.js";
import { vmProxy } from "./proxy.js";

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
}

interface Ctx {
  b: Builder;
  infId: string;
  doc: RadlDocument;
  cloudKey: string;
  provider: string;
  dec: CloudDecisions;
  /** RADL network id → security-group id value (absent for networks whose VMs get no groups). */
  groups: Map<string, GraphValue>;
  /** RADL network id → network id / subnet id values and the router interface node. */
  nets: Map<string, { networkId?: GraphValue; subnetId?: GraphValue; rif?: string }>;
}

function opts(ctx: Ctx, parent: string, extra: GraphNodeOptions = {}): GraphNodeOptions {
  return { parent, provider: ctx.provider, ...extra };
}

/** `host` of the cloud as the Keystone URL gophercloud wants (a version path when it has none). */
function authUrlOf(cloud: PlannedCloud, authVersion: string): string {
  const base = `${cloud.protocol ?? "http"}://${cloud.server ?? ""}${cloud.port === -1 ? "" : `:${cloud.port}`}`;
  const path = cloud.path ?? "";
  if (path === "" || path === "/" || /^\/(v3|v2\.0)\/?$/.test(path))
    return `${base}${authVersion.startsWith("3.") ? "/v3" : "/v2.0"}`;
  return `${base}${path}`;
}

function providerNode(slice: CloudSlice): GraphNode {
  const id = providerName(slice.cloud.cloudKey);
  const args: Record<string, GraphValue> = {};
  if (slice.credentials === undefined) {
    args.authUrl = authUrlOf(slice.cloud, "3.x_password");
    args.insecure = true;
  } else {
    const a = openStackAuth(slice.credentials);
    args.authUrl = a.authUrl;
    args.insecure = a.insecure;
    if (a.region !== undefined) args.region = a.region;
    args.userDomainName = a.domain;
    args.projectDomainName = a.domain;
    if (a.authVersion === "3.x_appcred") {
      if (a.username !== undefined) args.applicationCredentialId = secret(a.username);
      if (a.password !== undefined) args.applicationCredentialSecret = secret(a.password);
    } else {
      if (a.username !== undefined) args.userName = a.username;
      if (a.password !== undefined) args.password = secret(a.password);
      if (a.tenant !== undefined) args.tenantName = a.tenant;
    }
    if (a.tenantId !== undefined) args.tenantId = a.tenantId;
    if (a.token !== undefined) args.token = secret(a.token);
    if (Object.keys(a.endpointOverrides).length > 0) args.endpointOverrides = a.endpointOverrides;
  }
  return { id, type: "pulumi:providers:openstack", name: id, args };
}

function sgDescription(doc: RadlDocument): string {
  const name = doc.description !== undefined ? stringFeature(doc.description.features, "name") : undefined;
  return name !== undefined && name !== "" ? `${SG_DESCRIPTION} for Inf: ${name}` : SG_DESCRIPTION;
}

function networkComponent(ctx: Ctx, net: NetworkSec): string {
  const id = networkName(ctx.cloudKey, net.id);
  return ctx.b.add({ id, type: "im:index:Network", name: id, args: {} });
}

function securityGroup(ctx: Ctx, net: NetworkSec): void {
  if (networkRouter(net) !== undefined) return; // §4.3 step 10: VMs on routed networks get no groups
  const name = groupName(ctx.infId, net);
  const existingId = ctx.dec.existingGroups[name];
  if (typeof existingId === "string") {
    ctx.groups.set(net.id, existingId);
    return;
  }
  const parent = networkComponent(ctx, net);
  const sg = networkName(ctx.cloudKey, net.id, "sg");
  ctx.b.add({
    id: sg,
    type: "openstack:networking/secGroup:SecGroup",
    name: sg,
    args: { name, description: sgDescription(ctx.doc) },
    options: opts(ctx, parent, { deleteBeforeReplace: true }),
  });
  ctx.groups.set(net.id, ref(sg, "id"));
  for (const proto of ["tcp", "udp"]) {
    const id = networkName(ctx.cloudKey, net.id, `self-${proto}`);
    ctx.b.add({
      id,
      type: "openstack:networking/secGroupRule:SecGroupRule",
      name: id,
      args: {
        direction: "ingress",
        ethertype: "IPv4",
        protocol: proto,
        portRangeMin: 1,
        portRangeMax: 65535,
        remoteGroupId: ref(sg, "id"),
        securityGroupId: ref(sg, "id"),
      },
      options: opts(ctx, parent),
    });
  }
  for (const r of ingressRules(net)) {
    const id = ruleName(ctx.cloudKey, net.id, {
      protocol: r.protocol,
      from: r.from ?? -1,
      to: r.to ?? -1,
      cidr: r.cidr,
    });
    ctx.b.add({
      id,
      type: "openstack:networking/secGroupRule:SecGroupRule",
      name: id,
      args: {
        direction: "ingress",
        ethertype: "IPv4",
        protocol: r.protocol,
        ...(r.from !== undefined ? { portRangeMin: r.from, portRangeMax: r.to! } : {}),
        remoteIpPrefix: r.cidr,
        securityGroupId: ref(sg, "id"),
      },
      options: opts(ctx, parent),
    });
  }
}

function routerId(ctx: Ctx): GraphValue {
  const router = ctx.dec.router;
  if (router === undefined) throw new OpenStackPlanError("No router was planned for the created networks");
  if (router.kind === "existing") return router.id;
  const parent = ctx.b.add({
    id: sharedName(ctx.cloudKey),
    type: "im:index:Shared",
    name: sharedName(ctx.cloudKey),
    args: {},
  });
  const id = sharedName(ctx.cloudKey, "router");
  ctx.b.add({
    id,
    type: "openstack:networking/router:Router",
    name: id,
    args: {
      name: `im-${ctx.infId}`,
      description: "IM created router",
      externalNetworkId: router.externalNetworkId,
    },
    options: opts(ctx, parent),
  });
  return ref(id, "id");
}

function cloudNetwork(ctx: Ctx, net: NetworkSec, choice: NetChoice): void {
  if (choice.kind === "existing") {
    ctx.nets.set(net.id, {
      ...(choice.networkId !== undefined ? { networkId: choice.networkId } : {}),
      ...(choice.subnetId !== undefined ? { subnetId: choice.subnetId } : {}),
    });
    return;
  }
  const parent = networkComponent(ctx, net);
  const network = networkName(ctx.cloudKey, net.id, "network");
  ctx.b.add({
    id: network,
    type: "openstack:networking/network:Network",
    name: network,
    args: { name: choice.name, adminStateUp: true },
    options: opts(ctx, parent),
  });
  const subnet = networkName(ctx.cloudKey, net.id, "subnet");
  const dns = stringFeature(net.features, "dnsserver");
  ctx.b.add({
    id: subnet,
    type: "openstack:networking/subnet:Subnet",
    name: subnet,
    args: {
      name: choice.subnetName,
      networkId: ref(network, "id"),
      cidr: choice.cidr,
      ipVersion: 4,
      ...(dns !== undefined && dns !== "" ? { dnsNameservers: [dns] } : {}),
    },
    options: opts(ctx, parent),
  });
  const rif = networkName(ctx.cloudKey, net.id, "rif");
  ctx.b.add({
    id: rif,
    type: "openstack:networking/routerInterface:RouterInterface",
    name: rif,
    args: { routerId: routerId(ctx), subnetId: ref(subnet, "id") },
    options: opts(ctx, parent),
  });
  ctx.nets.set(net.id, { networkId: ref(network, "id"), subnetId: ref(subnet, "id"), rif });
}

/** The planned flavour; a resize (AlterVM) that named another `instance_type` changes it in place (§4.6). */
function flavorArg(
  fs: PlannedVm["concrete"]["features"],
  d: ReturnType<typeof vmDecisions>,
): Record<string, GraphValue> {
  const current = stringFeature(fs, "instance_type") ?? d.flavorName;
  if (current === d.flavorName && d.flavorId !== undefined) return { flavorId: d.flavorId };
  return { flavorName: current };
}

interface VmLowering {
  lowered: LoweredVm;
  /** Port node of each NIC index that got one. */
  ports: Map<number, string>;
}

function lowerVm(ctx: Ctx, vm: PlannedVm): VmLowering {
  const fs = vm.concrete.features;
  const d = vmDecisions(vm);
  const componentId = ctx.b.add(vmComponentNode(vm));
  const nicPlan: VmNic[] = vmNics(vm.concrete, ctx.doc, ctx.dec);
  const groupIds = [...new Set(nicPlan.filter((n) => n.role !== "dropped").map((n) => n.nic.connection))]
    .map((netId) => ctx.groups.get(netId))
    .filter((g): g is GraphValue => g !== undefined);

  const ports = new Map<number, string>();
  const physical: Record<string, GraphValue> = {};
  for (const n of nicPlan) {
    if (n.role !== "port") continue;
    const net = findNetwork(ctx.doc, n.nic.connection)!;
    const facts = ctx.nets.get(net.id);
    if (facts?.networkId === undefined) {
      throw new OpenStackPlanError(
        `The id of the OpenStack network serving '${net.id}' is not known: discover it or pin a network id`,
      );
    }
    const routed = networkRouter(net) !== undefined;
    const args: Record<string, GraphValue> = {
      name: `${d.name}-nic-${n.nic.index}`,
      networkId: facts.networkId,
      adminStateUp: true,
    };
    if (routed) {
      args.portSecurityEnabled = false;
      args.noSecurityGroups = true;
    } else args.securityGroupIds = groupIds;
    if (!n.public && n.nic.ip !== undefined && n.nic.ip !== "") {
      if (facts.subnetId === undefined)
        throw new OpenStackPlanError(
          `No subnet is known for the fixed IP ${n.nic.ip} of network '${net.id}'`,
        );
      args.fixedIps = [{ subnetId: facts.subnetId, ipAddress: n.nic.ip }];
    }
    const additional = n.nic.index === 0 ? stringFeature(fs, "net_interface.0.additional_ip") : undefined;
    if (additional !== undefined && additional !== "") args.allowedAddressPairs = [{ ipAddress: additional }];
    const id = vmChildName(vm.id, `nic-${n.nic.index}`);
    ctx.b.add({
      id,
      type: "openstack:networking/port:Port",
      name: id,
      args,
      options: opts(ctx, componentId, facts.rif !== undefined ? { dependsOn: [facts.rif] } : {}),
    });
    ports.set(n.nic.index, id);
    physical[`nic-${n.nic.index}`] = ref(id, "id");
  }
  if (ports.size === 0)
    throw new OpenStackPlanError(`VM ${vm.id} (system '${vm.system}') has no network interface`);

  const creds = credentials(fs);
  const user = creds.username ?? DEFAULT_USERNAME;
  const publicKey = creds.publicKey ?? d.generatedKey?.publicKey;
  const privateKey =
    creds.privateKey ?? (creds.publicKey === undefined ? d.generatedKey?.privateKey : undefined);
  const password = creds.password;
  const image = { kind: d.image.kind, server: "", id: d.image.id };
  const devices = blockDevices(fs, image);
  const zone = stringFeature(fs, "availability_zone");
  const recipe = contextualizationPlan(ctx.doc).cloudInit.get(vm.system);
  const serverId = vmChildName(vm.id, "server");
  const args: Record<string, GraphValue> = {
    name: d.name,
    ...flavorArg(fs, d),
    ...(d.image.kind === "image" ? { imageId: d.image.id } : {}),
    ...(devices.length > 0 ? { blockDevices: devices as unknown as GraphValue } : {}),
    networks: [...ports.values()].map((p) => ({ port: ref(p, "id") })),
    userData: cloudInitUserData({
      ...(recipe !== undefined ? { recipe } : {}),
      sshPort: sshPort(vm.concrete, ctx.doc),
      user,
      ...(publicKey !== undefined ? { publicKey } : {}),
    }),
    metadata: vmTags(vm),
    configDrive: false,
    powerState: vm.desiredPower === "stopped" ? "shutoff" : "active",
    vendorOptions: { ignoreResizeConfirmation: false },
    ...(zone !== undefined ? { availabilityZone: zone } : {}),
  };
  ctx.b.add({
    id: serverId,
    type: "openstack:compute/instance:Instance",
    name: serverId,
    args,
    options: opts(ctx, componentId, { ignoreChanges: ["userData"] }),
  });
  physical.server = ref(serverId, "id");
  const ready = [serverId];

  const firstPrivatePort = nicPlan.find((n) => n.role === "port" && !n.public);
  const nicOut: VmOutputSpec["nics"] = [];
  let publicIp: GraphValue | undefined;
  let privateIp: GraphValue | undefined;
  for (const n of [...nicPlan].sort((a, b) => a.nic.index - b.nic.index)) {
    const radlNet = n.nic.connection;
    if (n.role === "port") {
      const ip = ref(ports.get(n.nic.index)!, "allFixedIps.0");
      nicOut.push({ radlNet, ip, kind: "fixed" });
      if (n.public) publicIp ??= ip;
      else privateIp ??= ip;
    } else if (n.role === "fip") {
      const port = ports.get(firstPrivatePort!.nic.index)!;
      const assoc = vmChildName(vm.id, `fipassoc-${n.nic.index}`);
      let address: GraphValue;
      if (n.nic.ip !== undefined && n.nic.ip !== "") {
        address = n.nic.ip; // a fixed floating IP: associated, never managed (D2)
      } else {
        const fip = vmChildName(vm.id, `fip-${n.nic.index}`);
        ctx.b.add({
          id: fip,
          type: "openstack:networking/floatingIp:FloatingIp",
          name: fip,
          args: { pool: n.choice.name, description: `IM floating IP of ${d.name}` },
          options: opts(ctx, componentId),
        });
        physical[`fip-${n.nic.index}`] = ref(fip, "id");
        address = ref(fip, "address");
      }
      const rif = ctx.nets.get(firstPrivatePort!.nic.connection)?.rif;
      ctx.b.add({
        id: assoc,
        type: "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
        name: assoc,
        args: { floatingIp: address, portId: ref(port, "id") },
        options: opts(ctx, componentId, { dependsOn: [serverId, ...(rif !== undefined ? [rif] : [])] }),
      });
      physical[`fipassoc-${n.nic.index}`] = ref(assoc, "id");
      ready.push(assoc);
      nicOut.push({ radlNet, ip: address, kind: "floating" });
      publicIp ??= address;
    }
    // a dropped NIC (§4.3 step 4) has no address and is left out
  }

  const host = publicIp ?? privateIp!;
  const port = sshPort(vm.concrete, ctx.doc);
  const connection: SshConnectionSpec = { host, port, user };
  // A VM without a public address is reached through its network's proxy_host, when there is one.
  const proxy = publicIp === undefined ? vmProxy(vm.concrete, ctx.doc) : undefined;
  if (proxy !== undefined) connection.proxy = proxy;
  const secrets: LoweredVm["secrets"] = {};
  if (privateKey !== undefined) {
    connection.privateKey = secret(privateKey);
    secrets.privateKey = secret(privateKey);
  }
  if (password !== undefined) {
    connection.password = secret(password);
    secrets.password = secret(password);
  }
  const output: VmOutputSpec = {
    cloudKey: vm.cloudKey,
    connector: "OpenStack",
    instanceId: ref(serverId, "id"),
    physical,
    name: d.name,
    ...(zone !== undefined ? { zone } : {}),
    desiredPower: vm.desiredPower,
    nics: nicOut,
    outports: [],
    ssh: { host, port, user, ...(proxy !== undefined ? { viaProxy: String(proxy.host) } : {}) },
  };
  return {
    lowered: {
      vm,
      componentId: vmComponentId(vm),
      readyNodeIds: ready,
      output,
      secrets,
      connection,
      ...(privateIp !== undefined ? { privateIp } : {}),
      ...(publicIp !== undefined ? { publicIp } : {}),
    },
    ports,
  };
}

/** §4.3 step 10: a host route on each routed network's subnet to its router VM's first IP. */
function subnetRoutes(ctx: Ctx, vms: readonly PlannedVm[], lowered: Map<number, VmLowering>): void {
  for (const net of usedNetworks(vms, ctx.doc)) {
    const router = networkRouter(net);
    if (router === undefined) continue;
    const routerVm = vms.find((v) => v.system === router.system);
    if (routerVm === undefined) continue;
    const firstPort = [...(lowered.get(routerVm.id)?.ports.values() ?? [])][0];
    const subnetId = ctx.nets.get(net.id)?.subnetId;
    if (firstPort === undefined || subnetId === undefined) {
      throw new OpenStackPlanError(
        `Cannot route ${router.cidr} on network '${net.id}': its subnet or router VM is unknown`,
      );
    }
    const id = networkName(ctx.cloudKey, net.id, `route-${sha6(router.cidr)}`);
    ctx.b.add({
      id,
      type: "openstack:networking/subnetRoute:SubnetRoute",
      name: id,
      args: { subnetId, destinationCidr: router.cidr, nextHop: ref(firstPort, "allFixedIps.0") },
      options: opts(ctx, networkComponent(ctx, net)),
    });
  }
}

export function lowerOpenStack(slice: CloudSlice): LoweredCloud {
  const b = new Builder();
  const provider = b.add(providerNode(slice));
  const doc = slice.plan.document;
  const ctx: Ctx = {
    b,
    infId: slice.plan.infId,
    doc,
    cloudKey: slice.cloud.cloudKey,
    provider,
    dec: cloudDecisions(slice.cloud),
    groups: new Map(),
    nets: new Map(),
  };
  const vms = [...slice.vms].sort((x, y) => x.id - y.id);
  for (const net of usedNetworks(vms, doc)) {
    securityGroup(ctx, net);
    const choice = ctx.dec.networks[net.id];
    if (choice !== undefined) cloudNetwork(ctx, net, choice);
  }
  const lowered = new Map(vms.map((vm) => [vm.id, lowerVm(ctx, vm)]));
  subnetRoutes(ctx, vms, lowered);
  const shared: NonNullable<LoweredCloud["shared"]> = { securityGroups: {}, networks: {}, subnets: {} };
  for (const n of b.nodes) {
    if (n.type === "openstack:networking/secGroup:SecGroup") shared.securityGroups![n.name] = ref(n.id, "id");
    if (n.type === "openstack:networking/network:Network") shared.networks![n.name] = ref(n.id, "id");
    if (n.type === "openstack:networking/subnet:Subnet") shared.subnets![n.name] = ref(n.id, "id");
    if (n.type === "openstack:networking/router:Router") shared.router = ref(n.id, "id");
  }
  return { nodes: b.nodes, vms: [...lowered.values()].map((l) => l.lowered), shared };
}
