/**
 * A small REST client for Keystone (v3 and v2.0 tokens), Nova, Neutron, Glance and Cinder
 * (providers.md §1.5: plain HTTPS, no SDK). It authenticates with the auth line's credentials,
 * finds endpoints in the token's service catalogue (or the auth line's overrides) and answers the
 * driver's discovery, read-back and imperative calls.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { OpenStackAuth } from "./auth.js";
import type { OpenStackDiscovery, OstImage, OstNetwork, OstRouter } from "./discovery.js";
import { OpenStackApiError, OpenStackAuthError } from "./errors.js";
import type { Flavor } from "./flavors.js";

type Json = Record<string, unknown>;

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface CatalogEntry {
  type: string;
  endpoints: { url: string; interface: string; region?: string }[];
}

export interface OpenStackApiOptions {
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  insecure: boolean,
  timeoutMs: number,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const make = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = make(
      target,
      {
        method,
        headers: {
          Accept: "application/json",
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...headers,
        },
        timeout: timeoutMs,
        ...(target.protocol === "https:" ? { rejectUnauthorized: !insecure } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export class OpenStackApi {
  private session?: Promise<{ token: string; projectId?: string; catalog: CatalogEntry[] }>;
  private readonly timeoutMs: number;

  constructor(
    readonly auth: OpenStackAuth,
    options: OpenStackApiOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async raw(
    call: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: unknown,
  ) {
    try {
      return await send(
        method,
        url,
        headers,
        body === undefined ? undefined : JSON.stringify(body),
        this.auth.insecure,
        this.timeoutMs,
      );
    } catch (err) {
      throw new OpenStackApiError(call, `${url} is unreachable (${(err as Error).message})`);
    }
  }

  private authenticate(): Promise<{ token: string; projectId?: string; catalog: CatalogEntry[] }> {
    this.session ??= this.auth.authVersion.startsWith("2.") ? this.authV2() : this.authV3();
    return this.session;
  }

  private async authV3() {
    const a = this.auth;
    const url = `${a.keystoneBase}/v3/auth/tokens`;
    let res: Response;
    if (a.token !== undefined && a.username === undefined) {
      res = await this.raw("Keystone token validation", "GET", url, {
        "X-Auth-Token": a.token,
        "X-Subject-Token": a.token,
      });
    } else {
      const identity =
        a.authVersion === "3.x_appcred"
          ? {
              methods: ["application_credential"],
              application_credential: { id: a.username, secret: a.password },
            }
          : {
              methods: ["password"],
              password: { user: { name: a.username, domain: { name: a.domain }, password: a.password } },
            };
      const scope =
        a.authVersion === "3.x_appcred"
          ? undefined
          : a.tenantId !== undefined
            ? { project: { id: a.tenantId } }
            : { project: { name: a.tenant, domain: { name: a.domain } } };
      res = await this.raw(
        "Keystone authentication",
        "POST",
        url,
        {},
        { auth: { identity, ...(scope ? { scope } : {}) } },
      );
    }
    if (res.status === 401 || res.status === 403) throw new OpenStackAuthError(a.authUrl, res.status);
    if (res.status < 200 || res.status >= 300) {
      throw new OpenStackApiError("Keystone authentication", `HTTP ${res.status} from ${url}`, res.status);
    }
    const token = (res.headers["x-subject-token"] as string | undefined) ?? a.token;
    const body = this.parse("Keystone authentication", res.body) as {
      token?: { project?: { id?: string }; catalog?: CatalogEntry[] };
    };
    if (token === undefined)
      throw new OpenStackApiError("Keystone authentication", "no X-Subject-Token in the answer");
    const projectId = body.token?.project?.id;
    return { token, ...(projectId !== undefined ? { projectId } : {}), catalog: body.token?.catalog ?? [] };
  }

  private async authV2() {
    const a = this.auth;
    const url = `${a.keystoneBase}/v2.0/tokens`;
    const res = await this.raw(
      "Keystone authentication",
      "POST",
      url,
      {},
      {
        auth: {
          passwordCredentials: { username: a.username, password: a.password },
          ...(a.tenantId !== undefined ? { tenantId: a.tenantId } : { tenantName: a.tenant }),
        },
      },
    );
    if (res.status === 401 || res.status === 403) throw new OpenStackAuthError(a.authUrl, res.status);
    if (res.status < 200 || res.status >= 300) {
      throw new OpenStackApiError("Keystone authentication", `HTTP ${res.status} from ${url}`, res.status);
    }
    const body = this.parse("Keystone authentication", res.body) as {
      access?: {
        token?: { id?: string; tenant?: { id?: string } };
        serviceCatalog?: { type: string; endpoints: { publicURL: string; region?: string }[] }[];
      };
    };
    const token = body.access?.token?.id;
    if (token === undefined) throw new OpenStackApiError("Keystone authentication", "no token in the answer");
    const catalog = (body.access?.serviceCatalog ?? []).map((s) => ({
      type: s.type,
      endpoints: s.endpoints.map((e) => ({
        url: e.publicURL,
        interface: "public",
        ...(e.region ? { region: e.region } : {}),
      })),
    }));
    const projectId = body.access?.token?.tenant?.id;
    return { token, ...(projectId !== undefined ? { projectId } : {}), catalog };
  }

  private parse(call: string, text: string): unknown {
    try {
      return text === "" ? {} : JSON.parse(text);
    } catch {
      throw new OpenStackApiError(call, "the answer is not JSON");
    }
  }

  private async endpoint(type: "compute" | "network" | "image" | "volumev3"): Promise<string> {
    const override = this.auth.endpointOverrides[type];
    if (override !== undefined) return override.replace(/\/$/, "");
    const { catalog } = await this.authenticate();
    const types = type === "volumev3" ? ["volumev3", "block-storage", "volume"] : [type];
    for (const t of types) {
      const service = catalog.find((c) => c.type === t);
      const ep = service?.endpoints.find(
        (e) =>
          e.interface === "public" &&
          (this.auth.region === undefined || e.region === undefined || e.region === this.auth.region),
      );
      if (ep !== undefined) return ep.url.replace(/\/$/, "");
    }
    throw new OpenStackApiError(
      `${type} endpoint lookup`,
      `no public ${type} endpoint${this.auth.region !== undefined ? ` in region ${this.auth.region}` : ""} in the service catalogue`,
    );
  }

  async projectId(): Promise<string | undefined> {
    return (await this.authenticate()).projectId;
  }

  async call(
    service: "compute" | "network" | "image" | "volumev3",
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Json> {
    const base = await this.endpoint(service);
    const { token } = await this.authenticate();
    const what = `${method} ${service}${path.split("?")[0]}`;
    const res = await this.raw(what, method, `${base}${path}`, { "X-Auth-Token": token }, body);
    if (res.status === 401) throw new OpenStackAuthError(this.auth.authUrl, res.status);
    if (res.status < 200 || res.status >= 300) {
      const detail = res.body.length > 200 ? `${res.body.slice(0, 200)}…` : res.body;
      throw new OpenStackApiError(
        what,
        `HTTP ${res.status}${detail !== "" ? `: ${detail}` : ""}`,
        res.status,
      );
    }
    return this.parse(what, res.body) as Json;
  }

  async flavors(): Promise<Flavor[]> {
    const body = await this.call("compute", "GET", "/flavors/detail?is_public=None");
    const raw = (body.flavors ?? []) as Json[];
    const out: Flavor[] = [];
    for (const f of raw) {
      let specs = f.extra_specs as Record<string, string> | undefined;
      if (specs === undefined) {
        const got = await this.call(
          "compute",
          "GET",
          `/flavors/${encodeURIComponent(String(f.id))}/os-extra_specs`,
        );
        specs = (got.extra_specs ?? {}) as Record<string, string>;
      }
      out.push({
        id: String(f.id),
        name: String(f.name),
        vcpus: Number(f.vcpus),
        ramMB: Number(f.ram),
        diskGB: Number(f.disk ?? 0),
        ephemeralGB: Number(f["OS-FLV-EXT-DATA:ephemeral"] ?? 0),
        ...(f["OS-FLV-DISABLED:disabled"] === true ? { disabled: true } : {}),
        extraSpecs: specs,
      });
    }
    return out;
  }

  async flavor(id: string): Promise<Flavor | undefined> {
    try {
      const body = await this.call("compute", "GET", `/flavors/${encodeURIComponent(id)}`);
      const f = body.flavor as Json;
      return {
        id: String(f.id),
        name: String(f.name),
        vcpus: Number(f.vcpus),
        ramMB: Number(f.ram),
        diskGB: Number(f.disk ?? 0),
      };
    } catch (err) {
      if (err instanceof OpenStackApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async images(): Promise<OstImage[]> {
    const body = await this.call("image", "GET", "/v2/images?status=active&limit=1000");
    return ((body.images ?? []) as Json[]).map((i) => ({
      id: String(i.id),
      name: String(i.name ?? ""),
      ...(typeof i.os_distro === "string" ? { osDistro: i.os_distro } : {}),
      ...(typeof i.os_version === "string" ? { osVersion: i.os_version } : {}),
    }));
  }

  async networks(): Promise<OstNetwork[]> {
    const nets = ((await this.call("network", "GET", "/v2.0/networks")).networks ?? []) as Json[];
    const subnets = ((await this.call("network", "GET", "/v2.0/subnets")).subnets ?? []) as Json[];
    return nets.map((n) => ({
      id: String(n.id),
      name: String(n.name ?? ""),
      ...(n["router:external"] === true ? { external: true } : {}),
      ...(n.is_default === true ? { isDefault: true } : {}),
      ...(Array.isArray(n.tags) ? { tags: n.tags.map(String) } : {}),
      ...(typeof n.description === "string" && n.description !== "" ? { description: n.description } : {}),
      subnets: subnets
        .filter((s) => s.network_id === n.id)
        .map((s) => ({ id: String(s.id), cidr: String(s.cidr), ipVersion: Number(s.ip_version ?? 4) })),
    }));
  }

  async routers(): Promise<OstRouter[]> {
    const body = await this.call("network", "GET", "/v2.0/routers");
    return ((body.routers ?? []) as Json[]).map((r) => {
      const gw = (r.external_gateway_info as Json | null | undefined)?.network_id;
      return {
        id: String(r.id),
        name: String(r.name ?? ""),
        ...(typeof gw === "string" ? { externalNetworkId: gw } : {}),
      };
    });
  }

  async securityGroups(): Promise<{ id: string; name: string }[]> {
    const body = await this.call("network", "GET", "/v2.0/security-groups");
    return ((body.security_groups ?? []) as Json[]).map((g) => ({ id: String(g.id), name: String(g.name) }));
  }
}

/** Discovery through the API (api calls are made lazily, once each). */
export function apiDiscovery(api: OpenStackApi): OpenStackDiscovery {
  const once = <T>(f: () => Promise<T>): (() => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= f());
  };
  return {
    source: `the OpenStack API at ${api.auth.authUrl}`,
    flavors: once(() => api.flavors()),
    images: once(() => api.images()),
    networks: once(() => api.networks()),
    routers: once(() => api.routers()),
    securityGroups: once(() => api.securityGroups()),
  };
}
