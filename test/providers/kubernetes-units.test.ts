/** Table-driven tests of the Kubernetes driver's pure pieces (providers.md §5.1, §5.2, §5.3). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { loadValidRadl } from "../../compiler/load.js";
import { radlInstanceTags } from "../../compiler/plan/instance-tags.js";
import {
  buildKubeconfig,
  kubernetesCredentials,
  kubernetesIdentity,
} from "../../providers/kubernetes/auth.js";
import {
  commandAndArgs,
  containerResources,
  deploymentLabels,
  environmentVariables,
} from "../../providers/kubernetes/container.js";
import { containerImage, isKubernetesImage } from "../../providers/kubernetes/image.js";
import { planIngress } from "../../providers/kubernetes/ingress.js";
import { podName } from "../../providers/kubernetes/names.js";
import { exposedPorts, PORT_RANGE_WARNING } from "../../providers/kubernetes/ports.js";
import { isPrivateIp } from "../../providers/kubernetes/private-ip.js";
import { cpuFromQuantity, bytesFromQuantity } from "../../providers/kubernetes/quantity.js";
import { quotasFromList } from "../../providers/kubernetes/quotas.js";
import { isBase64, kubernetesVolumes } from "../../providers/kubernetes/volumes.js";
import { KubernetesDriver } from "../../providers/kubernetes/index.js";
import { seededRandom, system } from "../compiler/plan-support.js";

test("image URLs a Kubernetes cloud takes, and the container image they give", () => {
  const table: [string | undefined, boolean, string?][] = [
    ["docker://ubuntu:18.04", true, "ubuntu:18.04"],
    ["docker://grycap/im:1.0", true, "grycap/im:1.0"],
    ["DOCKER://nginx", true, "nginx"],
    ["grycap/im:1.0", true, "grycap/im:1.0"],
    ["974349055189.dkr.ecr.us-east-1.amazonaws.com/micafer-darknet", true],
    ["nginx@sha256:abc123", true],
    ["docker://", false],
    ["one://server/12", false],
    ["ost://horsemen/4886c8c1", false],
    ["oscar://cluster/grycap/x", false],
    ["", false],
    ["Has Spaces:1", false],
    [undefined, false],
  ];
  for (const [url, ok, image] of table) {
    assert.equal(isKubernetesImage(url), ok, String(url));
    assert.equal(new KubernetesDriver().matchesImage(url), ok, String(url));
    if (image !== undefined) assert.equal(containerImage(url!), image);
  }
});

test("auth lines: credentials, identity and kubeconfig", () => {
  assert.deepEqual(kubernetesCredentials({ type: "Kubernetes", token: "t" }), { kind: "token", token: "t" });
  assert.deepEqual(kubernetesCredentials({ username: "u", password: "p", token: "t" }), {
    kind: "basic",
    username: "u",
    password: "p",
  });
  assert.throws(() => kubernetesCredentials({ username: "u" }), {
    code: "E-K8S-AUTH-DATA",
    message: "No correct auth data has been specified to Kubernetes: username and password or token.",
  });
  assert.throws(() => kubernetesIdentity({ token: "t" }), { message: /: host\.$/ });
  assert.equal(kubernetesIdentity({ host: "https://k:6443/", namespace: "ns" }), "https://k:6443|ns");
  assert.equal(kubernetesIdentity({ host: "k:6443" }), "https://k:6443|");
  const kc = parse(
    buildKubeconfig("https://k:6443", { kind: "token", token: "tk" }, { insecureSkipTlsVerify: true }),
  );
  assert.deepEqual(kc, {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "im", cluster: { server: "https://k:6443", "insecure-skip-tls-verify": true } }],
    users: [{ name: "im", user: { token: "tk" } }],
    contexts: [{ name: "im", context: { cluster: "im", user: "im" } }],
    "current-context": "im",
  });
  const basic = parse(
    buildKubeconfig(
      "https://k",
      { kind: "basic", username: "u", password: "p" },
      { insecureSkipTlsVerify: false },
    ),
  ) as { clusters: { cluster: Record<string, unknown> }[]; users: { user: unknown }[] };
  assert.deepEqual(basic.clusters[0]!.cluster, { server: "https://k" });
  assert.deepEqual(basic.users[0]!.user, { username: "u", password: "p" });
});

test("pod names: special characters become '-', lower-cased", () => {
  const table: [string, string][] = [
    ["front", "front"],
    ["worker_1", "worker-1"],
    ["My Node.x", "my-node.x"],
    ["a@b:c", "a-b-c"],
  ];
  for (const [input, out] of table) assert.equal(podName(input), out, input);
});

test("container: resources as the IM writes them, environment, command, labels", () => {
  const table: [Record<string, number | [number, string]>, Record<string, string>][] = [
    [
      { "cpu.count": 2, "memory.size": [2, "g"] },
      { cpu: "2", memory: "2000000000" },
    ],
    [
      { "cpu.count": 0.5, "memory.size": [512, "Mi"] },
      { cpu: "0.5", memory: "536870912" },
    ],
    [
      { "cpu.count": 1, "memory.size": [1, "G"], "gpu.count": 2 },
      { cpu: "1", memory: "1000000000", "nvidia.com/gpu": "2" },
    ],
    [{}, {}],
  ];
  for (const [features, expected] of table) {
    assert.deepEqual(containerResources(system("s", features).features), expected, JSON.stringify(features));
  }
  const env = (text: string) => environmentVariables(system("s", { "environment.variables": text }).features);
  assert.deepEqual(env('A=1,B="x,y", C = z '), [
    { name: "A", value: "1" },
    { name: "B", value: "x,y" },
    { name: "C", value: "z" },
  ]);
  assert.deepEqual(env(""), []);
  assert.deepEqual(commandAndArgs(system("s", { command: "sleep  3600" }).features), {
    command: ["sleep"],
    args: ["3600"],
  });
  assert.deepEqual(commandAndArgs(system("s", { command: "run" }).features), { command: ["run"] });
  assert.deepEqual(commandAndArgs(system("s", {}).features), {});
  assert.deepEqual(
    deploymentLabels(
      radlInstanceTags(system("s", { instance_tags: "owner=ana@upv.es, team=_a b,bad" }).features),
      "s",
    ),
    {
      name: "s",
      owner: "anaupv.es",
      team: "ab",
    },
  );
});

test("volumes: PVCs, ConfigMaps and Secrets while disk.N.mount_path is set", () => {
  const s = system("web", {
    "disk.1.size": [10, "G"],
    "disk.1.mount_path": "data",
    "disk.2.image.url": "pv-1",
    "disk.2.size": [1, "Gi"],
    "disk.2.mount_path": "/pv",
    "disk.3.content": "plain text",
    "disk.3.mount_path": "/etc/app/app.conf",
    "disk.4.content": "c2VjcmV0",
    "disk.4.mount_path": "/run/s",
    "disk.6.size": [1, "G"],
    "disk.6.mount_path": "/never",
  });
  assert.deepEqual(kubernetesVolumes(s), [
    { kind: "pvc", index: 1, mountPath: "/data", storageBytes: "10000000000" },
    { kind: "pvc", index: 2, mountPath: "/pv", storageBytes: "1073741824", volumeName: "pv-1" },
    {
      kind: "configMap",
      index: 3,
      mountPath: "/etc/app/app.conf",
      fileName: "app.conf",
      content: "plain text",
    },
    { kind: "secret", index: 4, mountPath: "/run/s", fileName: "s", content: "c2VjcmV0" },
  ]);
  const b64: [string, boolean][] = [
    ["c2VjcmV0", true],
    ["dG9rZW4=", true],
    ["abc", false],
    ["listen 80;", false],
    ["ab=c", false],
  ];
  for (const [text, ok] of b64) assert.equal(isBase64(text), ok, text);
});

test("ports: public outports first, ranges ignored with the IM's warning, ICMP dropped", () => {
  const doc = loadValidRadl(
    `network pub (outbound = 'yes' and outports = '30022-22,8000:8100,53/udp,0/icmp,80')
network priv (outports = '9000')
system a (net_interface.0.connection = 'priv' and net_interface.1.connection = 'pub')
system b (net_interface.0.connection = 'priv')
system c ()
`,
    { source: "p.radl" },
  );
  const [a, b, c] = doc.systems;
  assert.deepEqual(exposedPorts(a!, doc), {
    public: true,
    network: "pub",
    ports: [
      { local: 22, remote: 30022, protocol: "TCP" },
      { local: 53, remote: 53, protocol: "UDP" },
      { local: 80, remote: 80, protocol: "TCP" },
    ],
    firstLocal: 22,
    warnings: [PORT_RANGE_WARNING],
  });
  assert.deepEqual(exposedPorts(b!, doc), {
    public: false,
    network: "priv",
    ports: [{ local: 9000, remote: 9000, protocol: "TCP" }],
    firstLocal: 9000,
    warnings: [],
  });
  assert.deepEqual(exposedPorts(c!, doc), { public: false, ports: [], warnings: [] });
});

test("ingress: path-only names, TLS, the apps_dns host with a stored random suffix", () => {
  const r = () => seededRandom(3);
  assert.deepEqual(planIngress("/api", 80, undefined, r()), {
    path: "/api",
    tls: false,
    tlsSecret: false,
    port: 80,
  });
  assert.deepEqual(planIngress("web.example.org", 80, undefined, r()), {
    host: "web.example.org",
    path: "/",
    tls: false,
    tlsSecret: false,
    url: "http://web.example.org/",
    port: 80,
  });
  assert.deepEqual(planIngress("https://web.example.org/app", 443, undefined, r()), {
    host: "web.example.org",
    path: "/app",
    tls: true,
    tlsSecret: true,
    url: "https://web.example.org/app",
    port: 443,
  });
  const withApps = planIngress("https://shop.", 80, ".apps.example.org", r());
  assert.match(withApps.host!, /^shop-[a-z0-9]{4}\.apps\.example\.org$/);
  assert.equal(withApps.tlsSecret, false, "no TLS secret when the cluster's apps domain serves it");
  assert.deepEqual(
    planIngress("https://shop.", 80, ".apps.example.org", r()),
    withApps,
    "same seed, same host",
  );
  assert.equal(planIngress("x.apps.example.org", 80, "apps.example.org", r()).host, "x.apps.example.org");
});

test("quantities, private addresses and quotas", () => {
  const cpu: [string, number][] = [
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
  ];
  for (const [q, v] of cpu) assert.equal(cpuFromQuantity(q), v, q);
  const mem: [string, number][] = [
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1G", 1e9],
    ["1073741824", 2 ** 30],
    ["1e3", 1000],
  ];
  for (const [q, v] of mem) assert.equal(bytesFromQuantity(q), v, q);
  assert.throws(() => bytesFromQuantity("12 parsecs"), { code: "E-K8S-QUANTITY" });
  const ips: [string, boolean][] = [
    ["10.1.2.3", true],
    ["172.20.0.1", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["100.64.0.1", true],
    ["8.8.8.8", false],
    ["127.0.0.1", false],
  ];
  for (const [ip, priv] of ips) assert.equal(isPrivateIp(ip), priv, ip);
  assert.deepEqual(quotasFromList([]), {});
  assert.deepEqual(
    quotasFromList([{ spec: { hard: { "limits.cpu": "4", pods: "2" } }, status: { used: { pods: "1" } } }]),
    { cores: { limit: 4, used: 0 }, instances: { limit: 2, used: 1 } },
  );
});
