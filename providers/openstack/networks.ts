/**
 * Networking of providers.md §4.3, pure over the RADL, the cloud's networks and the stored
 * decisions: which cloud network serves each RADL network (D1, like the IM's `provider_id`), which
 * private networks are created, which router they hang from, and per VM which interfaces get a
 * port and which public side is a floating IP.
 */
import { stringFeature, yesNoFeature } from "../../compiler/features.js";
import type { NetworkSec, RadlDocument, SystemSec } from "../../compiler/ir.js";
import { DEFAULT_REMOTE_CIDR, parseOutports } from "../../compiler/outports.js";
import { findNetwork, nics } from "../../compiler/plan/system-features.js";
import type { PlannedVm } from "../../compiler/plan/types.js";
import { isPublicNetwork, type NicView } from "../../compiler/system-view.js";
import { cidrContains, isPrivateAddress, parseCidr, type OstNetwork, type OstRouter } from "./discovery.js";
import { OpenStackPlanError } from "./errors.js";

export type NetChoice =
  | { kind: "existing"; networkId: string; name: string; subnetId?: string; pool: boolean }
  | { kind: "created"; name: string; subnetName: string; cidr: string };

export type RouterChoice = { kind: "existing"; id: string } | { kind: "created"; externalNetworkId: string };

export interface NetworkDecisions {
  /** Keyed by RADL network id. */
  networks: Record<string, NetChoice>;
  /** false: the cloud has no pool and no `enable_two_nics` tag, so public VMs keep only their public NIC. */
  twoNics: boolean;
  router?: RouterChoice;
}

export const SG_DESCRIPTION = "Security group created by the IM";
export const DEFAULT_CIDR_PATTERN = "10.0.*.0/24";

/** §4.3 step 1: public when an IPv4 subnet is outside PRIVATE_NET_MASKS; else by `router:external`. */
export function isPublicCloudNetwork(n: OstNetwork): boolean {
  const v4 = (n.subnets ?? []).filter((s) => (s.ipVersion ?? 4) === 4 && parseCidr(s.cidr) !== undefined);
  if (v4.length > 0) return v4.some((s) => !isPrivateAddress(s.cidr));
  return n.external === true;
}

/** §4.3 step 2: `default` in the name, is_default, a `default` tag or `default` in the description. */
export function isDefaultNetwork(n: OstNetwork): boolean {
  return (
    n.name.toLowerCase().includes("default") ||
    n.isDefault === true ||
    (n.tags ?? []).includes("default") ||
    (n.description ?? "").toLowerCase().includes("default")
  );
}

export function orderNetworks(networks: readonly OstNetwork[]): OstNetwork[] {
  return [...networks.filter(isDefaultNetwork), ...networks.filter((n) => !isDefaultNetwork(n))];
}

function providerId(net: NetworkSec): string | undefined {
  const v = stringFeature(net.features, "provider_id");
  return v === undefined || v === "" ? undefined : v;
}

function firstV4Subnet(n: OstNetwork): string | undefined {
  return (n.subnets ?? []).find((s) => (s.ipVersion ?? 4) === 4)?.id;
}

function existing(n: OstNetwork): NetChoice {
  const subnetId = firstV4Subnet(n);
  return {
    kind: "existing",
    networkId: n.id,
    name: n.name,
    ...(subnetId !== undefined ? { subnetId } : {}),
    pool: n.external === true,
  };
}

/** The first CIDR of `pattern` (each `*` = 1..253) that overlaps none of `used`. */
export function freeCidr(pattern: string, used: readonly string[]): string | undefined {
  const stars = pattern.split("*").length - 1;
  if (stars === 0) return pattern;
  const total = 253 ** stars;
  for (let i = 0; i < total; i++) {
    let rest = i;
    const candidate = pattern.replace(/\*/g, () => {
      const v = (rest % 253) + 1;
      rest = Math.floor(rest / 253);
      return String(v);
    });
    if (!used.some((u) => cidrContains(u, candidate) || cidrContains(candidate, u))) return candidate;
  }
  return undefined;
}

/** The RADL networks the VMs of this cloud are connected to, in document order. */
export function usedNetworks(vms: readonly PlannedVm[], doc: RadlDocument): NetworkSec[] {
  const ids = new Set(vms.flatMap((vm) => nics(vm.concrete.features).map((n) => n.connection)));
  return doc.networks.filter((n) => ids.has(n.id));
}

/** §4.3 steps 1–7: maps every used RADL network; earlier decisions are kept as they are (D1). */
export function planNetworks(
  infId: string,
  doc: RadlDocument,
  vms: readonly PlannedVm[],
  cloudNets: readonly OstNetwork[],
  routers: readonly OstRouter[],
  previous: NetworkDecisions | undefined,
): NetworkDecisions {
  const ordered = orderNetworks(cloudNets);
  const pools = ordered.filter((n) => n.external === true);
  const privateCloud = ordered.filter((n) => n.external !== true && !isPublicCloudNetwork(n));
  const out: NetworkDecisions = {
    networks: { ...(previous?.networks ?? {}) },
    twoNics:
      previous?.twoNics ??
      (pools.length > 0 || cloudNets.some((n) => (n.tags ?? []).includes("enable_two_nics"))),
  };
  const used = new Set(
    Object.values(out.networks).flatMap((c) => (c.kind === "existing" && !c.pool ? [c.networkId] : [])),
  );
  const assignedByProviderId = new Map<string, string>();
  const usedCidrs = [
    ...cloudNets.flatMap((n) => (n.subnets ?? []).map((s) => s.cidr)),
    ...doc.networks
      .map((n) => stringFeature(n.features, "cidr") ?? "")
      .filter((c) => c !== "" && !c.includes("*")),
    ...Object.values(out.networks).flatMap((c) => (c.kind === "created" ? [c.cidr] : [])),
  ].filter((c) => parseCidr(c) !== undefined);

  for (const net of usedNetworks(vms, doc)) {
    if (out.networks[net.id] !== undefined) continue;
    const isPublic = isPublicNetwork(net);
    const pinned = providerId(net);
    const create = !isPublic && (yesNoFeature(net.features, "create") === true || privateCloud.length === 0);
    if (pinned !== undefined && !create) {
      const found = cloudNets.find((n) => n.name === pinned || n.id === pinned);
      if (found === undefined) throw new OpenStackPlanError(`Network with provider_id ${pinned} not found.`);
      const other = assignedByProviderId.get(found.id);
      if (other !== undefined && other !== net.id && found.external !== true) {
        throw new OpenStackPlanError("Two different networks assigned to the same provider_id");
      }
      assignedByProviderId.set(found.id, net.id);
      used.add(found.id);
      out.networks[net.id] = existing(found);
      continue;
    }
    if (create) {
      const name = pinned ?? `im-${infId}-${net.id}`;
      const reuse = cloudNets.find((n) => n.name === name);
      if (reuse !== undefined) {
        out.networks[net.id] = existing(reuse);
        continue;
      }
      const pattern = stringFeature(net.features, "cidr") ?? DEFAULT_CIDR_PATTERN;
      const cidr = freeCidr(pattern, usedCidrs);
      if (cidr === undefined)
        throw new OpenStackPlanError(`No free CIDR found for network '${net.id}' (${pattern})`);
      usedCidrs.push(cidr);
      out.networks[net.id] = { kind: "created", name, subnetName: `im-${infId}-sub${net.id}`, cidr };
      continue;
    }
    const candidate = isPublic
      ? (ordered.find((n) => n.external !== true && isPublicCloudNetwork(n) && !used.has(n.id)) ?? pools[0])
      : privateCloud.find((n) => !used.has(n.id));
    if (candidate === undefined) {
      throw new OpenStackPlanError(
        `No ${isPublic ? "public network or floating IP pool" : "private network"} found for network '${net.id}'.`,
      );
    }
    if (candidate.external !== true) used.add(candidate.id);
    out.networks[net.id] = existing(candidate);
  }

  const needsRouter = Object.values(out.networks).some((c) => c.kind === "created");
  if (needsRouter && previous?.router === undefined) {
    const publicIds = new Set(
      ordered.filter((n) => n.external === true || isPublicCloudNetwork(n)).map((n) => n.id),
    );
    const preferred = usedNetworks(vms, doc)
      .filter(isPublicNetwork)
      .map((n) => out.networks[n.id])
      .flatMap((c) => (c?.kind === "existing" ? [c.networkId] : []));
    const withGateway = routers.filter(
      (r) => r.externalNetworkId !== undefined && publicIds.has(r.externalNetworkId),
    );
    const router = withGateway.find((r) => preferred.includes(r.externalNetworkId!)) ?? withGateway[0];
    if (router !== undefined) out.router = { kind: "existing", id: router.id };
    else {
      const gateway = pools[0] ?? ordered.find(isPublicCloudNetwork);
      if (gateway === undefined) {
        throw new OpenStackPlanError(
          "No public network found to give the router of the created networks a gateway.",
        );
      }
      out.router = { kind: "created", externalNetworkId: gateway.id };
    }
  } else if (previous?.router !== undefined) out.router = previous.router;
  return out;
}

export interface VmNic {
  nic: NicView;
  public: boolean;
  choice: NetChoice;
  /** port: a NIC on the network; fip: the public side as a floating IP from the pool; dropped: §4.3 step 4. */
  role: "port" | "fip" | "dropped";
}

/** §4.3 steps 4 and 6 for one VM; public interfaces first, then private ones. */
export function vmNics(system: SystemSec, doc: RadlDocument, dec: NetworkDecisions): VmNic[] {
  const all = nics(system.features).map((nic) => {
    const net = findNetwork(doc, nic.connection);
    const choice = dec.networks[nic.connection];
    if (net === undefined || choice === undefined) {
      throw new OpenStackPlanError(`No OpenStack network was planned for network '${nic.connection}'`);
    }
    return { nic, public: isPublicNetwork(net), choice };
  });
  const hasPublic = all.some((n) => n.public);
  const kept = all.filter((n) => n.public || dec.twoNics || !hasPublic);
  const out: VmNic[] = [];
  for (const n of [...all.filter((x) => x.public), ...all.filter((x) => !x.public)]) {
    if (!kept.includes(n)) {
      out.push({ ...n, role: "dropped" });
      continue;
    }
    const viaPool = n.public && n.choice.kind === "existing" && n.choice.pool && kept.length > 1;
    out.push({ ...n, role: viaPool ? "fip" : "port" });
  }
  return out;
}

export interface IngressRule {
  protocol: "tcp" | "udp" | "icmp";
  /** Absent for ICMP (§2.2: OpenStack leaves the ports out). */
  from?: number;
  to?: number;
  cidr: string;
}

/** §2.2: outport rules (remote ports), plus 22/tcp on public networks and on `proxy_host` ones. */
export function ingressRules(net: NetworkSec): IngressRule[] {
  const rules: IngressRule[] = [];
  const text = stringFeature(net.features, "outports");
  if (text !== undefined && text.trim() !== "") {
    for (const r of parseOutports(text)) {
      rules.push(
        r.protocol === "icmp"
          ? { protocol: "icmp", cidr: r.remoteCidr }
          : { protocol: r.protocol, from: r.remote.from, to: r.remote.to, cidr: r.remoteCidr },
      );
    }
  }
  const needsSsh = isPublicNetwork(net) || (stringFeature(net.features, "proxy_host") ?? "") !== "";
  const hasSsh = rules.some((r) => r.protocol === "tcp" && r.from! <= 22 && r.to! >= 22);
  if (needsSsh && !hasSsh) rules.push({ protocol: "tcp", from: 22, to: 22, cidr: DEFAULT_REMOTE_CIDR });
  const unique = new Map(rules.map((r) => [`${r.protocol}/${r.from}/${r.to}/${r.cidr}`, r]));
  return [...unique.values()];
}

/** The group's name: `sg_name`, else `im-<inf>-<net>`. */
export function groupName(infId: string, net: NetworkSec): string {
  const sg = stringFeature(net.features, "sg_name");
  return sg !== undefined && sg !== "" ? sg : `im-${infId}-${net.id}`;
}

/** `router = '<cidr>,<system>'` of a network (§4.3 step 10). */
export function networkRouter(net: NetworkSec): { cidr: string; system: string } | undefined {
  const v = stringFeature(net.features, "router");
  if (v === undefined || v.trim() === "") return undefined;
  const [cidr, system] = v.split(",").map((s) => s.trim());
  if (cidr === undefined || system === undefined || system === "" || parseCidr(cidr) === undefined) {
    throw new OpenStackPlanError(
      `Incorrect router value in network '${net.id}': ${v} (expected '<cidr>,<system>')`,
    );
  }
  return { cidr, system };
}
