/**
 * Read-back (providers.md §5.3): the VM's pod (label `name=<pod>`, the first one), its Deployment when
 * there is no pod, and its Service's NodePorts, mapped to VmFacts. No side effects.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { VmFacts } from "../../compiler/plan/driver.js";
import type { JsonValue } from "../../compiler/plan/types.js";
import { KubernetesApiError } from "./errors.js";
import { cpuFromQuantity, bytesFromQuantity } from "./quantity.js";
import { isPrivateIp } from "./private-ip.js";
import { segment, type KubernetesClient } from "./rest.js";

const STATE_MAP: Record<string, VmFacts["state"]> = {
  Pending: "pending",
  Running: "running",
  Succeeded: "off",
  Failed: "failed",
};

interface Pod {
  metadata?: { name?: string };
  spec?: { containers?: { image?: string; resources?: { limits?: Record<string, string> } }[] };
  status?: { phase?: string; hostIP?: string; podIP?: string };
}

interface ServicePort {
  port?: number;
  nodePort?: number;
  protocol?: string;
}

export interface ReadBackInput {
  /** The VM's first public and first private RADL network (an IP of a missing kind is dropped). */
  publicNet?: string;
  privateNet?: string;
  namespace: string;
  pod: string;
  /** The API server's host name: the public address when the node's is private. */
  apiServerHost: string;
  client: KubernetesClient;
}

async function resolveHost(host: string): Promise<string | undefined> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    return undefined;
  }
}

export async function readBackPod(input: ReadBackInput): Promise<VmFacts> {
  const { client, namespace, pod, publicNet, privateNet } = input;
  const instanceId = `${namespace}/${pod}`;
  const base = `/api/v1/namespaces/${segment(namespace)}`;
  const list = (await client.json(
    "GET",
    `${base}/pods?labelSelector=${encodeURIComponent(`name=${pod}`)}`,
  )) as {
    items?: Pod[];
  };
  const found = list.items?.[0];
  const extra: Record<string, JsonValue> = {};

  const svc = await client.request("GET", `${base}/services/${segment(pod)}`);
  if (svc.status === 200) {
    const ports = ((svc.body as { spec?: { ports?: ServicePort[] } }).spec?.ports ?? []).filter(
      (p) => typeof p.nodePort === "number" && p.nodePort > 0,
    );
    extra.outports = ports.map((p) => ({
      remote: p.nodePort!,
      local: p.port ?? 0,
      protocol: (p.protocol ?? "TCP").toLowerCase(),
    }));
  } else if (svc.status !== 404) {
    throw new KubernetesApiError(svc.status, `${base}/services/${pod}`, "reading the Service");
  }

  if (found === undefined) {
    const dep = await client.request(
      "GET",
      `/apis/apps/v1/namespaces/${segment(namespace)}/deployments/${segment(pod)}`,
    );
    if (dep.status === 404) throw new KubernetesApiError(404, instanceId, "Pod not found");
    if (dep.status !== 200) throw new KubernetesApiError(dep.status, instanceId, "reading the Deployment");
    const replicas = (dep.body as { spec?: { replicas?: number } }).spec?.replicas ?? 1;
    return {
      state: replicas === 0 ? "stopped" : "pending",
      instanceId,
      instanceName: instanceId,
      ips: [],
      extra,
    };
  }

  const container = found.spec?.containers?.[0];
  const limits = container?.resources?.limits ?? {};
  const size: NonNullable<VmFacts["size"]> = {};
  if (limits.cpu !== undefined) size.cpu = cpuFromQuantity(limits.cpu);
  if (limits.memory !== undefined) {
    const bytes = bytesFromQuantity(limits.memory);
    size.memMB = bytes / 1e6;
    extra.memoryBytes = bytes;
  }
  if (container?.image !== undefined) extra.image = container.image;
  if (found.metadata?.name !== undefined) extra.podName = found.metadata.name;

  const ips: VmFacts["ips"] = [];
  const hostIp = found.status?.hostIP;
  if (publicNet !== undefined && hostIp !== undefined && hostIp !== "") {
    const ip = isPrivateIp(hostIp) ? await resolveHost(input.apiServerHost) : hostIp;
    if (ip !== undefined) ips.push({ ip, kind: "host", radlNet: publicNet });
  }
  const podIp = found.status?.podIP;
  if (privateNet !== undefined && podIp !== undefined && podIp !== "") {
    ips.push({ ip: podIp, kind: "pod", radlNet: privateNet });
  }
  return {
    state: STATE_MAP[found.status?.phase ?? ""] ?? "unknown",
    instanceId,
    instanceName: instanceId,
    ips,
    size,
    extra,
  };
}
