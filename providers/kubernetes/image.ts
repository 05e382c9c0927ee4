/**
 * Which image URLs a Kubernetes cloud takes (providers.md §5.1): `docker://<image>[:<tag>]`, or a
 * bare image reference with no scheme (`grycap/im:1.0`, `ubuntu:18.04`, `registry.io/x/y@sha256:…`).
 */

const DOCKER_SCHEME = /^docker:\/\//i;
/** An OCI image reference as written (lower-case repository, optional tag or digest). */
const BARE_REFERENCE = /^[a-z0-9][a-z0-9._\-/]*(:[A-Za-z0-9._-]+)?(@[A-Za-z0-9:]+)?$/;

export function isKubernetesImage(url: string | undefined): boolean {
  if (url === undefined) return false;
  if (DOCKER_SCHEME.test(url)) return url.replace(DOCKER_SCHEME, "") !== "";
  return !url.includes("://") && BARE_REFERENCE.test(url);
}

/** The container image: the URL with its `docker://` scheme removed. */
export function containerImage(url: string): string {
  return url.replace(DOCKER_SCHEME, "");
}
