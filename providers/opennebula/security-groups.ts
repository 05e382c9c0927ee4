/**
 * Security groups (providers.md §6.3): one per RADL network with at least one rule. Inbound TCP 22
 * on public networks and on networks with `proxy_host`, then one inbound rule per outport (its
 * remote port or range; ICMP without a range). No self rules. Pure.
 */
import type { NetworkSec, RadlDocument } from "../../compiler/ir.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import { parseOutports } from "../../compiler/outports.js";
import { stringFeature } from "../../compiler/plan/system-features.js";

export interface OneSgRuleSpec {
  protocol: "TCP" | "UDP" | "ICMP";
  range?: string;
}

/** The physical name: the network's `sg_name`, or `im-<infId>-<netId>`. */
export function securityGroupName(infId: string, net: NetworkSec): string {
  return stringFeature(net.features, "sg_name") ?? `im-${infId}-${net.id}`;
}

export function securityGroupRules(net: NetworkSec): OneSgRuleSpec[] {
  const rules: OneSgRuleSpec[] = [];
  const seen = new Set<string>();
  const add = (r: OneSgRuleSpec) => {
    const key = `${r.protocol}:${r.range ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    rules.push(r);
  };
  if (isPublicNetwork(net) || stringFeature(net.features, "proxy_host") !== undefined) {
    add({ protocol: "TCP", range: "22" });
  }
  const outports = stringFeature(net.features, "outports");
  for (const o of outports === undefined ? [] : parseOutports(outports)) {
    const protocol = o.protocol.toUpperCase() as OneSgRuleSpec["protocol"];
    if (protocol === "ICMP") add({ protocol });
    else
      add({
        protocol,
        range: o.remote.from === o.remote.to ? String(o.remote.from) : `${o.remote.from}:${o.remote.to}`,
      });
  }
  return rules;
}

/** Networks (document order) that the given systems connect to. */
export function connectedNetworks(doc: RadlDocument, netIds: Set<string>): NetworkSec[] {
  return doc.networks.filter((n) => netIds.has(n.id));
}
