/**
 * The Kubernetes auth line (providers.md §5.1): `host` is the API server URL, credentials are a
 * bearer `token` or `username` + `password` (Basic), `namespace` and `apps_dns` are optional.
 */
import { stringify } from "yaml";
import type { AuthItem } from "../../compiler/auth/types.js";
import { KubernetesAuthDataError } from "./errors.js";

export type KubernetesCredentials =
  { kind: "basic"; username: string; password: string } | { kind: "token"; token: string };

/** As the IM's get_auth_header: username + password win over a token; neither is an error. */
export function kubernetesCredentials(auth: AuthItem): KubernetesCredentials {
  if (auth.username !== undefined && auth.password !== undefined) {
    return { kind: "basic", username: auth.username, password: auth.password };
  }
  if (auth.token !== undefined) return { kind: "token", token: auth.token };
  throw new KubernetesAuthDataError("username and password or token.");
}

/** The API server URL without a trailing slash; a host without a scheme is https (the IM's default port is 443). */
export function apiServerUrl(auth: AuthItem): string {
  const host = auth.host;
  if (host === undefined || host.trim() === "") throw new KubernetesAuthDataError("host.");
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(host) ? host : `https://${host}`;
  return withScheme.replace(/\/+$/, "");
}

/** providers.md §9.2: API server URL + namespace (the auth line's; none means per infrastructure). */
export function kubernetesIdentity(auth: AuthItem): string {
  return `${apiServerUrl(auth)}|${auth.namespace ?? ""}`;
}

/**
 * A kubeconfig with one cluster, one user and one context (providers.md §5.1). Without credentials
 * (a request that did not carry this cloud's auth item) the user entry is empty: the core must then
 * not `up` this cloud's resources (§2.1), it only declares them.
 */
export function buildKubeconfig(
  server: string,
  credentials: KubernetesCredentials | undefined,
  options: { insecureSkipTlsVerify: boolean },
): string {
  const cluster: Record<string, string | boolean> = { server };
  if (options.insecureSkipTlsVerify) cluster["insecure-skip-tls-verify"] = true;
  const user: Record<string, string> = {};
  if (credentials?.kind === "token") user.token = credentials.token;
  if (credentials?.kind === "basic") {
    user.username = credentials.username;
    user.password = credentials.password;
  }
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "im", cluster }],
    users: [{ name: "im", user }],
    contexts: [{ name: "im", context: { cluster: "im", user: "im" } }],
    "current-context": "im",
  });
}
