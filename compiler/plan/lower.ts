import { cloudsFromAuth } from "../auth/cloud.js";
import type { AuthItem } from "../auth/types.js";
import { validateGraph } from "../graph/validate.js";
import { emptyGraph, type ResourceGraph } from "../graph/types.js";
import type { Contextualizer, DriverLookup, LoweredVm } from "./driver.js";
import { MissingDriverError } from "./errors.js";
import { hostMatches } from "./plan.js";
import { liveVms, type DeploymentPlan } from "./types.js";

export interface LowerOptions {
  contextualizer?: Contextualizer;
  /** The caller's auth data: each cloud's provider node gets its credentials from here. */
  auth?: AuthItem[];
}

export interface LoweredPlan {
  graph: ResourceGraph;
  vms: LoweredVm[];
}

/**
 * DeploymentPlan → ResourceGraph: each cloud's live VMs through their driver, then the
 * contextualizer's command nodes. Pure and deterministic (providers.md §0 phase 2); the graph is
 * validated before it is returned.
 */
export function lowerPlan(
  plan: DeploymentPlan,
  drivers: DriverLookup,
  options: LowerOptions = {},
): ResourceGraph {
  return lowerPlanDetailed(plan, drivers, options).graph;
}

export function lowerPlanDetailed(
  plan: DeploymentPlan,
  drivers: DriverLookup,
  options: LowerOptions = {},
): LoweredPlan {
  const graph = emptyGraph();
  const lowered: LoweredVm[] = [];
  const extraTokens = new Set<string>();
  const authClouds = cloudsFromAuth(options.auth ?? []);
  for (const cloud of plan.clouds) {
    const vms = liveVms(plan).filter((vm) => vm.cloudKey === cloud.cloudKey);
    if (vms.length === 0) continue;
    const driver = drivers.get(cloud.type);
    if (driver === undefined) throw new MissingDriverError(cloud.type);
    for (const t of driver.extraTokens ?? []) extraTokens.add(t);
    const ref = authClouds.find((c) => c.type === cloud.type && hostMatches(c, cloud));
    const result = driver.lower({
      plan,
      cloud,
      vms,
      ...(ref !== undefined ? { credentials: options.auth![ref.index]! } : {}),
    });
    graph.nodes.push(...result.nodes);
    for (const vm of result.vms) {
      lowered.push(vm);
      graph.outputs.vms[String(vm.vm.id)] = vm.output;
      if (Object.keys(vm.secrets).length > 0) graph.outputs.vmSecrets[String(vm.vm.id)] = vm.secrets;
    }
    const shared = result.shared ?? {};
    Object.assign(graph.outputs.shared.securityGroups, shared.securityGroups ?? {});
    Object.assign(graph.outputs.shared.networks, shared.networks ?? {});
    Object.assign(graph.outputs.shared.subnets, shared.subnets ?? {});
    for (const key of ["router", "vpc", "namespace"] as const) {
      if (shared[key] !== undefined) graph.outputs.shared[key] = shared[key];
    }
  }
  lowered.sort((a, b) => a.vm.id - b.vm.id);
  if (options.contextualizer !== undefined) {
    const ctx = options.contextualizer.lower({ plan, vms: lowered, nodes: graph.nodes });
    graph.nodes.push(...ctx.nodes);
    if (ctx.outputs !== undefined) graph.outputs.extra = { ...(graph.outputs.extra ?? {}), ...ctx.outputs };
  }
  validateGraph(graph, { extraTokens });
  return { graph, vms: lowered };
}
