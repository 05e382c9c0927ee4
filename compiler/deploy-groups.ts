/**
 * Deploy grouping (spec radl.md §3.7): deploys whose systems share a private network, directly
 * or transitively, must land in one cloud; a deploy whose system has no private network is split
 * into independent single-VM groups. Same order as IM: the single-VM groups first, in deploy
 * order, then the network groups in order of their first deploy.
 */
import { RadlPulumiError } from "./errors.js";
import type { DeploySec, RadlDocument } from "./ir.js";
import { isPublicNetwork, systemNetworkIds } from "./system-view.js";

export interface DeployRequest {
  system: string;
  /** VMs requested by this part of the deploy (1 for split deploys; may be 0 for binding deploys). */
  count: number;
  cloud?: string;
  /** The deploy line it comes from. */
  deploy: DeploySec;
}

export interface DeployGroup {
  deploys: DeployRequest[];
  /** The explicit cloud of the group, when one of its deploys names one. */
  cloud?: string;
  /** The private networks that tie the group together (empty for a single-VM group). */
  privateNetworks: string[];
}

/** Two deploys that must share a cloud name different clouds. */
export class DeployCloudConflictError extends RadlPulumiError {
  constructor(
    readonly clouds: string[],
    readonly systems: string[],
  ) {
    super(
      "E-IM-DEPLOY-CLOUD-CONFLICT",
      `deploys of ${systems.join(", ")} share a private network, so they must go to one cloud, but they name the clouds ${clouds.join(", ")}`,
    );
  }
}

export function groupDeploys(doc: RadlDocument): DeployGroup[] {
  const privateIds = new Set(doc.networks.filter((n) => !isPublicNetwork(n)).map((n) => n.id));
  const systems = new Map(doc.systems.map((s) => [s.id, s]));
  const privateNetsOf = (systemId: string): string[] => {
    const system = systems.get(systemId);
    if (system === undefined) return [];
    // IM lists them in network-section order.
    const connected = new Set(systemNetworkIds(system.features));
    return doc.networks.map((n) => n.id).filter((id) => privateIds.has(id) && connected.has(id));
  };

  // Union-find over network ids.
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let r = id;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const d of doc.deploys) {
    const nets = privateNetsOf(d.system);
    for (const n of nets.slice(1)) parent.set(root(n), root(nets[0]!));
  }

  const singles: DeployGroup[] = [];
  const byRoot = new Map<string, DeployGroup>();
  for (const d of doc.deploys) {
    const nets = privateNetsOf(d.system);
    const request = (count: number): DeployRequest => ({
      system: d.system,
      count,
      ...(d.cloud === undefined ? {} : { cloud: d.cloud }),
      deploy: d,
    });
    if (nets.length === 0) {
      for (let i = 0; i < d.count.value; i++) singles.push({ deploys: [request(1)], privateNetworks: [] });
      continue;
    }
    const key = root(nets[0]!);
    const group = byRoot.get(key) ?? { deploys: [], privateNetworks: [] };
    byRoot.set(key, group);
    group.deploys.push(request(d.count.value));
    for (const n of nets) if (!group.privateNetworks.includes(n)) group.privateNetworks.push(n);
  }

  const groups = [...singles, ...byRoot.values()];
  for (const group of groups) {
    const clouds = [...new Set(group.deploys.flatMap((r) => (r.cloud === undefined ? [] : [r.cloud])))];
    if (clouds.length > 1) {
      throw new DeployCloudConflictError(clouds, [...new Set(group.deploys.map((r) => r.system))]);
    }
    if (clouds.length === 1) group.cloud = clouds[0]!;
  }
  return groups;
}
