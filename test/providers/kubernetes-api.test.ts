/**
 * The Kubernetes driver's own API calls (namespace discovery, read-back, quotas, reboot) against a
 * fake API server on loopback: real HTTP with bearer tokens, plus a wrong token and a closed port.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { parseAuthText } from "../../compiler/auth/index.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import {
  DiscoveryNeededError,
  driverLookup,
  planDeployment,
  type DeploymentPlan,
} from "../../compiler/plan/index.js";
import { DriverOperationError } from "../../providers/driver-common.js";
import {
  KubernetesApiError,
  KubernetesClient,
  KubernetesDriver,
  KubernetesUnreachableError,
} from "../../providers/kubernetes/index.js";
import { seededRandom } from "../compiler/plan-support.js";
import { startFakeKubeApi, type FakeKubeApi } from "../support/kubernetes-fake-api.js";

const TOKEN = "fake-token-0123";
let api: FakeKubeApi;
let closedUrl: string;

before(async () => {
  api = await startFakeKubeApi(TOKEN);
  // a port that was just free: nothing listens there
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
});
after(() => api.close());

const RADL = `network pub (outbound = 'yes' and outports = '30022-22,30080-80')
network priv ()
system web (
  cpu.count >= 1 and memory.size >= 1g and
  net_interface.0.connection = 'pub' and net_interface.0.dns_name = 'web.example.org' and net_interface.1.connection = 'priv' and
  disk.0.image.url = 'docker://nginx:1.25'
)
deploy web 1
`;

function auth(host: string, extra = ""): AuthItem[] {
  return parseAuthText(`id = k8s; type = Kubernetes; host = ${host}; ${extra}\n`, { strict: true });
}

async function plan(items: AuthItem[], catalog?: Record<string, unknown>): Promise<DeploymentPlan> {
  return planDeployment({
    infId: "inf-api",
    document: loadValidRadl(RADL, { source: "api.radl" }),
    auth: items,
    drivers: driverLookup([new KubernetesDriver({ powerViaReplicas: true, timeoutMs: 3000 })]),
    random: seededRandom(7),
    ...(catalog !== undefined ? { catalogs: { k8s: catalog as never } } : {}),
  });
}

test("namespace discovery asks the API server: 200 and 403 mean it exists (not ours), 404 means we create it", async () => {
  api.state.namespaces.apps = {};
  api.state.forbiddenNamespaces = ["locked"];
  const existing = await plan(auth(api.url, `token = ${TOKEN}; namespace = apps`));
  assert.deepEqual(existing.clouds[0]!.decisions, { namespace: "apps", namespaceOwned: false });
  const forbidden = await plan(auth(api.url, `token = ${TOKEN}; namespace = locked`));
  assert.equal(forbidden.clouds[0]!.decisions.namespaceOwned, false);
  const missing = await plan(auth(api.url, `token = ${TOKEN}; namespace = fresh`));
  assert.deepEqual(missing.clouds[0]!.decisions, { namespace: "fresh", namespaceOwned: true });
  const seen = api.requests.filter((r) => r.path.startsWith("/api/v1/namespaces/"));
  assert.deepEqual(
    seen.slice(-3).map((r) => [r.path, r.authorization]),
    [
      ["/api/v1/namespaces/apps", `Bearer ${TOKEN}`],
      ["/api/v1/namespaces/locked", `Bearer ${TOKEN}`],
      ["/api/v1/namespaces/fresh", `Bearer ${TOKEN}`],
    ],
  );
});

test("no I/O when the namespace is the infrastructure's own or a catalogue answers", async () => {
  const before = api.requests.length;
  const own = await plan(auth(api.url, `token = ${TOKEN}`));
  assert.deepEqual(own.clouds[0]!.decisions, { namespace: "inf-api", namespaceOwned: true });
  const fromCatalog = await plan(auth(closedUrl, `token = ${TOKEN}; namespace = team`), {
    namespaces: ["team"],
  });
  assert.deepEqual(fromCatalog.clouds[0]!.decisions, { namespace: "team", namespaceOwned: false });
  assert.equal(api.requests.length, before, "the API server was not called");
  await assert.rejects(plan(auth(closedUrl, `token = ${TOKEN}; namespace = team`), { namespaces: "team" }), {
    code: "E-K8S-CATALOG",
    message: /'namespaces' must be a list/,
  });
});

test("a wrong token or an unreachable API server during discovery is a DiscoveryNeededError naming the namespace", async () => {
  await assert.rejects(plan(auth(api.url, "token = wrong; namespace = apps")), (e: unknown) => {
    assert.ok(e instanceof DiscoveryNeededError);
    assert.match(e.message, /whether namespace 'apps' exists/);
    assert.match(e.message, /401 Unauthorized/);
    return true;
  });
  await assert.rejects(plan(auth(closedUrl, `token = ${TOKEN}; namespace = apps`)), (e: unknown) => {
    assert.ok(e instanceof DiscoveryNeededError);
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
});

test("an auth line without token or username/password is the IM's error", async () => {
  await assert.rejects(plan(auth(api.url, "namespace = apps")), {
    code: "E-K8S-AUTH-DATA",
    message: "No correct auth data has been specified to Kubernetes: username and password or token.",
  });
});

test("read-back: pod phase, limits, host and pod IPs on the right RADL networks, NodePorts of the Service", async () => {
  const items = auth(api.url, `token = ${TOKEN}; namespace = apps`);
  const p = await plan(items);
  const vm = p.vms[0]!;
  const driver = new KubernetesDriver({ timeoutMs: 3000 });
  api.state.pods.push({
    namespace: "apps",
    name: "web-5d8f-abcde",
    labels: { name: "web" },
    body: {
      metadata: { name: "web-5d8f-abcde" },
      spec: { containers: [{ image: "nginx:1.25", resources: { limits: { cpu: "500m", memory: "1Gi" } } }] },
      status: { phase: "Running", hostIP: "10.1.2.3", podIP: "10.244.0.7" },
    },
  });
  api.state.services.push({
    namespace: "apps",
    name: "web",
    ports: [
      { port: 22, nodePort: 30022, protocol: "TCP" },
      { port: 80, nodePort: 30080, protocol: "TCP" },
    ],
  });
  const facts = await driver.readBack(vm, { cloud: p.clouds[0]!, auth: items[0]! });
  assert.equal(facts.state, "running");
  assert.equal(facts.instanceId, "apps/web");
  assert.deepEqual(facts.size, { cpu: 0.5, memMB: 2 ** 30 / 1e6 });
  // the node's IP is private, so the public one is the API server's address (127.0.0.1 here)
  assert.deepEqual(facts.ips, [
    { ip: "127.0.0.1", kind: "host", radlNet: "pub" },
    { ip: "10.244.0.7", kind: "pod", radlNet: "priv" },
  ]);
  assert.deepEqual(facts.extra?.outports, [
    { remote: 30022, local: 22, protocol: "tcp" },
    { remote: 30080, local: 80, protocol: "tcp" },
  ]);
  assert.equal(facts.extra?.image, "nginx:1.25");
  assert.equal(facts.extra?.dnsName, "http://web.example.org/", "the Ingress URL to write back");

  const phases: [string, string][] = [
    ["Pending", "pending"],
    ["Succeeded", "off"],
    ["Failed", "failed"],
    ["Weird", "unknown"],
  ];
  for (const [phase, state] of phases) {
    (api.state.pods[0]!.body.status as { phase: string }).phase = phase;
    assert.equal((await driver.readBack(vm, { cloud: p.clouds[0]!, auth: items[0]! })).state, state, phase);
  }
  api.state.pods = [];
  api.state.deployments.push({ namespace: "apps", name: "web", replicas: 0 });
  assert.equal((await driver.readBack(vm, { cloud: p.clouds[0]!, auth: items[0]! })).state, "stopped");
  api.state.deployments = [];
  await assert.rejects(driver.readBack(vm, { cloud: p.clouds[0]!, auth: items[0]! }), {
    code: "E-K8S-NOT-FOUND",
  });
  api.state.services = [];
});

test("read-back with a wrong token is a typed 401 error; an unreachable server is a typed error", async () => {
  const items = auth(api.url, `token = ${TOKEN}; namespace = apps`);
  const p = await plan(items);
  const driver = new KubernetesDriver({ timeoutMs: 3000 });
  const bad = { ...items[0]!, token: "stolen" };
  await assert.rejects(driver.readBack(p.vms[0]!, { cloud: p.clouds[0]!, auth: bad }), (e: unknown) => {
    assert.ok(e instanceof KubernetesApiError);
    assert.equal(e.code, "E-K8S-UNAUTHORIZED");
    assert.match(e.message, /rejected the credentials \(401 Unauthorized\)/);
    return true;
  });
  const gone = { ...items[0]!, host: closedUrl };
  await assert.rejects(
    driver.readBack(p.vms[0]!, { cloud: p.clouds[0]!, auth: gone }),
    KubernetesUnreachableError,
  );
});

test("an API server that accepts but never answers times out with a typed error", async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  try {
    const client = KubernetesClient.fromAuth({ host: url, token: TOKEN }, false, 300);
    const started = Date.now();
    await assert.rejects(client.json("GET", "/api/v1/namespaces/apps/resourcequotas"), (e: unknown) => {
      assert.ok(e instanceof KubernetesUnreachableError);
      assert.match(e.message, /no answer within 300 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test("quotas: the namespace's ResourceQuotas mapped to the IM's metrics, memory and storage in GiB", async () => {
  api.state.resourceQuotas.apps = [
    {
      hard: {
        "limits.cpu": "8",
        "limits.memory": "16Gi",
        pods: "10",
        "requests.storage": "100Gi",
        persistentvolumeclaims: "5",
        "gold.storageclass.storage.k8s.io/requests.storage": "50Gi",
        "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "2",
        "requests.nvidia.com/gpu": "1",
        "count/jobs.batch": "3",
      },
      used: { "limits.cpu": "2", "limits.memory": "1073741824", pods: "3", "requests.storage": "10Gi" },
    },
  ];
  const items = auth(api.url, `token = ${TOKEN}; namespace = apps`);
  const p = await plan(items);
  const q = await new KubernetesDriver().quotas({ cloud: p.clouds[0]!, auth: items[0]! });
  assert.deepEqual(q, {
    cores: { limit: 8, used: 2 },
    ram: { limit: 16, used: 1 },
    instances: { limit: 10, used: 3 },
    volume_storage: { limit: 100, used: 10 },
    volumes: { limit: 5, used: 0 },
    volume_storage_gold: { limit: 50, used: 0 },
    volumes_gold: { limit: 2, used: 0 },
    gpus: { limit: 1, used: 0 },
  });
});

test("reboot deletes the VM's pods when power via replicas is on, and is 'Not supported' otherwise", async () => {
  const items = auth(api.url, `token = ${TOKEN}; namespace = apps`);
  const p = await plan(items);
  api.state.pods.push({
    namespace: "apps",
    name: "web-x",
    labels: { name: "web" },
    body: { metadata: { name: "web-x" } },
  });
  api.state.pods.push({
    namespace: "apps",
    name: "db-x",
    labels: { name: "db" },
    body: { metadata: { name: "db-x" } },
  });
  await new KubernetesDriver({ powerViaReplicas: true }).reboot(p.vms[0]!, {
    cloud: p.clouds[0]!,
    auth: items[0]!,
  });
  assert.deepEqual(
    api.state.pods.map((x) => x.name),
    ["db-x"],
  );
  await assert.rejects(
    new KubernetesDriver().reboot(p.vms[0]!, { cloud: p.clouds[0]!, auth: items[0]! }),
    (e: unknown) => e instanceof DriverOperationError && e.message === "Not supported",
  );
  api.state.pods = [];
});

test("the client speaks Basic auth when the auth line has username and password", async () => {
  const client = KubernetesClient.fromAuth(
    { type: "Kubernetes", host: api.url, username: "u", password: "p", token: TOKEN },
    false,
  );
  const res = await client.request("GET", "/api/v1/namespaces/apps");
  assert.equal(res.status, 401, "the fake accepts only the bearer token");
  assert.equal(api.requests.at(-1)!.authorization, `Basic ${Buffer.from("u:p").toString("base64")}`);
});
