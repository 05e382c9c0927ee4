/**
 * get_quotas (providers.md §5.3): the namespace's ResourceQuotas, `hard` as the limit and `used` as
 * used, renamed to the IM's metrics; memory and storage in GiB.
 */
import { quantityValue } from "./quantity.js";
import { segment, type KubernetesClient } from "./rest.js";

const NAME_MAP: Record<string, string> = {
  "limits.cpu": "cores",
  "limits.memory": "ram",
  pods: "instances",
  "requests.nvidia.com/gpu": "gpus",
  "requests.storage": "volume_storage",
  persistentvolumeclaims: "volumes",
};
const GIB_KEYS = new Set(["limits.memory", "requests.storage"]);
const SC_STORAGE = ".storageclass.storage.k8s.io/requests.storage";
const SC_CLAIMS = ".storageclass.storage.k8s.io/persistentvolumeclaims";

interface ResourceQuota {
  spec?: { hard?: Record<string, string> };
  status?: { used?: Record<string, string> };
}

export type Quotas = Record<string, { used: number; limit: number }>;

const gib = (text: string): number => quantityValue(text) / 2 ** 30;
const count = (text: string): number => quantityValue(text);

export function quotasFromList(items: ResourceQuota[]): Quotas {
  const out: Quotas = {};
  for (const item of items) {
    const hard = item.spec?.hard ?? {};
    const used = item.status?.used ?? {};
    for (const [key, limit] of Object.entries(hard)) {
      const u = used[key] ?? "0";
      const name = NAME_MAP[key];
      if (name !== undefined) {
        const conv = GIB_KEYS.has(key) ? gib : count;
        out[name] = { limit: conv(limit), used: conv(u) };
      } else if (key.endsWith(SC_STORAGE)) {
        out[`volume_storage_${key.slice(0, -SC_STORAGE.length)}`] = { limit: gib(limit), used: gib(u) };
      } else if (key.endsWith(SC_CLAIMS)) {
        out[`volumes_${key.slice(0, -SC_CLAIMS.length)}`] = { limit: count(limit), used: count(u) };
      }
    }
  }
  return out;
}

export async function namespaceQuotas(client: KubernetesClient, namespace: string): Promise<Quotas> {
  const list = (await client.json("GET", `/api/v1/namespaces/${segment(namespace)}/resourcequotas`)) as {
    items?: ResourceQuota[];
  };
  return quotasFromList(list.items ?? []);
}
