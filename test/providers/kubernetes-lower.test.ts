/**
 * Kubernetes lowering (providers.md §5.2, §5.4, §9, §11.2): golden mock-program runs of the corpus
 * fixture that targets Kubernetes and of hand-written RADLs; identity tests (add, remove, resize a
 * VM; lowering twice); the rule tests (explicit names, skipAwait, deleteBeforeReplace, one explicit
 * provider, credentials only in secrets); the one-VM-per-system limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAuthText } from "../../compiler/auth/index.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import type { GraphNode, ResourceGraph } from "../../compiler/graph/types.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { loadRadl, loadValidRadl } from "../../compiler/load.js";
import {
  PlanError,
  TooManyVmsError,
  driverLookup,
  lowerPlan,
  lowerPlanDetailed,
  planDeployment,
  removeVms,
  resizeVm,
  setDesiredPower,
  type CloudCatalog,
  type DeploymentPlan,
} from "../../compiler/plan/index.js";
import { KubernetesDriver, KubernetesPlanError } from "../../providers/kubernetes/index.js";
import { deploy, seededRandom, system } from "../compiler/plan-support.js";
import { assertGolden, runUnderMocks } from "../support/kubernetes-golden.js";
import { corpusDir } from "../support/paths.js";

const TOKEN = "tok-golden-secret-5f2a";
const KEY_BODY = "k8s-golden-key-body";
const AUTH = `id = k8s; type = Kubernetes; host = https://k8s.example.org:6443; token = ${TOKEN}\n`;
const APPS_AUTH = `id = k8s; type = Kubernetes; host = https://k8s.example.org:6443; token = ${TOKEN}; apps_dns = .apps.example.org\n`;

const FULL_RADL = `description desc (namespace = 'team-apps')
network pub (outbound = 'yes' and outports = '30022-22,30443-443,8000:8100,53/udp')
network priv ()
system web (
  cpu.count >= 2 and memory.size >= 2g and gpu.count >= 1 and
  net_interface.0.connection = 'pub' and net_interface.0.dns_name = 'https://web.example.org/app' and
  net_interface.1.connection = 'priv' and
  disk.0.image.url = ['one://x/1', 'docker://grycap/im:1.0'] and
  disk.0.os.credentials.username = 'root' and
  disk.0.os.credentials.private_key = '-----BEGIN RSA PRIVATE KEY-----${KEY_BODY}-----END RSA PRIVATE KEY-----' and
  disk.1.size = 10g and disk.1.mount_path = '/data' and
  disk.2.image.url = 'pv-existing' and disk.2.size = 5Gi and disk.2.mount_path = 'shared' and
  disk.3.content = 'listen 80;' and disk.3.mount_path = '/etc/nginx/conf.d/site.conf' and
  disk.4.content = 'c2VjcmV0' and disk.4.mount_path = '/run/secrets/token' and
  environment.variables = 'A=1,B="x,y"' and
  command = 'nginx -g daemon off;' and
  docker.privileged = 'yes' and
  instance_tags = 'owner=ana@upv.es,proj=_x'
)
deploy web 1
`;

const PRIVATE_RADL = `network priv (outports = '8080,9090-90')
system api (
  cpu.count >= 0.5 and memory.size >= 512Mi and
  net_interface.0.connection = 'priv' and net_interface.0.dns_name = 'myapp' and
  disk.0.image.url = 'registry.example.org/team/api:2.1'
)
system worker_1 (
  memory.size >= 1g and disk.0.image.url = 'docker://busybox' and command = 'sleep 3600'
)
deploy api 1
deploy worker_1 1
`;

function auth(text: string): AuthItem[] {
  return parseAuthText(text, { strict: true });
}

async function planOf(
  document: RadlDocument,
  authText = AUTH,
  options: { catalog?: CloudCatalog; previous?: DeploymentPlan; infId?: string } = {},
): Promise<DeploymentPlan> {
  return planDeployment({
    infId: options.infId ?? "inf-k8s",
    document,
    auth: auth(authText),
    drivers: driverLookup([new KubernetesDriver()]),
    mode: "converge",
    random: seededRandom(11),
    ...(options.previous !== undefined ? { previous: options.previous } : {}),
    ...(options.catalog !== undefined ? { catalogs: { k8s: options.catalog } } : {}),
  });
}

function lowered(plan: DeploymentPlan, authText = AUTH, driver = new KubernetesDriver()): ResourceGraph {
  return lowerPlan(plan, driverLookup([driver]), { auth: auth(authText) });
}

const corpusK8s = join(corpusDir, "radl", "test_loadtest_load-test.radl");
const corpusLambda = join(corpusDir, "radl", "examples_lambda.radl");

const cases: { name: string; radl: () => string; auth: string; catalog?: CloudCatalog }[] = [
  { name: "corpus-test_loadtest_load-test", radl: () => readFileSync(corpusK8s, "utf8"), auth: AUTH },
  // a bare registry image with no scheme: the IM's Kubernetes connector takes it too
  { name: "corpus-examples_lambda", radl: () => readFileSync(corpusLambda, "utf8"), auth: AUTH },
  { name: "full-public", radl: () => FULL_RADL, auth: AUTH, catalog: { namespaces: ["default"] } },
  { name: "private-apps-dns", radl: () => PRIVATE_RADL, auth: APPS_AUTH },
];

for (const c of cases) {
  test(`golden mock program: ${c.name}`, async () => {
    const document = loadValidRadl(c.radl(), { source: `${c.name}.radl` });
    const plan = await planOf(document, c.auth, c.catalog !== undefined ? { catalog: c.catalog } : {});
    const graph = lowered(plan, c.auth);
    const run = await runUnderMocks(graph, `golden-${c.name}`);
    assert.equal(run.registrations.length, graph.nodes.length, "one registration per node");
    await assertGolden(c.name, {
      resources: run.resources,
      outputs: { vms: run.outputs.vms, shared: run.outputs.shared },
    });
  });
}

test("corpus: every fixture is either placed in Kubernetes (container images) or refused with a plan error", async () => {
  const placed: string[] = [];
  for (const file of readdirSync(join(corpusDir, "radl")).sort()) {
    const loaded = loadRadl(readFileSync(join(corpusDir, "radl", file), "utf8"), { source: file });
    if (loaded.document === null || loaded.diagnostics.some((d) => d.severity === "error")) continue;
    try {
      const plan = await planOf(loaded.document);
      if (plan.vms.length > 0) placed.push(file);
    } catch (e) {
      assert.ok(e instanceof PlanError, `${file}: ${String(e)}`);
    }
  }
  assert.deepEqual(placed, ["examples_lambda.radl", "test_loadtest_load-test.radl"]);
});

test("the rules of §11.2: explicit names, skipAwait, deleteBeforeReplace, one explicit provider, credentials only as secrets", async () => {
  const document = loadValidRadl(FULL_RADL, { source: "full.radl" });
  const plan = await planOf(document, AUTH, { catalog: { namespaces: [] } });
  const graph = lowered(plan);
  const run = await runUnderMocks(graph, "rules");
  const providers = run.registrations.filter((r) => r.type === "pulumi:providers:kubernetes");
  assert.equal(providers.length, 1);
  const provider = providers[0]!;
  assert.ok(provider.secretPaths.includes("kubeconfig"), "the kubeconfig is a secret");
  assert.match(String(provider.inputs.kubeconfig), new RegExp(`token: ${TOKEN}`));
  assert.equal(provider.inputs.clusterIdentifier, plan.clouds[0]!.cloudKey);
  const objects = run.registrations.filter((r) => r.type.startsWith("kubernetes:"));
  assert.deepEqual([...new Set(objects.map((r) => r.type))].sort(), [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.k8s.io/v1:Ingress",
  ]);
  for (const r of objects) {
    const meta = r.inputs.metadata as { name?: string; annotations?: Record<string, string> };
    assert.ok(typeof meta.name === "string" && meta.name !== "", `${r.name} has an explicit name`);
    assert.equal(meta.annotations?.["pulumi.com/skipAwait"], "true", `${r.name} skips await`);
    assert.equal(r.deleteBeforeReplace, true, `${r.name} deletes before replacing`);
    assert.ok(r.provider.includes("::cloud-Kubernetes-"), `${r.name} uses the explicit provider`);
  }
  const nonSecret = JSON.stringify({
    resources: run.resources,
    vms: run.outputs.vms,
    shared: run.outputs.shared,
  });
  assert.ok(!nonSecret.includes(TOKEN), "the token appears only in secrets");
  assert.ok(!nonSecret.includes(KEY_BODY), "the VM key appears only in secrets");
  assert.ok(JSON.stringify(run.outputs.vmSecrets).includes(KEY_BODY), "the VM key is a VM secret");
  const secretObj = objects.find((r) => r.type === "kubernetes:core/v1:Secret")!;
  assert.ok(
    secretObj.secretPaths.some((p) => p === "data" || p === "data.token"),
    "a Secret's content is a Pulumi secret",
  );
});

function byId(graph: ResourceGraph): Map<string, GraphNode> {
  return new Map(graph.nodes.map((n) => [n.id, n]));
}

function vmNodeIds(graph: ResourceGraph, vmId: number): string[] {
  return graph.nodes
    .filter((n) => n.id === `vm-${vmId}` || n.id.startsWith(`vm-${vmId}-`))
    .map((n) => n.id)
    .sort();
}

const THREE = `network pub (outbound = 'yes' and outports = '30080-80')
system web (cpu.count >= 1 and memory.size >= 1g and net_interface.0.connection = 'pub' and disk.0.image.url = 'docker://nginx:1' and disk.1.size = 1g and disk.1.mount_path = '/d')
system db (cpu.count >= 2 and memory.size >= 2g and disk.0.image.url = 'docker://postgres:16')
system cache (memory.size >= 256m and disk.0.image.url = 'docker://redis:7')
`;

test("identity: adding, removing or resizing a VM leaves every other resource identical; lowering twice is identical", async () => {
  const document = loadValidRadl(`${THREE}deploy web 1\ndeploy db 1\n`, { source: "three.radl" });
  const v1 = await planOf(document);
  const g1 = lowered(v1);
  assert.deepEqual(lowered(v1), g1, "lowering twice gives the same graph");
  assert.deepEqual(lowered(structuredClone(v1)), g1);

  // add: a third system
  const withCache = loadValidRadl(`${THREE}deploy web 1\ndeploy db 1\ndeploy cache 1\n`, {
    source: "three.radl",
  });
  const v2 = await planOf(withCache, AUTH, { previous: v1 });
  const g2 = lowered(v2);
  const n1 = byId(g1);
  const n2 = byId(g2);
  for (const [id, node] of n1) assert.deepEqual(n2.get(id), node, `${id} unchanged when a VM is added`);
  assert.deepEqual(
    [...n2.keys()].filter((id) => !n1.has(id)).sort(),
    vmNodeIds(g2, 2),
    "only the new VM's nodes are added",
  );

  // remove: the db VM
  const g3 = lowered(removeVms(v2, [1]));
  const n3 = byId(g3);
  for (const [id, node] of n3) assert.deepEqual(node, n2.get(id), `${id} unchanged when a VM is removed`);
  assert.deepEqual(
    [...n2.keys()].filter((id) => !n3.has(id)).sort(),
    vmNodeIds(g2, 1),
    "only the removed VM's nodes go",
  );

  // resize: web gets 3 CPUs; only its Deployment changes
  const resized = resizeVm(v2, 0, system("web", { "cpu.count": 3 }));
  assert.equal(resized.changed, true);
  const g4 = lowered(resized.plan);
  const changed = g4.nodes.filter((n) => JSON.stringify(n) !== JSON.stringify(n2.get(n.id))).map((n) => n.id);
  assert.deepEqual(changed, ["vm-0-server"]);
  const dep = byId(g4).get("vm-0-server")!.args.spec as {
    template: { spec: { containers: { resources: { limits: Record<string, string> } }[] } };
  };
  assert.equal(dep.template.spec.containers[0]!.resources.limits.cpu, "3");

  // the last VM going takes the namespace and provider with it: nothing is lowered for the cloud
  const empty = lowered(removeVms(v2, [0, 1, 2]));
  assert.deepEqual(empty.nodes, []);
});

test("one VM per system (§10): a second VM of a system is refused at plan time with the spec's text", async () => {
  const document = loadValidRadl(`${THREE}deploy web 2\n`, { source: "two.radl" });
  await assert.rejects(planOf(document), (e: unknown) => {
    assert.ok(e instanceof TooManyVmsError);
    assert.equal(
      e.message,
      "The Kubernetes connector supports only one VM per system (requested 2 of 'web')",
    );
    return true;
  });
  const one = await planOf(loadValidRadl(`${THREE}deploy web 1\n`, { source: "one.radl" }));
  await assert.rejects(
    planDeployment({
      infId: "inf-k8s",
      document: one.document,
      auth: auth(AUTH),
      drivers: driverLookup([new KubernetesDriver()]),
      previous: one,
      deploys: [deploy("web", 1)],
    }),
    /requested 2 of 'web'/,
  );
});

test("an existing namespace (D2) is used but not declared; a PVC needs a size; names must not collide", async () => {
  const document = loadValidRadl(`description d (namespace = 'default')\n${THREE}deploy db 1\n`, {
    source: "ns.radl",
  });
  const plan = await planOf(document, AUTH, { catalog: { namespaces: ["default", "kube-system"] } });
  const graph = lowered(plan);
  assert.ok(!graph.nodes.some((n) => n.type === "kubernetes:core/v1:Namespace"));
  assert.equal(graph.outputs.vms["0"]!.instanceId, "default/db");
  assert.equal(graph.outputs.shared.namespace, "default");

  const noSize = loadValidRadl(
    `system s (disk.0.image.url = 'docker://x' and disk.1.image.url = 'pv-1' and disk.1.mount_path = '/m')\ndeploy s 1\n`,
    { source: "nosize.radl" },
  );
  await assert.rejects(planOf(noSize), (e: unknown) => {
    assert.ok(e instanceof KubernetesPlanError);
    assert.match(e.message, /system 's': disk\.1\.size is needed/);
    return true;
  });

  const clash = loadValidRadl(
    `system a_b (disk.0.image.url = 'docker://x')\nsystem a-b (disk.0.image.url = 'docker://y')\ndeploy a_b 1\ndeploy a-b 1\n`,
    { source: "clash.radl" },
  );
  await assert.rejects(planOf(clash), /same object name 'a-b'/);

  const twice = loadValidRadl(
    `network n (outports = '80,8080-80')\nsystem s (net_interface.0.connection = 'n' and disk.0.image.url = 'docker://x')\ndeploy s 1\n`,
    { source: "twice.radl" },
  );
  await assert.rejects(planOf(twice), (e: unknown) => {
    assert.ok(e instanceof KubernetesPlanError);
    assert.match(e.message, /system 's': outports of network 'n' give local port 80\/TCP twice/);
    return true;
  });
});

test("operations the Kubernetes connector does not have answer with the §10 texts", async () => {
  const d = new KubernetesDriver();
  await assert.rejects(d.listImages(), {
    code: "E-DRIVER-NOT-SUPPORTED",
    message: "Listing images is not supported by the Kubernetes connector",
  });
  await assert.rejects(d.snapshot(), {
    message: "Error creating snapshot: disk snapshots are not supported by the Kubernetes connector",
  });
  assert.deepEqual(d.capabilities, {
    start: false,
    stop: false,
    reboot: false,
    alter: true,
    snapshot: false,
    listImages: false,
    quotas: true,
    maxVmsPerSystem: 1,
  });
});

test("power via replicas (the §5.3 extension, off by default): a stopped VM is replicas 0 only when enabled", async () => {
  const document = loadValidRadl(`${THREE}deploy db 1\n`, { source: "power.radl" });
  const stopped = setDesiredPower(await planOf(document), [0], "stopped");
  const replicas = (g: ResourceGraph) =>
    (byId(g).get("vm-0-server")!.args.spec as { replicas: number }).replicas;
  assert.equal(replicas(lowered(stopped)), 1);
  assert.equal(new KubernetesDriver().capabilities.stop, false);
  const on = new KubernetesDriver({ powerViaReplicas: true });
  assert.equal(on.capabilities.stop, true);
  assert.equal(replicas(lowered(stopped, AUTH, on)), 0);
  assert.equal(lowered(stopped, AUTH, on).outputs.vms["0"]!.desiredPower, "stopped");
});

test("a request without this cloud's credentials still declares the cloud, with no user in the kubeconfig", async () => {
  const document = loadValidRadl(`${THREE}deploy db 1\n`, { source: "nocreds.radl" });
  const plan = await planOf(document);
  const graph = lowerPlan(plan, driverLookup([new KubernetesDriver()]), { auth: [] });
  const provider = graph.nodes.find((n) => n.type === "pulumi:providers:kubernetes")!;
  const kubeconfig = (provider.args.kubeconfig as { secret: string }).secret;
  assert.match(kubeconfig, /server: https:\/\/k8s\.example\.org:6443/);
  assert.doesNotMatch(kubeconfig, /token/);
  assert.equal(provider.args.clusterIdentifier, plan.clouds[0]!.cloudKey, "same identity, so no replacement");
});

test("a rotated token changes only the provider's kubeconfig; the cluster identity and every object stay", async () => {
  const document = loadValidRadl(`${THREE}deploy web 1\ndeploy db 1\n`, { source: "rotate.radl" });
  const plan = await planOf(document);
  const before = lowered(plan);
  const after = lowered(plan, AUTH.replace(TOKEN, "tok-rotated"));
  const changed = after.nodes.filter((n) => JSON.stringify(n) !== JSON.stringify(byId(before).get(n.id)));
  assert.deepEqual(
    changed.map((n) => n.id),
    [`cloud-${plan.clouds[0]!.cloudKey}`],
  );
  assert.equal(changed[0]!.args.clusterIdentifier, plan.clouds[0]!.cloudKey);
  assert.match((changed[0]!.args.kubeconfig as { secret: string }).secret, /token: tok-rotated/);
});

test("SSH hand-off (§2.9): the API server's host and the NodePort of local port 22, with the VM's credentials as secrets", async () => {
  const document = loadValidRadl(FULL_RADL, { source: "ssh.radl" });
  const plan = await planOf(document, AUTH, { catalog: { namespaces: [] } });
  const { vms } = lowerPlanDetailed(plan, driverLookup([new KubernetesDriver()]), { auth: auth(AUTH) });
  const conn = vms[0]!.connection!;
  assert.equal(conn.host, "k8s.example.org");
  assert.equal(conn.port, 30022);
  assert.equal(conn.user, "root");
  assert.deepEqual(conn.privateKey, {
    secret: `-----BEGIN RSA PRIVATE KEY-----${KEY_BODY}-----END RSA PRIVATE KEY-----`,
  });
  assert.equal(vms[0]!.output.ssh.port, 30022);
  assert.deepEqual(vms[0]!.privateIp, { ref: "vm-0-svc", prop: "spec.clusterIP" });
  // a VM without a public SSH mapping offers no connection
  const priv = await planOf(loadValidRadl(PRIVATE_RADL, { source: "p.radl" }), APPS_AUTH);
  const lowPriv = lowerPlanDetailed(priv, driverLookup([new KubernetesDriver()]), { auth: auth(APPS_AUTH) });
  assert.equal(lowPriv.vms[0]!.connection, undefined);
});
