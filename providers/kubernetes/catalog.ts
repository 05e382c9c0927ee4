/**
 * The Kubernetes discovery catalogue (`radl compile --catalog FILE`, docs/catalog-kubernetes.md).
 * Kubernetes discovery answers one question: does the infrastructure's namespace already exist
 * (then it is not ours, D2) or must it be created? The catalogue of one auth item is:
 *
 *   { "namespaces": ["default", "apps"] }
 *
 * `namespaces` lists the namespaces that exist in the cluster (every other name is created and
 * owned by the infrastructure). Nothing else is read.
 */
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import { KubernetesCatalogError } from "./errors.js";

export interface KubernetesCatalog {
  namespaces: string[];
}

export function readKubernetesCatalog(catalog: CloudCatalog, cloudId: string): KubernetesCatalog {
  const namespaces = catalog.namespaces;
  if (!Array.isArray(namespaces) || !namespaces.every((n) => typeof n === "string")) {
    throw new KubernetesCatalogError(cloudId, "'namespaces' must be a list of namespace names");
  }
  return { namespaces: namespaces as string[] };
}
