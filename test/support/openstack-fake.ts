/**
 * A fake Keystone v3, Nova, Neutron, Glance and Cinder on 127.0.0.1 (real HTTP, providers.md
 * §11.3) serving canned JSON from a mutable state: enough for the driver's discovery, read-back,
 * reboot, image listing and quotas. Tokens are checked; requests are recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_USER = "ana";
export const FAKE_PASSWORD = "fake-os-password";
export const FAKE_PROJECT_ID = "proj-0001";
const TOKEN = "fake-token-0001";

export interface FakeServer {
  id: string;
  name: string;
  status: string;
  addresses: Record<string, { addr: string; version: number; "OS-EXT-IPS:type": "fixed" | "floating" }[]>;
  flavor: Record<string, unknown>;
  fault?: { message: string };
  ports: { id: string; name: string; network_id: string; fixed_ips: { ip_address: string }[] }[];
}

export interface FakeOpenStackState {
  flavors: Record<string, unknown>[];
  extraSpecs: Record<string, Record<string, string>>;
  images: Record<string, unknown>[];
  networks: Record<string, unknown>[];
  subnets: Record<string, unknown>[];
  routers: Record<string, unknown>[];
  securityGroups: Record<string, unknown>[];
  servers: FakeServer[];
  actions: { server: string; body: unknown }[];
  requests: string[];
}

export function defaultFakeState(): FakeOpenStackState {
  return {
    flavors: [
      { id: "f1", name: "m1.small", vcpus: 1, ram: 2048, disk: 20, "OS-FLV-EXT-DATA:ephemeral": 0 },
      { id: "f2", name: "m1.medium", vcpus: 2, ram: 4096, disk: 40, extra_specs: {} },
      { id: "f3", name: "m1.off", vcpus: 1, ram: 4096, disk: 40, "OS-FLV-DISABLED:disabled": true },
      { id: "f4", name: "g1.gpu", vcpus: 4, ram: 8192, disk: 40 },
    ],
    extraSpecs: { f1: {}, f3: {}, f4: { "Accelerator:Type": "GPU", "Accelerator:Number": "1" } },
    images: [
      { id: "img-u", name: "Ubuntu 22.04 LTS", status: "active", os_distro: "ubuntu", os_version: "22.04" },
      { id: "img-c", name: "CentOS-7-x86_64", status: "active" },
    ],
    networks: [
      { id: "n-ext", name: "public", "router:external": true, subnets: ["s-ext"] },
      { id: "n-priv", name: "private", "router:external": false, tags: [], subnets: ["s-priv"] },
    ],
    subnets: [
      { id: "s-ext", network_id: "n-ext", cidr: "158.42.104.0/24", ip_version: 4 },
      { id: "s-priv", network_id: "n-priv", cidr: "10.0.0.0/24", ip_version: 4 },
    ],
    routers: [{ id: "r1", name: "router1", external_gateway_info: { network_id: "n-ext" } }],
    securityGroups: [{ id: "sg-default", name: "default" }],
    servers: [],
    actions: [],
    requests: [],
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

export interface RunningFakeOpenStack {
  url: string;
  state: FakeOpenStackState;
  close(): Promise<void>;
}

export async function startFakeOpenStack(state = defaultFakeState()): Promise<RunningFakeOpenStack> {
  let base = "";
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const path = url.pathname;
    state.requests.push(`${req.method} ${path}`);
    if (req.method === "POST" && path === "/v3/auth/tokens") {
      const body = (await readBody(req)) as {
        auth?: { identity?: { password?: { user?: { name?: string; password?: string } } } };
      };
      const user = body.auth?.identity?.password?.user;
      if (user?.name !== FAKE_USER || user.password !== FAKE_PASSWORD) {
        send(res, 401, {
          error: {
            code: 401,
            title: "Unauthorized",
            message: "The request you have made requires authentication.",
          },
        });
        return;
      }
      const ep = (type: string, suffix: string) => ({
        type,
        endpoints: [{ url: `${base}${suffix}`, interface: "public", region: "RegionOne" }],
      });
      send(
        res,
        201,
        {
          token: {
            project: { id: FAKE_PROJECT_ID },
            catalog: [
              ep("compute", `/compute/v2.1`),
              ep("network", `/network`),
              ep("image", `/image`),
              ep("volumev3", `/volume/v3/${FAKE_PROJECT_ID}`),
            ],
          },
        },
        { "X-Subject-Token": TOKEN },
      );
      return;
    }
    if (req.headers["x-auth-token"] !== TOKEN) {
      send(res, 401, { error: "no token" });
      return;
    }
    let m: RegExpExecArray | null;
    if (path === "/compute/v2.1/flavors/detail") return send(res, 200, { flavors: state.flavors });
    if ((m = /^\/compute\/v2\.1\/flavors\/([^/]+)\/os-extra_specs$/.exec(path))) {
      return send(res, 200, { extra_specs: state.extraSpecs[m[1]!] ?? {} });
    }
    if ((m = /^\/compute\/v2\.1\/flavors\/([^/]+)$/.exec(path))) {
      const f = state.flavors.find((x) => x.id === m![1]);
      return f === undefined ? send(res, 404, { itemNotFound: {} }) : send(res, 200, { flavor: f });
    }
    if (path === "/compute/v2.1/servers/detail") {
      const name = url.searchParams.get("name");
      const re = name === null ? null : new RegExp(name);
      return send(res, 200, { servers: state.servers.filter((s) => re === null || re.test(s.name)) });
    }
    if ((m = /^\/compute\/v2\.1\/servers\/([^/]+)\/action$/.exec(path)) && req.method === "POST") {
      const s = state.servers.find((x) => x.id === m![1]);
      if (s === undefined) return send(res, 404, { itemNotFound: {} });
      state.actions.push({ server: s.id, body: await readBody(req) });
      res.writeHead(202);
      res.end();
      return;
    }
    if ((m = /^\/compute\/v2\.1\/servers\/([^/]+)$/.exec(path))) {
      const s = state.servers.find((x) => x.id === m![1]);
      return s === undefined ? send(res, 404, { itemNotFound: {} }) : send(res, 200, { server: s });
    }
    if (path === `/compute/v2.1/os-quota-sets/${FAKE_PROJECT_ID}/detail`) {
      return send(res, 200, {
        quota_set: {
          cores: { in_use: 6, reserved: 1, limit: 20 },
          ram: { in_use: 8192, reserved: 0, limit: 51200 },
          instances: { in_use: 3, reserved: 0, limit: 10 },
          floating_ips: { in_use: 0, reserved: 0, limit: -1 },
          security_groups: { in_use: 0, reserved: 0, limit: -1 },
        },
      });
    }
    if (path === "/network/v2.0/networks") return send(res, 200, { networks: state.networks });
    if (path === "/network/v2.0/subnets") return send(res, 200, { subnets: state.subnets });
    if (path === "/network/v2.0/routers") return send(res, 200, { routers: state.routers });
    if (path === "/network/v2.0/security-groups")
      return send(res, 200, { security_groups: state.securityGroups });
    if (path === "/network/v2.0/ports") {
      const device = url.searchParams.get("device_id");
      return send(res, 200, { ports: state.servers.find((s) => s.id === device)?.ports ?? [] });
    }
    if (path === `/network/v2.0/quotas/${FAKE_PROJECT_ID}/details`) {
      return send(res, 200, {
        quota: {
          floatingip: { used: 2, reserved: 0, limit: 5 },
          security_group: { used: 4, reserved: 0, limit: 10 },
        },
      });
    }
    if (path === "/image/v2/images") {
      const status = url.searchParams.get("status");
      return send(res, 200, { images: state.images.filter((i) => status === null || i.status === status) });
    }
    if (path === `/volume/v3/${FAKE_PROJECT_ID}/os-quota-sets/${FAKE_PROJECT_ID}`) {
      return send(res, 200, {
        quota_set: {
          volumes: { in_use: 1, reserved: 0, limit: 10 },
          gigabytes: { in_use: 50, reserved: 0, limit: 1000 },
        },
      });
    }
    send(res, 404, { error: `no route ${req.method} ${path}` });
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
