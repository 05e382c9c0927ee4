import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAuthText } from "../../compiler/auth/index.js";
import { OutputNameError, PULUMI_VERSION, SDK_VERSIONS, emitProject } from "../../compiler/emit/index.js";
import { UnknownTokenError, emptyGraph, ref, secret } from "../../compiler/graph/index.js";
import { loadValidRadl } from "../../compiler/load.js";
import { compileDocument } from "../../cli/compile.js";
import {
  CLOUD_GRAPH_SECRETS,
  DEPLOYED_AUTH,
  DEPLOYED_RADL,
  DUMMY_AUTH,
  DUMMY_RADL,
  cloudGraph,
} from "../support/emit-graphs.js";
import { emitTestRoot, materialize, removeEmitTestRoot } from "../support/emit-run.js";
import { CTXT_AUTH, CTXT_RADL } from "./emit-fixtures.js";
import { repoRoot } from "../support/paths.js";

after(removeEmitTestRoot);

async function compileText(radl: string, auth: string, stack: string) {
  return compileDocument({
    document: loadValidRadl(radl, { source: `${stack}.radl` }),
    auth: parseAuthText(auth, { strict: true }),
    stack,
    seed: radl,
  });
}

test("the same graph gives the same bytes; the files are the project's and nothing else", async () => {
  const a = emitProject(cloudGraph(), { stack: "s" });
  const b = emitProject(JSON.parse(JSON.stringify(cloudGraph())), { stack: "s" });
  assert.deepEqual(a.files, b.files);
  assert.deepEqual(Object.keys(a.files), [...Object.keys(a.files)].sort());
  for (const name of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "README.md"]) {
    assert.ok(name in a.files, name);
  }
  const c1 = await compileText(DUMMY_RADL, DUMMY_AUTH, "dummy");
  const c2 = await compileText(DUMMY_RADL, DUMMY_AUTH, "dummy");
  assert.deepEqual(c1.project.files, c2.project.files);
});

test("index.ts holds one explicit constructor per node in dependency order, not a call into radl-pulumi", () => {
  const graph = cloudGraph();
  const text = emitProject(graph).files["index.ts"]!;
  assert.doesNotMatch(text, /registerGraph|radl-pulumi\/|\.\.\/runtime/);
  assert.match(text, /new openstack\.compute\.Instance\("vm-1-server", \{/);
  assert.match(text, /new aws\.ec2\.Instance\("vm-0-server", \{/);
  assert.match(text, /new kubernetes\.apps\.v1\.Deployment\("vm-2-server", \{/);
  assert.match(text, /vpcSecurityGroupIds: \[sharedEC20123456789Sg\.id\]/);
  assert.match(text, /pulumi\.interpolate`ec2=\$\{vm0Server\.id\} fip=\$\{vm1Fip0\.address\}`/);
  assert.match(text, /\{ parent: vm1, dependsOn: \[vm1Server\], provider: cloudOpenStackAbcdef0123 \}/);
  for (const n of graph.nodes) {
    assert.ok(
      text.includes(`(${JSON.stringify(n.name)}, {`) || text.includes(`, ${JSON.stringify(n.name)}`),
      n.id,
    );
  }
  // each node is declared after everything it refers to
  assert.ok(text.indexOf(`"vm-1-nic-0"`) < text.indexOf(`"vm-1-server"`));
  assert.ok(text.indexOf(`"vm-1-server"`) < text.indexOf(`"vm-1-fipassoc-0"`));
  assert.equal((text.match(/^const \w+ = new (?!pulumi\.Config\()/gm) ?? []).length, graph.nodes.length);
});

test("no credential is written into any file; the README lists every config key, secret ones as secret", async () => {
  const check = (files: Record<string, string>, secrets: string[]) => {
    for (const [path, text] of Object.entries(files)) {
      for (const s of secrets) assert.ok(!text.includes(s), `${s} appears in ${path}`);
    }
  };
  const clouds = emitProject(cloudGraph());
  check(clouds.files, CLOUD_GRAPH_SECRETS);
  // provider string arguments (user names, endpoints) are config too
  check(clouds.files, ["https://keystone:5000/v3"]);
  const readme = clouds.files["README.md"]!;
  for (const key of clouds.config) {
    assert.ok(readme.includes(`pulumi config set ${key.secret ? "--secret " : ""}${key.key} `), key.key);
    assert.ok(clouds.files["index.ts"]!.includes(JSON.stringify(key.key)), key.key);
  }
  // one VM password used in five places is one key to set
  assert.equal(clouds.config.filter((k) => k.value === "s3cret-vm-pw").length, 1);
  const secretKeys = clouds.config.filter((k) => k.secret).map((k) => k.value);
  for (const s of CLOUD_GRAPH_SECRETS)
    assert.ok(
      secretKeys.some((v) => v.includes(s)),
      `${s} is a secret key`,
    );

  const authSecrets = ["im-password-value", "front-vm-password"];
  const dummy = await compileText(DUMMY_RADL, DUMMY_AUTH, "dummy");
  check(dummy.project.files, authSecrets);
  const deployed = await compileText(DEPLOYED_RADL, DEPLOYED_AUTH, "deployed");
  check(deployed.project.files, ["im-password-value", "deployed-key-body"]);
  assert.ok(deployed.project.config.some((k) => k.secret && k.value.includes("deployed-key-body")));
});

test("package.json pins exactly the repository's SDK versions, and only the packages the graph uses", async () => {
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  assert.equal(PULUMI_VERSION, root.dependencies["@pulumi/pulumi"]);
  for (const [pkg, version] of Object.entries(SDK_VERSIONS))
    assert.equal(version, root.dependencies[`@pulumi/${pkg}`], pkg);
  const clouds = JSON.parse(emitProject(cloudGraph()).files["package.json"]!) as {
    dependencies: Record<string, string>;
  };
  assert.deepEqual(Object.keys(clouds.dependencies), [
    "@pulumi/aws",
    "@pulumi/command",
    "@pulumi/kubernetes",
    "@pulumi/openstack",
    "@pulumi/pulumi",
  ]);
  for (const [pkg, version] of Object.entries(clouds.dependencies))
    assert.equal(version, root.dependencies[pkg], pkg);
  const dummy = await compileText(DUMMY_RADL, DUMMY_AUTH, "dummy");
  const deps = JSON.parse(dummy.project.files["package.json"]!) as { dependencies: Record<string, string> };
  assert.deepEqual(deps.dependencies, { "@pulumi/command": "1.2.1", "@pulumi/pulumi": "3.248.0" });
});

test("long string assets become files beside the program, short ones stay inline", () => {
  const p = emitProject(cloudGraph());
  assert.equal(
    p.files["files/ctxt-copy/source/playbook.yml"],
    "- hosts: all\n  tasks:\n    - debug: msg='`${x}`'\n",
  );
  assert.equal(p.files["files/ctxt-copy/source/inventory_hosts"], "[front]\nfront ansible_host=54.1.2.3\n");
  assert.match(p.files["index.ts"]!, /"id\.txt": new pulumi\.asset\.StringAsset\("short"\)/);
  assert.match(p.files["README.md"]!, /files\/ctxt-copy\/source\/playbook\.yml/);
});

test("emitted projects type-check with tsc against the real SDK typings", async () => {
  const cloudsDir = materialize("tsc-clouds", emitProject(cloudGraph()));
  const dummyDir = materialize("tsc-dummy", (await compileText(DUMMY_RADL, DUMMY_AUTH, "dummy")).project);
  const ctxtProject = (await compileText(CTXT_RADL, CTXT_AUTH, "ctxt")).project;
  assert.match(ctxtProject.files["index.ts"]!, /secretText|new command\.remote\.CopyToRemote/);
  const ctxtDir = materialize("tsc-ctxt", ctxtProject);
  const bad = emitProject(cloudGraph());
  // the same check must fail on a program that misuses an SDK class
  bad.files["index.ts"] = bad.files["index.ts"]!.replace(
    'instanceType: "t3.micro"',
    "instanceType: { nope: 1 }",
  );
  const badDir = materialize("tsc-bad", bad);
  const config = {
    compilerOptions: JSON.parse(emitProject(cloudGraph()).files["tsconfig.json"]!).compilerOptions,
    files: [cloudsDir, dummyDir, ctxtDir, badDir].map((d) => relative(emitTestRoot, join(d, "index.ts"))),
  };
  config.compilerOptions.noEmit = true;
  writeFileSync(join(emitTestRoot, "tsconfig.json"), JSON.stringify(config));
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const started = Date.now();
  const run = spawnSync(process.execPath, [tsc, "-p", join(emitTestRoot, "tsconfig.json")], {
    encoding: "utf8",
    timeout: 240_000,
  });
  const seconds = (Date.now() - started) / 1000;
  const errors = run.stdout.split("\n").filter((l) => /error TS/.test(l));
  assert.ok(errors.length > 0, "tsc reports the misuse");
  assert.deepEqual(
    errors.filter((l) => !l.includes("/tsc-bad/index.ts(")),
    [],
    `emitted project has type errors (tsc took ${seconds} s)`,
  );
  assert.ok(errors.some((l) => l.includes("'nope' does not exist")));
});

test("graphs the emitter cannot print are typed errors", () => {
  const g = emptyGraph();
  g.nodes.push({ id: "x", type: "gcp:compute/instance:Instance", name: "x", args: {} });
  assert.throws(() => emitProject(g), UnknownTokenError);
  const h = emptyGraph();
  h.nodes.push({ id: "c", type: "command:local:Command", name: "c", args: { create: secret("pw") } });
  h.outputs.extra = { "not an identifier": ref("c", "stdout") };
  assert.throws(() => emitProject(h), OutputNameError);
  h.outputs.extra = { vms: ref("c", "stdout") };
  assert.throws(
    () => emitProject(h),
    (e: unknown) => e instanceof OutputNameError && e.code === "E-EMIT-OUTPUT-NAME",
  );
});
