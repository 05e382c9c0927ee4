/**
 * `radl compile` for a Kubernetes infrastructure (DESIGN.md "One lowering, two back ends"): the
 * emitted project registers under mocks exactly what registerGraph registers, carries no credential
 * in its files, and type-checks with tsc against the real @pulumi/kubernetes typings.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { compileDocument } from "../../cli/compile.js";
import { parseAuthText } from "../../compiler/auth/index.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import { driverLookup } from "../../compiler/plan/index.js";
import { KubernetesDriver } from "../../providers/kubernetes/index.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import { emitTestRoot, materialize, removeEmitTestRoot, runProgram } from "../support/emit-run.js";
import { kubernetesMockOutputs, runUnderMocks } from "../support/kubernetes-golden.js";
import { repoRoot } from "../support/paths.js";

after(removeEmitTestRoot);

const TOKEN = "emit-k8s-token-7c1e";
const AUTH = `id = k8s; type = Kubernetes; host = https://k8s.example.org:6443; token = ${TOKEN}; apps_dns = apps.example.org\n`;
const RADL = `description d (namespace = 'team')
network pub (outbound = 'yes' and outports = '30443-443,30080-80')
network priv (outports = '5432')
system web (
  cpu.count >= 1 and memory.size >= 1g and
  net_interface.0.connection = 'pub' and net_interface.0.dns_name = 'https://shop/' and
  disk.0.image.url = 'docker://nginx:1.25' and
  disk.1.size = 2Gi and disk.1.mount_path = '/var/www' and
  disk.2.content = 'server { listen 80; }' and disk.2.mount_path = '/etc/nginx/conf.d/default.conf' and
  disk.3.content = 'dG9rZW4=' and disk.3.mount_path = '/run/token'
)
system db (
  cpu.count >= 2 and memory.size >= 4g and net_interface.0.connection = 'priv' and
  disk.0.image.url = 'postgres:16' and environment.variables = 'POSTGRES_DB=shop'
)
deploy web 1
deploy db 1
`;

async function compiled(stack: string) {
  return compileDocument({
    document: loadValidRadl(RADL, { source: "k8s.radl" }),
    auth: parseAuthText(AUTH, { strict: true }),
    stack,
    seed: RADL,
    drivers: driverLookup([new KubernetesDriver()]),
    catalogs: { k8s: { namespaces: [] } },
  });
}

function comparable(regs: Registration[]): unknown[] {
  return regs.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
}

async function viaEmitted(graph: ResourceGraph, stack: string): Promise<Registration[]> {
  const { project } = await compiled(stack);
  const dir = materialize(`k8s-${stack}`, project);
  const recorded = await recordingMocks("im", stack, kubernetesMockOutputs);
  for (const key of project.config) pulumi.runtime.setConfig(`im:${key.key}`, key.value);
  const exports = runProgram(dir);
  // the stack outputs resolve only after every resource they refer to is registered
  for (const value of Object.values(exports)) await valueOf(pulumi.output(value));
  await pulumi.runtime.disconnect();
  assert.equal(recorded.length, graph.nodes.length, "the emitted program registers every node");
  return [...recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

test("the emitted Kubernetes project registers exactly what registerGraph registers", async () => {
  const stack = "k8s-emit";
  const { graph } = await compiled(stack);
  assert.ok(graph.nodes.some((n) => n.type === "kubernetes:networking.k8s.io/v1:Ingress"));
  const expected = await runUnderMocks(graph, stack);
  const actual = await viaEmitted(graph, stack);
  assert.equal(expected.registrations.length, graph.nodes.length);
  assert.deepEqual(comparable(actual), comparable(expected.registrations));
});

test("no credential is written into the project's files; the kubeconfig is a secret config key", async () => {
  const { project } = await compiled("k8s-files");
  for (const [path, text] of Object.entries(project.files)) {
    assert.ok(!text.includes(TOKEN), `the token appears in ${path}`);
  }
  const kubeconfig = project.config.find((k) => k.key.endsWith("-kubeconfig"));
  assert.ok(kubeconfig !== undefined && kubeconfig.secret, "the kubeconfig is read with requireSecret");
  assert.match(kubeconfig.value, new RegExp(`token: ${TOKEN}`));
  const deps = JSON.parse(project.files["package.json"]!) as { dependencies: Record<string, string> };
  assert.ok("@pulumi/kubernetes" in deps.dependencies);
});

test("the emitted Kubernetes project type-checks with tsc against the real SDK typings", async () => {
  const good = materialize("k8s-tsc", (await compiled("k8s-tsc")).project);
  const broken = (await compiled("k8s-tsc-bad")).project;
  // the same check must fail on a program that misuses a Kubernetes type
  broken.files["index.ts"] = broken.files["index.ts"]!.replace("replicas: 1,", "replicas: { many: true },");
  const bad = materialize("k8s-tsc-bad", broken);
  const config = {
    compilerOptions: JSON.parse((await compiled("k8s-tsc")).project.files["tsconfig.json"]!).compilerOptions,
    files: [good, bad].map((d) => relative(emitTestRoot, join(d, "index.ts"))),
  };
  config.compilerOptions.noEmit = true;
  writeFileSync(join(emitTestRoot, "tsconfig.json"), JSON.stringify(config));
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(emitTestRoot, "tsconfig.json")], {
    encoding: "utf8",
    timeout: 240_000,
  });
  const errors = run.stdout.split("\n").filter((l) => /error TS/.test(l));
  assert.ok(
    errors.some((l) => l.includes("/k8s-tsc-bad/index.ts(")),
    `tsc reports the misuse (${run.stdout.slice(0, 300)})`,
  );
  assert.deepEqual(
    errors.filter((l) => !l.includes("/k8s-tsc-bad/index.ts(")),
    [],
    "the emitted project has no type errors",
  );
});
