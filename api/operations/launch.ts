/**
 * Launching the VMs of one operation (im-api.md §5.4, §5.8, §4.7): at most MAX_SIMULTANEOUS_LAUNCHES
 * VMs are launched at a time, and a VM whose launch fails is tried again, up to MAX_VM_FAILS attempts
 * DELAY_BETWEEN_VM_RETRIES seconds apart, before it is declared failed with every attempt's message.
 *
 * Both work on the stack update itself: the batches are dependencies added to the lowered graph (the
 * VMs of batch k wait for those of batch k-1 in the same `up`), and a retry is another `up` of the
 * same plan, which the engine turns into creates of only what is still missing.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { GraphNode, ResourceGraph, VmStackOutput } from "../../compiler/graph/types.js";
import { GraphCycleError } from "../../compiler/graph/errors.js";
import { nodeDependencies, validateGraph } from "../../compiler/graph/validate.js";
import { removeVms, type DeploymentPlan } from "../../compiler/plan/index.js";
import { OperationCancelledError } from "../../stacks/errors.js";
import type { StackManager } from "../../stacks/stack-manager.js";

export interface LaunchLimits {
  /** MAX_SIMULTANEOUS_LAUNCHES: VMs launched at once (≥ 1). */
  maxSimultaneous: number;
  /** MAX_VM_FAILS: launch attempts per VM (≥ 1). */
  maxFails: number;
  /** DELAY_BETWEEN_VM_RETRIES: seconds between two attempts. */
  retryDelaySeconds: number;
}

export const DEFAULT_LAUNCH_LIMITS: LaunchLimits = { maxSimultaneous: 1, maxFails: 3, retryDelaySeconds: 5 };

export interface LaunchRequest {
  stacks: StackManager;
  plan: DeploymentPlan;
  /** The VMs this operation launches (the others of the plan exist already). */
  vmIds: readonly number[];
  lower(plan: DeploymentPlan): ResourceGraph;
  limits: LaunchLimits;
  message?: string;
  /** Aborting cancels the engine run (OperationCancelledError) and any retry. */
  signal?: AbortSignal;
}

export interface LaunchResult {
  /** The plan after the launch: VMs that used up their attempts are marked removed. */
  plan: DeploymentPlan;
  /** The stack's VM outputs after the last successful update (empty when every VM failed). */
  outputs: Record<string, VmStackOutput>;
  /** VM id → `Attempt 1: <msg>\nAttempt 2: <msg>…` of the VMs that ended failed. */
  failed: Map<number, string>;
}

const VM_COMPONENT = /^vm-(\d+)$/;

/** Runs the launch of `request.vmIds` with batches and retries; see the module comment. */
export async function launchVms(request: LaunchRequest): Promise<LaunchResult> {
  const { stacks, limits } = request;
  let plan = request.plan;
  const active = new Set(request.vmIds);
  const attempts = new Map<number, string[]>();
  for (;;) {
    const graph = launchBatches(request.lower(plan), [...active], limits.maxSimultaneous);
    const failures = new Map<string, string[]>();
    const onEvent = (event: EngineEvent) => {
      const diag = event.diagnosticEvent;
      if (diag?.severity === "error" && diag.urn) {
        const name = resourceName(diag.urn);
        failures.set(name, [...(failures.get(name) ?? []), diag.message.trim()]);
      }
      const failed = event.resOpFailedEvent?.metadata.urn;
      if (failed && !failures.has(resourceName(failed))) failures.set(resourceName(failed), []);
    };
    try {
      const outcome = await stacks.upGraph(plan.infId, graph, {
        onEvent,
        ...(request.message ? { message: request.message } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return {
        plan,
        outputs: (outcome.outputs.vms?.value ?? {}) as Record<string, VmStackOutput>,
        failed: failedText(attempts, active),
      };
    } catch (err) {
      // cancelled: no attempt failed, and none is retried
      if (err instanceof OperationCancelledError || request.signal?.aborted) throw err;
      // A failure no VM can be blamed for (a shared resource, the contextualization, the backend)
      // is not retried: the caller fails every VM of the operation not launched yet with it.
      const blamed = blame(graph.nodes, failures, active);
      if (blamed.size === 0) throw err;
      const exhausted: number[] = [];
      for (const [vmId, messages] of blamed) {
        const list = attempts.get(vmId) ?? [];
        list.push(`Attempt ${list.length + 1}: ${messages.join("; ") || messageOf(err)}`);
        attempts.set(vmId, list);
        if (list.length >= limits.maxFails) exhausted.push(vmId);
      }
      if (exhausted.length > 0) {
        plan = removeVms(plan, exhausted);
        for (const id of exhausted) active.delete(id);
      }
      if (active.size === 0) return { plan, outputs: {}, failed: failedText(attempts, active) };
      if (exhausted.length < blamed.size && limits.retryDelaySeconds > 0) {
        await new Promise((resolve) => setTimeout(resolve, limits.retryDelaySeconds * 1000));
      }
    }
  }
}

function failedText(attempts: Map<number, string[]>, active: Set<number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [id, list] of attempts) if (!active.has(id)) out.set(id, list.join("\n"));
  return out;
}

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` → `<name>`. */
function resourceName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** The VM (`vm-<id>` component) a node belongs to through its parents, if any. */
function vmOwner(byId: Map<string, GraphNode>, node: GraphNode): number | undefined {
  const seen = new Set<string>();
  for (let n: GraphNode | undefined = node; n && !seen.has(n.id); n = byId.get(n.options?.parent ?? "")) {
    seen.add(n.id);
    const m = VM_COMPONENT.exec(n.id);
    if (m && n.type === "im:index:VirtualMachine") return Number(m[1]);
  }
  return undefined;
}

/** Failed resource names → the active VMs they belong to, with the engine's messages. */
function blame(
  nodes: GraphNode[],
  failures: Map<string, string[]>,
  active: Set<number>,
): Map<number, string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const blamed = new Map<number, string[]>();
  for (const node of nodes) {
    const messages = failures.get(node.name);
    if (messages === undefined) continue;
    const vmId = vmOwner(byId, node);
    if (vmId === undefined || !active.has(vmId)) continue;
    blamed.set(vmId, [...(blamed.get(vmId) ?? []), ...messages]);
  }
  return blamed;
}

/**
 * The graph with the VMs `vmIds` launched in batches of `size` (ascending ids): every node of a VM
 * in batch k depends on the nodes of the VMs in batch k-1, so the engine starts batch k when
 * batch k-1 is done. Nodes of batch k-1 that already wait for a later VM are left out of those
 * dependencies, so no cycle is made; should the result still not validate, the graph is returned
 * unchanged (all VMs at once) rather than failing the launch.
 */
export function launchBatches(graph: ResourceGraph, vmIds: number[], size: number): ResourceGraph {
  const ids = [...vmIds].sort((a, b) => a - b);
  if (size < 1 || ids.length <= size) return graph;
  const batchOf = new Map<number, number>();
  ids.forEach((id, i) => batchOf.set(id, Math.floor(i / size)));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodeBatch = new Map<string, number>();
  for (const node of graph.nodes) {
    const owner = vmOwner(byId, node);
    const batch = owner === undefined ? undefined : batchOf.get(owner);
    if (batch !== undefined) nodeBatch.set(node.id, batch);
  }
  // the highest batch each node reaches through its dependencies (itself included)
  const reach = new Map<string, number>();
  const highest = (id: string, stack = new Set<string>()): number => {
    const known = reach.get(id);
    if (known !== undefined) return known;
    if (stack.has(id)) return -1;
    stack.add(id);
    let max = nodeBatch.get(id) ?? -1;
    const node = byId.get(id);
    for (const dep of node ? nodeDependencies(node) : []) max = Math.max(max, highest(dep.target, stack));
    stack.delete(id);
    reach.set(id, max);
    return max;
  };
  const waitFor = new Map<number, string[]>();
  for (const node of graph.nodes) {
    const batch = nodeBatch.get(node.id);
    if (batch === undefined || highest(node.id) > batch) continue;
    waitFor.set(batch + 1, [...(waitFor.get(batch + 1) ?? []), node.id]);
  }
  const next: ResourceGraph = {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const deps = waitFor.get(nodeBatch.get(node.id) ?? -1);
      if (!deps || deps.length === 0) return node;
      const dependsOn = [...new Set([...(node.options?.dependsOn ?? []), ...deps])];
      return { ...node, options: { ...node.options, dependsOn } };
    }),
  };
  try {
    validateGraph(next, { extraTokens: graph.nodes.map((n) => n.type) });
    return next;
  } catch (err) {
    if (err instanceof GraphCycleError) return graph;
    throw err;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
