/**
 * A small fake Kubernetes API server on 127.0.0.1 (providers.md §11.3): real HTTP, bearer-token
 * auth, and the few routes the driver reads (namespaces, pods by label, deployments, services,
 * resourcequotas, pod deletion). State is plain data the test fills in.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeKubeState {
  namespaces: Record<string, { labels?: Record<string, string> }>;
  /** Namespaces whose GET answers 403 (no permission to read them). */
  forbiddenNamespaces: string[];
  pods: { namespace: string; name: string; labels: Record<string, string>; body: Record<string, unknown> }[];
  deployments: { namespace: string; name: string; replicas: number }[];
  services: { namespace: string; name: string; ports: Record<string, unknown>[] }[];
  resourceQuotas: Record<string, { hard: Record<string, string>; used: Record<string, string> }[]>;
}

export interface FakeKubeApi {
  url: string;
  state: FakeKubeState;
  /** Every request seen: method, path (with query) and Authorization header. */
  requests: { method: string; path: string; authorization?: string }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, message: string): void {
  send(res, code, { kind: "Status", apiVersion: "v1", status: "Failure", message, code });
}

export async function startFakeKubeApi(
  token: string,
  initial: Partial<FakeKubeState> = {},
): Promise<FakeKubeApi> {
  const state: FakeKubeState = {
    namespaces: {},
    forbiddenNamespaces: [],
    pods: [],
    deployments: [],
    services: [],
    resourceQuotas: {},
    ...initial,
  };
  const requests: FakeKubeApi["requests"] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://fake");
    requests.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
    });
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, "Unauthorized");
    const p = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const get = req.method === "GET";
    // /api/v1/namespaces/<ns>
    if (p[0] === "api" && p[2] === "namespaces" && p.length === 4 && get) {
      const ns = p[3]!;
      if (state.forbiddenNamespaces.includes(ns)) return status(res, 403, `namespaces "${ns}" is forbidden`);
      const found = state.namespaces[ns];
      if (found === undefined) return status(res, 404, `namespaces "${ns}" not found`);
      return send(res, 200, { kind: "Namespace", metadata: { name: ns, labels: found.labels ?? {} } });
    }
    if (p[0] === "api" && p[2] === "namespaces" && p.length === 5 && p[4] === "pods") {
      const selector = url.searchParams.get("labelSelector") ?? "";
      const [k, v] = selector.split("=");
      const matching = state.pods.filter(
        (pod) => pod.namespace === p[3] && (k === "" || pod.labels[k!] === v),
      );
      if (req.method === "DELETE") {
        state.pods = state.pods.filter((pod) => !matching.includes(pod));
        return send(res, 200, { kind: "PodList", items: matching.map((m) => m.body) });
      }
      return send(res, 200, { kind: "PodList", items: matching.map((m) => m.body) });
    }
    if (p[0] === "api" && p[2] === "namespaces" && p[4] === "services" && p.length === 6 && get) {
      const svc = state.services.find((s) => s.namespace === p[3] && s.name === p[5]);
      if (svc === undefined) return status(res, 404, `services "${p[5]}" not found`);
      return send(res, 200, { kind: "Service", metadata: { name: svc.name }, spec: { ports: svc.ports } });
    }
    if (p[0] === "api" && p[2] === "namespaces" && p[4] === "resourcequotas" && get) {
      const items = (state.resourceQuotas[p[3]!] ?? []).map((q) => ({
        spec: { hard: q.hard },
        status: { used: q.used },
      }));
      return send(res, 200, { kind: "ResourceQuotaList", items });
    }
    if (p[0] === "apis" && p[1] === "apps" && p[3] === "namespaces" && p[5] === "deployments" && get) {
      const dep = state.deployments.find((d) => d.namespace === p[4] && d.name === p[6]);
      if (dep === undefined) return status(res, 404, `deployments.apps "${p[6]}" not found`);
      return send(res, 200, {
        kind: "Deployment",
        metadata: { name: dep.name },
        spec: { replicas: dep.replicas },
      });
    }
    return status(res, 404, `no route ${req.method} ${url.pathname}`);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
