/**
 * For real-engine tests of an OpenStack-lowered graph (providers.md §11.4): the openstack plugin
 * cannot be built here, so every `openstack:*` node (and the explicit provider) becomes a
 * `command:local:Command` of the same name, parent and dependencies that prints its inputs as JSON.
 * References to outputs a command does not have are served from its `environment`: a port's fixed
 * IP (`allFixedIps.0` → `FIXED_IP`) and a floating IP's `address` (→ `ADDRESS`), with fake values.
 */
import type { GraphNode, GraphValue, ResourceGraph } from "../../compiler/graph/types.js";
import { isAsset, isInterpolation, isRef, isSecret } from "../../compiler/graph/values.js";

const ENV_OF_PROP: Record<string, string> = { "allFixedIps.0": "FIXED_IP", address: "ADDRESS" };

function rewriteRefs(value: GraphValue): GraphValue {
  if (isRef(value)) {
    if (value.prop === undefined || value.prop === "id") return value;
    const env = ENV_OF_PROP[value.prop];
    if (env === undefined) throw new Error(`no substitute for output ${value.prop} of ${value.ref}`);
    return { ref: value.ref, prop: `environment.${env}` };
  }
  if (isSecret(value)) return { secret: rewriteRefs(value.secret) };
  if (isInterpolation(value)) {
    return {
      interpolate: value.interpolate.map((p) => (typeof p === "object" ? (rewriteRefs(p) as typeof p) : p)),
    };
  }
  if (isAsset(value) || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(rewriteRefs);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteRefs(v)]));
}

/** The inputs as a JSON text built with interpolation, so references resolve to their values. */
function jsonOf(value: GraphValue): (string | GraphValue)[] {
  if (isRef(value) || isSecret(value)) return ['"', value, '"'];
  if (isInterpolation(value)) return ['"', ...value.interpolate, '"'];
  if (value === null || typeof value !== "object" || isAsset(value)) return [JSON.stringify(value)];
  if (Array.isArray(value)) {
    return ["[", ...value.flatMap((v, i) => [...(i > 0 ? [","] : []), ...jsonOf(v)]), "]"];
  }
  const entries = Object.entries(value);
  return [
    "{",
    ...entries.flatMap(([k, v], i) => [...(i > 0 ? [","] : []), `${JSON.stringify(k)}:`, ...jsonOf(v)]),
    "}",
  ];
}

function fakeEnv(node: GraphNode): Record<string, string> {
  const vm = Number(/^vm-(\d+)/.exec(node.name)?.[1] ?? "0");
  if (node.type === "openstack:networking/port:Port") {
    const fixed = (node.args.fixedIps as { ipAddress?: string }[] | undefined)?.[0]?.ipAddress;
    const nic = Number(/-nic-(\d+)$/.exec(node.name)?.[1] ?? "0");
    return { FIXED_IP: fixed ?? `10.0.${nic}.${10 + vm}` };
  }
  if (node.type === "openstack:networking/floatingIp:FloatingIp")
    return { ADDRESS: `158.42.104.${100 + vm}` };
  return {};
}

export function substituteOpenStack(graph: ResourceGraph): ResourceGraph {
  const nodes = graph.nodes.map((node): GraphNode => {
    if (!node.type.startsWith("openstack:") && node.type !== "pulumi:providers:openstack") return node;
    const inputs = rewriteRefs(node.args) as Record<string, GraphValue>;
    const { provider: _provider, ignoreChanges: _ignore, ...options } = node.options ?? {};
    return {
      id: node.id,
      type: "command:local:Command",
      name: node.name,
      args: {
        create: 'printf "%s" "$INPUTS"',
        environment: { ...fakeEnv(node), TYPE: node.type, INPUTS: { interpolate: jsonOf(inputs) as never } },
      },
      options,
    };
  });
  const outputs = rewriteRefs(graph.outputs as unknown as GraphValue) as unknown as ResourceGraph["outputs"];
  return { ...graph, nodes, outputs };
}
