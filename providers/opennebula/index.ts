/**
 * The IM OpenNebula connector (providers.md §6) over our Pulumi dynamic provider (option C):
 * each VM is a `OneVirtualMachine` whose template is the IM's (§6.3), each RADL network with rules
 * a `OneSecurityGroup`; credentials reach both as secret inputs. Discovery, read-back, power,
 * images and quotas go through OpenNebula's XML-RPC API (client.ts).
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import { contextualizationPlan } from "../../compiler/context-plan.js";
import { networkName, vmChildName } from "../../compiler/graph/names.js";
import type { GraphNode, GraphRef, GraphValue, SharedOutputSpec } from "../../compiler/graph/types.js";
import { interpolate, ref, secret } from "../../compiler/graph/values.js";
import { parseImageUrl } from "../../compiler/image-url.js";
import type { SystemSec } from "../../compiler/ir.js";
import type {
  ActContext,
  CloudSlice,
  ConcretizeContext,
  Concretized,
  Driver,
  DriverCapabilities,
  LoweredCloud,
  LoweredVm,
  PlanCloudContext,
  PlanVmContext,
  VmFacts,
} from "../../compiler/plan/driver.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import { vmTags } from "../../compiler/plan/instance-tags.js";
import {
  CREDENTIALS,
  cloneSystem,
  credentials,
  instanceName,
  nics,
  numberAsWritten,
  setNumberFeature,
  setStringFeature,
  sshPort,
  stringFeature,
} from "../../compiler/plan/system-features.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import { unitFactor } from "../../compiler/units.js";
import { vmComponentId, vmComponentNode } from "../driver-common.js";
import { discoveryFromCatalog, type OneDiscovery } from "./catalog.js";
import { all, OneClient, text, type XmlDoc } from "./client.js";
import { oneEndpoint, oneSession } from "./connection.js";
import { discover, hasSecurityGroups } from "./discovery.js";
import { OneApiError } from "./errors.js";
import { isOneImageOf, oneImageRef } from "./image.js";
import { generateKeyPair } from "./keys.js";
import { mapNetworks, usableNetworks, type OneNetwork, type RadlNetRequest } from "./networks.js";
import { resolveOptions, type OpenNebulaOptions, type ResolvedOneOptions } from "./options.js";
import { securityGroupName, securityGroupRules } from "./security-groups.js";
import { oneVmState } from "./state.js";
import { oneTemplate, sshPortScript, type DataDisk, type TemplateNic } from "./template.js";

export { DEFAULT_TEMPLATE_OTHER, type OpenNebulaOptions } from "./options.js";
export { oneEndpoint, oneSession } from "./connection.js";

export const ONE_VM_TOKEN = "pulumi-nodejs:dynamic/one:VirtualMachine";
export const ONE_SG_TOKEN = "pulumi-nodejs:dynamic/one:SecurityGroup";
export const ONE_DEFAULT_USER = "root";

/** Decisions stored per cloud (D1): the usable networks and, per system, RADL network → ONE network. */
interface CloudDecisions {
  version?: string;
  networks?: OneNetwork[];
  networkMap: Record<string, Record<string, OneNetwork>>;
}

/** A size feature in MB (the IM's `getValue('M')`, decimal units). */
function sizeMb(system: SystemSec, name: string, fallback?: number): number | undefined {
  const n = numberAsWritten(system.features, name);
  if (n === undefined) return fallback;
  return Math.round((n.value * unitFactor(n.unit)) / 1e6);
}

function connectedRequests(system: SystemSec, doc: CloudSlice["plan"]["document"]): RadlNetRequest[] {
  const connected = new Set(nics(system.features).map((n) => n.connection));
  return doc.networks
    .filter((n) => connected.has(n.id))
    .map((n) => {
      const providerId = stringFeature(n.features, "provider_id");
      return { id: n.id, public: isPublicNetwork(n), ...(providerId ? { providerId } : {}) };
    });
}

function decisionsOf(raw: Record<string, JsonValue>): CloudDecisions {
  return {
    ...(typeof raw.version === "string" ? { version: raw.version } : {}),
    ...(Array.isArray(raw.networks) ? { networks: raw.networks as unknown as OneNetwork[] } : {}),
    networkMap: (raw.networkMap ?? {}) as unknown as CloudDecisions["networkMap"],
  };
}

export class OpenNebulaDriver implements Driver {
  readonly type = "OpenNebula";
  readonly capabilities: DriverCapabilities = {
    start: true,
    stop: true,
    reboot: true,
    alter: true,
    snapshot: false,
    listImages: true,
    quotas: true,
  };
  private readonly options: ResolvedOneOptions;

  constructor(options: OpenNebulaOptions = {}) {
    this.options = resolveOptions(options);
  }

  matchesImage(url: string | undefined, cloud: CloudRef): boolean {
    return isOneImageOf(url, cloud);
  }

  /** §9.2: endpoint URL + user name. */
  async cloudIdentity(cloud: CloudRef, auth: AuthItem): Promise<string> {
    return `${oneEndpoint(cloud)} ${auth.username ?? ""}`;
  }

  /** = concrete_system (§6.2). */
  async concretize(system: SystemSec, ctx: ConcretizeContext): Promise<Concretized | null> {
    // A list of URLs (the IM's concreteSystem loop): the first of this cloud is the one used.
    const feature = system.features.features.get("disk.0.image.url");
    const urls = feature?.kind === "string" ? [feature.value] : feature?.kind === "list" ? feature.value : [];
    const url = urls.find((u) => isOneImageOf(u, ctx.cloud));
    if (url === undefined) return null;
    const freeSize = sizeMb(system, "disks.free_size");
    if (freeSize !== undefined && (sizeMb(system, "disk.0.size") ?? 0) < freeSize) return null;
    const concrete = cloneSystem(system);
    const fs = concrete.features;
    for (const name of ["cpu.count", "memory.size"]) {
      const n = numberAsWritten(fs, name);
      if (n !== undefined) setNumberFeature(fs, name, n.value, n.unit);
    }
    setStringFeature(fs, "disk.0.image.url", url);
    if (credentials(fs).username === undefined)
      setStringFeature(fs, `${CREDENTIALS}.username`, ONE_DEFAULT_USER);
    setStringFeature(fs, "provider.type", this.type);
    if (ctx.cloud.server !== undefined) setStringFeature(fs, "provider.host", ctx.cloud.server);
    if (ctx.cloud.port !== -1) setNumberFeature(fs, "provider.port", ctx.cloud.port);
    return { system: concrete, score: 0 };
  }

  /** A key pair when the RADL gives neither a password nor a complete pair (§6.3 "Credentials"). */
  async planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>> {
    const c = credentials(vm.concrete.features);
    if (c.password !== undefined || (c.privateKey !== undefined && c.publicKey !== undefined)) return {};
    const pair = generateKeyPair(ctx.random, `im-${ctx.infId}-${vm.system}`);
    return { privateKey: pair.privateKey, publicKey: pair.publicKey };
  }

  /** Network discovery and mapping per system, stored once (D1). */
  async planCloud(ctx: PlanCloudContext): Promise<Record<string, JsonValue>> {
    const d = decisionsOf(ctx.previous);
    const systems = [...new Set(ctx.vms.map((v) => v.system))].filter((s) => d.networkMap[s] === undefined);
    for (const systemId of systems) {
      const vm = ctx.vms.find((v) => v.system === systemId)!;
      const requests = connectedRequests(vm.concrete, ctx.document);
      if (requests.every((r) => r.providerId !== undefined) && d.networks === undefined) {
        // Pinned: no discovery. A numeric provider_id is a network id, anything else a name.
        d.networkMap[systemId] = Object.fromEntries(
          requests.map((r) => [
            r.id,
            { id: /^\d+$/.test(r.providerId!) ? r.providerId! : "", name: r.providerId!, public: r.public },
          ]),
        );
        continue;
      }
      if (d.networks === undefined) {
        const found = await this.discoverFor(systemId, ctx);
        d.networks = usableNetworks(found.pool);
        if (found.version !== undefined) d.version = found.version;
      }
      d.networkMap[systemId] = Object.fromEntries(mapNetworks(requests, d.networks));
    }
    return d as unknown as Record<string, JsonValue>;
  }

  private async discoverFor(systemId: string, ctx: PlanCloudContext): Promise<OneDiscovery> {
    if (ctx.catalog !== undefined) return discoveryFromCatalog(ctx.catalog);
    const needed = "the OpenNebula networks to connect to (one.vnpool.info)";
    let client: OneClient;
    try {
      client = new OneClient({ endpoint: oneEndpoint(ctx.cloud), session: oneSession(ctx.auth) });
    } catch (e) {
      throw new DiscoveryNeededError(systemId, ctx.cloud.id, needed, (e as Error).message);
    }
    try {
      return await discover(client);
    } catch (e) {
      throw new DiscoveryNeededError(systemId, ctx.cloud.id, needed, (e as Error).message);
    }
  }

  lower(slice: CloudSlice): LoweredCloud {
    const { plan, cloud } = slice;
    const doc = plan.document;
    const d = decisionsOf(cloud.decisions);
    const endpoint = oneEndpoint(cloud);
    if (slice.credentials === undefined)
      throw new OneApiError("E-ONE-NO-AUTH", "No auth data has been specified to OpenNebula.");
    const session = secret(oneSession(slice.credentials));
    const nodes: GraphNode[] = [];
    const shared: Partial<SharedOutputSpec> = { securityGroups: {} };

    // One group per connected RADL network with rules (ONE >= 4.12), shared by the VMs.
    const groups = new Map<string, GraphRef>();
    if (hasSecurityGroups(d.version)) {
      const used = new Set(slice.vms.flatMap((vm) => nics(vm.concrete.features).map((n) => n.connection)));
      for (const net of doc.networks.filter((n) => used.has(n.id))) {
        const rules = securityGroupRules(net);
        if (rules.length === 0) continue;
        const component = networkName(cloud.cloudKey, net.id);
        const sg = networkName(cloud.cloudKey, net.id, "sg");
        nodes.push(
          { id: component, type: "im:index:Network", name: component, args: {} },
          {
            id: sg,
            type: ONE_SG_TOKEN,
            name: sg,
            args: {
              endpoint,
              session,
              name: securityGroupName(plan.infId, net),
              rules: rules as unknown as GraphValue,
            },
            options: { parent: component },
          },
        );
        groups.set(net.id, ref(sg, "sgId"));
        shared.securityGroups![net.id] = ref(sg, "sgId");
      }
    }

    const vms: LoweredVm[] = [];
    for (const vm of slice.vms) {
      const lowered = this.lowerVm(vm, slice, d, groups, endpoint, session);
      nodes.push(...lowered.nodes);
      vms.push(lowered.vm);
    }
    return { nodes, vms, shared };
  }

  private lowerVm(
    vm: PlannedVm,
    slice: CloudSlice,
    d: CloudDecisions,
    groups: Map<string, GraphRef>,
    endpoint: string,
    session: GraphValue,
  ): { nodes: GraphNode[]; vm: LoweredVm } {
    const doc = slice.plan.document;
    const system = vm.concrete;
    const fs = system.features;
    const componentId = vmComponentId(vm);
    const serverId = vmChildName(vm.id, "server");
    const mapping = d.networkMap[vm.system] ?? {};
    const radlNics = nics(fs);
    // Public networks first (the IM's order; "onecloud issues").
    const ordered = [true, false].flatMap((pub) =>
      radlNics.filter((n) => {
        const net = mapping[n.connection];
        if (net === undefined)
          throw new OneApiError("E-ONE-NETWORK", `No ONE network found for network: ${n.connection}`);
        return net.public === pub;
      }),
    );
    const templateNics: TemplateNic[] = ordered.map((n) => ({
      network: mapping[n.connection]!,
      ...(n.ip !== undefined ? { ip: n.ip } : {}),
      ...(groups.has(n.connection) ? { securityGroup: groups.get(n.connection)! } : {}),
    }));

    const dataDisks: DataDisk[] = [];
    for (let i = 1; ; i++) {
      const url = stringFeature(fs, `disk.${i}.image.url`);
      const size = sizeMb(system, `disk.${i}.size`);
      if (url === undefined && size === undefined) break;
      const device = stringFeature(fs, `disk.${i}.device`);
      const target = device !== undefined ? { target: device } : {};
      if (url !== undefined) dataDisks.push({ kind: "image", imageId: parseImageUrl(url).path, ...target });
      else dataDisks.push({ kind: "volatile", sizeMb: size!, ...target });
    }

    const c = credentials(fs);
    const generated = typeof vm.decisions.privateKey === "string";
    const publicKey =
      c.password !== undefined ? undefined : generated ? String(vm.decisions.publicKey) : c.publicKey;
    const port = sshPort(system, doc);
    const cloudInit = contextualizationPlan(doc).cloudInit.get(vm.system);
    const userData =
      cloudInit === undefined
        ? undefined
        : (doc.configures.find((x) => x.id === cloudInit)?.recipe ?? undefined);
    const tags = Object.entries(vmTags(vm));
    const zone = stringFeature(fs, "availability_zone");
    const parts = oneTemplate({
      name: instanceName(system),
      arch: stringFeature(fs, "cpu.arch") ?? "x86_64",
      image: oneImageRef(stringFeature(fs, "disk.0.image.url")!),
      ...(this.options.imageUname !== undefined ? { imageUname: this.options.imageUname } : {}),
      dataDisks,
      ...(zone !== undefined ? { availabilityZone: zone } : {}),
      templateOther: this.options.templateOther,
      tags,
      nics: templateNics,
      ...(publicKey !== undefined ? { sshPublicKey: publicKey } : {}),
      ...(port !== 22 ? { startScript: sshPortScript(port) } : {}),
      ...(userData ? { userData } : {}),
      templateContext: this.options.templateContext,
    });
    const template: GraphValue = parts.every((p) => typeof p === "string")
      ? parts.join("")
      : interpolate(...parts);
    const cpu = numberAsWritten(fs, "cpu.count")?.value ?? 1;
    const memoryMb = sizeMb(system, "memory.size", 512)!;
    const dependsOn = [
      ...new Set(ordered.filter((n) => groups.has(n.connection)).map((n) => groups.get(n.connection)!.ref)),
    ];
    const server: GraphNode = {
      id: serverId,
      type: ONE_VM_TOKEN,
      name: serverId,
      args: {
        endpoint,
        session,
        template,
        cpu,
        vcpu: cpu,
        memoryMb,
        extraDisks: [],
        desiredState: vm.desiredPower === "stopped" ? "suspended" : "running",
      },
      options: { parent: componentId, ...(dependsOn.length > 0 ? { dependsOn } : {}) },
    };

    const ipOf = (k: number) => ref(serverId, `nics.${k}.ip`);
    const publicIndex = ordered.findIndex((n) => mapping[n.connection]!.public);
    const privateIndex = ordered.findIndex((n) => !mapping[n.connection]!.public);
    const host = ordered.length === 0 ? undefined : ipOf(publicIndex >= 0 ? publicIndex : 0);
    const user = c.username ?? ONE_DEFAULT_USER;
    const privateKey =
      c.password !== undefined ? undefined : generated ? String(vm.decisions.privateKey) : c.privateKey;
    const secrets = {
      ...(c.password !== undefined ? { password: secret(c.password) } : {}),
      ...(privateKey !== undefined ? { privateKey: secret(privateKey) } : {}),
    };
    const lowered: LoweredVm = {
      vm,
      componentId,
      readyNodeIds: [serverId],
      output: {
        cloudKey: vm.cloudKey,
        connector: this.type,
        instanceId: ref(serverId, "vmId"),
        physical: { server: ref(serverId, "vmId") },
        name: instanceName(system),
        ...(zone !== undefined ? { zone } : {}),
        desiredPower: vm.desiredPower,
        nics: ordered.map((n, k) => ({ radlNet: n.connection, ip: ipOf(k), kind: "fixed" })),
        outports: [],
        ssh: { ...(host !== undefined ? { host } : {}), port, user },
      },
      secrets,
      ...(host !== undefined ? { connection: { host, port, user, ...secrets } } : {}),
      ...(privateIndex >= 0 ? { privateIp: ipOf(privateIndex) } : {}),
      ...(publicIndex >= 0 ? { publicIp: ipOf(publicIndex) } : {}),
    };
    return { nodes: [vmComponentNode(vm), server], vm: lowered };
  }

  private client(ctx: ActContext): OneClient {
    return new OneClient({ endpoint: oneEndpoint(ctx.cloud), session: oneSession(ctx.auth) });
  }

  /** The VM's OpenNebula id: stored by the core from the stack output, or in the decisions. */
  private vmId(vm: PlannedVm): number {
    const id = vm.decisions.instanceId ?? vm.decisions.vmId;
    if (id === undefined || !/^\d+$/.test(String(id))) {
      throw new OneApiError("E-ONE-NO-VM-ID", `VM ${vm.id} has no OpenNebula id yet (it was never created)`);
    }
    return Number(id);
  }

  /** = updateVMInfo without side effects (§6.4): state, name, sizes and each NIC's RADL network. */
  async readBack(vm: PlannedVm, ctx: ActContext): Promise<VmFacts> {
    const id = this.vmId(vm);
    const doc = await this.client(ctx).document("one.vm.info", id);
    const v = all(doc, "VM")[0];
    const state = oneVmState(Number(text(v, "STATE") ?? -1), Number(text(v, "LCM_STATE") ?? -1));
    const mapping = decisionsOf(ctx.cloud.decisions).networkMap[vm.system] ?? {};
    const ips: VmFacts["ips"] = [];
    for (const nic of all(v, "TEMPLATE/NIC")) {
      const network = text(nic, "NETWORK") ?? "";
      const networkId = text(nic, "NETWORK_ID") ?? "";
      const radlNet = Object.entries(mapping).find(
        ([, n]) => (n.id !== "" && n.id === networkId) || n.name === network,
      )?.[0];
      const ip = text(nic, "IP");
      const ipv6 = text(nic, "IP6_GLOBAL") ?? text(nic, "IP6");
      if (ip) ips.push({ ip, kind: "fixed", ...(radlNet !== undefined ? { radlNet } : {}) });
      if (ipv6)
        ips.push({ ip: ipv6, ipv6: true, kind: "fixed", ...(radlNet !== undefined ? { radlNet } : {}) });
    }
    const facts: VmFacts = {
      state,
      instanceId: String(id),
      instanceName: text(v, "NAME") ?? "",
      ips,
      size: { cpu: Number(text(v, "TEMPLATE/CPU") ?? 0), memMB: Number(text(v, "TEMPLATE/MEMORY") ?? 0) },
      extra: {
        launchTime: Number(text(v, "STIME") ?? 0),
        disks: all(v, "TEMPLATE/DISK").map((disk) => ({
          id: Number(text(disk, "DISK_ID") ?? 0),
          sizeMb: Number(text(disk, "SIZE") ?? 0),
          device: text(disk, "TARGET") ?? "",
        })),
      },
    };
    const error = text(v, "USER_TEMPLATE/ERROR");
    if (state === "failed" && error) facts.extra!.error = error;
    return facts;
  }

  async reboot(vm: PlannedVm, ctx: ActContext): Promise<void> {
    await this.client(ctx).call("one.vm.action", "reboot-hard", this.vmId(vm));
  }

  /** Imperative start/stop (the declarative route is `desiredState` on the VM resource). */
  async start(vm: PlannedVm, ctx: ActContext): Promise<void> {
    await this.client(ctx).call("one.vm.action", "resume", this.vmId(vm));
  }

  async stop(vm: PlannedVm, ctx: ActContext): Promise<void> {
    await this.client(ctx).call("one.vm.action", "suspend", this.vmId(vm));
  }

  /** Images in state READY (1) or USED (2) as `one://<server>/<id>`, filtered as `_filter_images` does. */
  async listImages(
    filters: Record<string, string>,
    ctx: ActContext,
  ): Promise<{ uri: string; name: string }[]> {
    const doc = await this.client(ctx).document("one.imagepool.info", -2, -1, -1);
    const wanted = [filters.distribution, filters.version]
      .filter((f): f is string => !!f)
      .map((f) => f.toLowerCase());
    return all(doc, "IMAGE_POOL/IMAGE")
      .filter((im) => ["1", "2"].includes(text(im, "STATE") ?? ""))
      .map((im) => ({ uri: `one://${ctx.cloud.server}/${text(im, "ID")}`, name: text(im, "NAME") ?? "" }))
      .filter((im) => wanted.every((w) => im.name.toLowerCase().includes(w)));
  }

  /** `one.user.info(-1)` VM quotas (§6.4); a negative limit means unlimited (-1). */
  async quotas(ctx: ActContext): Promise<Record<string, { used: number; limit: number }>> {
    const doc = await this.client(ctx).document("one.user.info", -1);
    const q = all(doc, "USER/VM_QUOTA/VM")[0];
    const num = (path: string) => Number(text(q, path) ?? 0);
    const limit = (n: number) => (n < 0 ? -1 : n);
    const memLimit = num("MEMORY");
    return {
      cores: { used: num("CPU_USED"), limit: limit(num("CPU")) },
      ram: { used: num("MEMORY_USED") / 1024, limit: memLimit < 0 ? -1 : memLimit / 1024 },
      instances: { used: num("VMS_USED"), limit: limit(num("VMS")) },
      security_groups: { used: 0, limit: -1 },
      floating_ips: await this.publicLeaseQuota(doc, ctx),
    };
  }

  /**
   * Floating IPs are the leases of the public networks: their NETWORK_QUOTA summed; a negative
   * (unlimited) limit on any of them makes the total unlimited (-1), as does having none.
   */
  private async publicLeaseQuota(doc: XmlDoc, ctx: ActContext): Promise<{ used: number; limit: number }> {
    const stored = decisionsOf(ctx.cloud.decisions).networks;
    const networks = stored ?? usableNetworks((await discover(this.client(ctx))).pool);
    const publicIds = new Set(networks.filter((n) => n.public).map((n) => n.id));
    let used = 0;
    let limit: number | undefined;
    for (const q of all(doc, "USER/NETWORK_QUOTA/NETWORK")) {
      if (!publicIds.has(text(q, "ID") ?? "")) continue;
      used += Number(text(q, "LEASES_USED") ?? 0);
      const leases = Number(text(q, "LEASES") ?? -1);
      limit = limit === -1 || leases < 0 ? -1 : (limit ?? 0) + leases;
    }
    return { used, limit: limit ?? -1 };
  }
}
