/**
 * The infrastructure's namespace (providers.md §5.2): the auth line's `namespace`, else the RADL
 * description's `namespace`, else the infrastructure id; and whether the infrastructure owns it
 * (the IM creates it when a GET answers anything but 200 or 403). Decided once in Plan (D1).
 */
import { stringFeature } from "../../compiler/features.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { readKubernetesCatalog } from "./catalog.js";
import { KubernetesAuthDataError, KubernetesUnreachableError } from "./errors.js";
import { KubernetesClient, segment } from "./rest.js";

export type NamespaceSource = "auth" | "radl" | "infrastructure";

export function chooseNamespace(
  auth: AuthItem,
  document: RadlDocument,
  infId: string,
): { name: string; source: NamespaceSource } {
  if (auth.namespace !== undefined && auth.namespace !== "") return { name: auth.namespace, source: "auth" };
  const fromRadl = document.description
    ? stringFeature(document.description.features, "namespace")
    : undefined;
  if (fromRadl !== undefined && fromRadl !== "") return { name: fromRadl, source: "radl" };
  return { name: infId, source: "infrastructure" };
}

export interface NamespaceQuery {
  name: string;
  source: NamespaceSource;
  auth: AuthItem;
  cloudId: string;
  /** For the error message: the system being planned. */
  system: string;
  catalog?: CloudCatalog;
  verifyTls: boolean;
  timeoutMs?: number;
}

/**
 * Whether the infrastructure creates (and so owns) the namespace. A namespace named after the
 * infrastructure id is always new, so it needs no I/O; a named one is looked up in the catalogue,
 * else asked to the API server.
 */
export async function namespaceIsOwned(q: NamespaceQuery): Promise<boolean> {
  if (q.source === "infrastructure") return true;
  if (q.catalog !== undefined)
    return !readKubernetesCatalog(q.catalog, q.cloudId).namespaces.includes(q.name);
  const needed = `whether namespace '${q.name}' exists`;
  let client: KubernetesClient;
  try {
    client = KubernetesClient.fromAuth(q.auth, q.verifyTls, q.timeoutMs);
  } catch (e) {
    if (e instanceof KubernetesAuthDataError)
      throw new DiscoveryNeededError(q.system, q.cloudId, needed, e.message);
    throw e;
  }
  try {
    const res = await client.request("GET", `/api/v1/namespaces/${segment(q.name)}`);
    if (res.status === 200 || res.status === 403) return false;
    if (res.status === 404) return true;
    const reason =
      res.status === 401
        ? "the API server rejected the credentials (401 Unauthorized)"
        : `the API server answered ${res.status}`;
    throw new DiscoveryNeededError(q.system, q.cloudId, needed, reason);
  } catch (e) {
    if (e instanceof KubernetesUnreachableError)
      throw new DiscoveryNeededError(q.system, q.cloudId, needed, e.message);
    throw e;
  }
}
