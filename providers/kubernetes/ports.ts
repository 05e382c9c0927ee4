/**
 * Which ports the container, Service and Ingress expose (providers.md §5.2): the `outports` of the
 * VM's public network, else of its private one. Port ranges are ignored (parity, with the IM's
 * warning); ICMP entries too, since a Service cannot carry them.
 */
import { stringFeature } from "../../compiler/features.js";
import type { NetworkSec, RadlDocument, SystemSec } from "../../compiler/ir.js";
import { parseOutports, type OutportRule } from "../../compiler/outports.js";
import { findNetwork, nics } from "../../compiler/plan/system-features.js";
import { isPublicNetwork } from "../../compiler/system-view.js";

export interface KubePort {
  /** Container and Service port (the outport's local port). */
  local: number;
  /** The NodePort (the outport's remote port); only on a public network. */
  remote: number;
  protocol: "TCP" | "UDP";
}

export interface ExposedPorts {
  /** The VM has a public network: the Service is a NodePort one. */
  public: boolean;
  /** The network whose outports were used. */
  network?: string;
  ports: KubePort[];
  /** The first outport's local port as written (the Ingress backend), ranges included. */
  firstLocal?: number;
  warnings: string[];
}

export const PORT_RANGE_WARNING = "Port range not allowed in Kubernetes connector. Ignoring.";

function connected(system: SystemSec, doc: RadlDocument, publicNet: boolean): NetworkSec | undefined {
  return nics(system.features)
    .map((n) => findNetwork(doc, n.connection))
    .find((n): n is NetworkSec => n !== undefined && isPublicNetwork(n) === publicNet);
}

/** The first public and the first private network the VM is connected to (read-back maps IPs to them). */
export function connectedNetworks(
  system: SystemSec,
  doc: RadlDocument,
): { public?: string; private?: string } {
  const pub = connected(system, doc, true)?.id;
  const priv = nics(system.features).find((n) => {
    const net = findNetwork(doc, n.connection);
    return net === undefined || !isPublicNetwork(net);
  })?.connection;
  return { ...(pub !== undefined ? { public: pub } : {}), ...(priv !== undefined ? { private: priv } : {}) };
}

export function exposedPorts(system: SystemSec, doc: RadlDocument): ExposedPorts {
  const pub = connected(system, doc, true);
  const net = pub ?? connected(system, doc, false);
  const text = net === undefined ? undefined : stringFeature(net.features, "outports");
  const rules: OutportRule[] = text === undefined || text === "" ? [] : parseOutports(text);
  const warnings: string[] = [];
  const ports: KubePort[] = [];
  for (const rule of rules) {
    if (rule.kind === "range") {
      warnings.push(PORT_RANGE_WARNING);
      continue;
    }
    if (rule.protocol === "icmp") continue;
    ports.push({
      local: rule.local.from,
      remote: rule.remote.from,
      protocol: rule.protocol === "udp" ? "UDP" : "TCP",
    });
  }
  return {
    public: pub !== undefined,
    ...(net !== undefined ? { network: net.id } : {}),
    ports,
    ...(rules[0] !== undefined ? { firstLocal: rules[0].local.from } : {}),
    warnings,
  };
}
