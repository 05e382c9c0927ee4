/**
 * EC2 networking per VM (providers.md §3.3), pure over the RADL and the stored decisions: which VPC
 * and subnet, whether the launch asks for a public IP, the security groups and their rules (§2.2).
 */
import { stringFeature, yesNoFeature } from "../../compiler/features.js";
import { sha6 } from "../../compiler/graph/names.js";
import type { NetworkSec, RadlDocument, SystemSec } from "../../compiler/ir.js";
import { DEFAULT_REMOTE_CIDR, parseOutports } from "../../compiler/outports.js";
import { findNetwork, nics } from "../../compiler/plan/system-features.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import type { RegionDecisions } from "./decisions.js";
import { Ec2PlanError } from "./errors.js";

export const SG_DESCRIPTION = "Security group created by the IM";

/** A `create = yes` private network without `provider_id`: the infrastructure's VPC gets a subnet for it. */
export function isCreatedNetwork(net: NetworkSec): boolean {
  return (
    !isPublicNetwork(net) &&
    yesNoFeature(net.features, "create") === true &&
    (stringFeature(net.features, "provider_id") ?? "") === ""
  );
}

export function parseProviderId(value: string): { vpcId: string; subnetId: string } {
  const m = /^(vpc-[A-Za-z0-9]+)\.(subnet-[A-Za-z0-9]+)$/.exec(value);
  if (m === null)
    throw new Ec2PlanError(`Incorrect provider_id value: ${value}. It must be <vpc-id>.<subnet-id>.`);
  return { vpcId: m[1]!, subnetId: m[2]! };
}

export type VpcChoice = { kind: "existing"; vpcId: string } | { kind: "created" };
export type SubnetChoice = { kind: "existing"; subnetId: string } | { kind: "created"; network: string };

export interface Placement {
  vpc: VpcChoice;
  subnet: SubnetChoice;
}

/** Stable short key of a VPC choice for names: the created VPC or an existing id. */
export function vpcKey(vpc: VpcChoice): string {
  return sha6(vpc.kind === "created" ? "im-created-vpc" : vpc.vpcId);
}

export function connectedNetworks(system: SystemSec, doc: RadlDocument): NetworkSec[] {
  const seen = new Set<string>();
  const out: NetworkSec[] = [];
  for (const nic of nics(system.features)) {
    if (seen.has(nic.connection)) continue;
    seen.add(nic.connection);
    const net = findNetwork(doc, nic.connection);
    if (net !== undefined) out.push(net);
  }
  return out;
}

/** What a VM needs from discovery before it can be placed. */
export function placementNeeds(system: SystemSec, doc: RadlDocument): "pinned" | "created" | "default" {
  const nets = connectedNetworks(system, doc);
  if (nets.some((n) => (stringFeature(n.features, "provider_id") ?? "") !== "")) return "pinned";
  if (nets.some(isCreatedNetwork)) return "created";
  return "default";
}

export function placement(
  system: SystemSec,
  doc: RadlDocument,
  facts: RegionDecisions | undefined,
): Placement {
  const nets = connectedNetworks(system, doc);
  const pinned = nets.find((n) => (stringFeature(n.features, "provider_id") ?? "") !== "");
  if (pinned !== undefined) {
    const { vpcId, subnetId } = parseProviderId(stringFeature(pinned.features, "provider_id")!);
    return { vpc: { kind: "existing", vpcId }, subnet: { kind: "existing", subnetId } };
  }
  const created = nets.find(isCreatedNetwork);
  if (created !== undefined)
    return { vpc: { kind: "created" }, subnet: { kind: "created", network: created.id } };
  if (facts?.defaultVpc === undefined || facts.defaultSubnet === undefined) {
    throw new Ec2PlanError("No VPC.subnet specified and no VPC default found.");
  }
  return {
    vpc: { kind: "existing", vpcId: facts.defaultVpc },
    subnet: { kind: "existing", subnetId: facts.defaultSubnet },
  };
}

/** §3.3: a public IP at launch unless the VM is private-only and `ec2.associate_public_ip_address = 'no'`. */
export function associatePublicIp(system: SystemSec, doc: RadlDocument): boolean {
  const hasPublic = connectedNetworks(system, doc).some(isPublicNetwork);
  return hasPublic || yesNoFeature(system.features, "ec2.associate_public_ip_address") !== false;
}

export interface IngressRule {
  protocol: "tcp" | "udp" | "icmp";
  from: number;
  to: number;
  cidr: string;
}

/** §2.2: outport rules (remote ports; ICMP -1/-1), plus 22/tcp on public networks and on `proxy_host` ones. */
export function ingressRules(net: NetworkSec): IngressRule[] {
  const rules: IngressRule[] = [];
  const text = stringFeature(net.features, "outports");
  if (text !== undefined && text.trim() !== "") {
    for (const r of parseOutports(text)) {
      rules.push(
        r.protocol === "icmp"
          ? { protocol: "icmp", from: -1, to: -1, cidr: r.remoteCidr }
          : { protocol: r.protocol, from: r.remote.from, to: r.remote.to, cidr: r.remoteCidr },
      );
    }
  }
  const needsSsh = isPublicNetwork(net) || (stringFeature(net.features, "proxy_host") ?? "") !== "";
  const hasSsh = rules.some((r) => r.protocol === "tcp" && r.from <= 22 && r.to >= 22);
  if (needsSsh && !hasSsh) rules.push({ protocol: "tcp", from: 22, to: 22, cidr: DEFAULT_REMOTE_CIDR });
  const unique = new Map(rules.map((r) => [`${r.protocol}/${r.from}/${r.to}/${r.cidr}`, r]));
  return [...unique.values()];
}

/** The group's EC2 name: `sg_name`, else `im-<inf>-<net>`. */
export function networkGroupName(infId: string, net: NetworkSec): string {
  const sg = stringFeature(net.features, "sg_name");
  return sg !== undefined && sg !== "" ? sg : `im-${infId}-${net.id}`;
}
