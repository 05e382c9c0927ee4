/**
 * Contextualization in compiled projects: the CommandContextualizer's command nodes are in index.ts,
 * the static bundle (playbooks, ansible.cfg, tools) is a directory of the project that the program's
 * FileArchive names, the README says how it runs, and no password, key or the server key is in any file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAuthText } from "../../compiler/auth/index.js";
import { emitProject } from "../../compiler/emit/index.js";
import { loadValidRadl } from "../../compiler/load.js";
import { compileDocument } from "../../cli/compile.js";
import { generateServerKey } from "../../runtime/contextualize/server-key.js";
import { cloudGraph } from "../support/emit-graphs.js";
import { CTXT_AUTH, CTXT_RADL, CTXT_SECRETS } from "./emit-fixtures.js";

const serverKey = generateServerKey();

async function compileCtxt(key = serverKey) {
  return compileDocument({
    document: loadValidRadl(CTXT_RADL, { source: "ctxt.radl" }),
    auth: parseAuthText(CTXT_AUTH, { strict: true }),
    stack: "ctxt",
    seed: CTXT_RADL,
    serverKey: key,
  });
}

/** The base64 body lines of a PEM key (the part that is secret). */
function pemBody(pem: string): string[] {
  return pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
}

test("the compiled project holds the contextualization commands and its bundle as files", async () => {
  const { graph, project } = await compileCtxt();
  const index = project.files["index.ts"]!;
  const ids = graph.nodes.filter((n) => n.id.startsWith("ctxt")).map((n) => n.id);
  for (const id of [
    "ctxt",
    "ctxt-wait-master",
    "ctxt-bootstrap",
    "ctxt-tool",
    "ctxt-bundle",
    "ctxt-activate",
    "ctxt-hosts",
    "ctxt-vm0-step1",
    "ctxt-vm1-step2",
  ]) {
    assert.ok(ids.includes(id), `graph has ${id}`);
  }
  for (const node of graph.nodes.filter((n) => n.type.startsWith("command:remote:"))) {
    const cls = node.type === "command:remote:Command" ? "Command" : "CopyToRemote";
    assert.ok(index.includes(`new command.remote.${cls}(${JSON.stringify(node.name)}, {`), node.id);
  }
  assert.match(index, /new Component\("im:index:Contextualization", "ctxt"\)/);
  assert.match(index, /source: new pulumi\.asset\.FileArchive\("bundle\/ctxt\/gen-1"\)/);

  const bundle = Object.keys(project.files).filter((f) => f.startsWith("bundle/"));
  for (const f of [
    "ansible.cfg",
    "GENERATION",
    "bin/run-step",
    "bin/activate.py",
    "galaxy-requirements.yml",
  ]) {
    assert.ok(bundle.includes(`bundle/ctxt/gen-1/${f}`), `bundle has ${f}: ${bundle.join(" ")}`);
  }
  const playbooks = bundle.filter((f) => project.files[f]!.includes("hello-from-front"));
  assert.ok(playbooks.length > 0, "the front's recipe is in a playbook of the bundle");
  assert.ok(bundle.some((f) => project.files[f]!.includes("hello-from-wn")));
  // the tools' bin/ directory is committed with the project; only the build output is ignored
  assert.equal(project.files[".gitignore"], "node_modules/\n/bin/\n");

  const readme = project.files["README.md"]!;
  assert.match(readme, /## Contextualization/);
  assert.match(readme, /`ctxt-bundle` copies `bundle\/ctxt\/gen-1\/`/);
  for (const key of project.config.filter((k) => k.key.startsWith("ctxt"))) {
    assert.equal(key.secret, true, `${key.key} is secret`);
    assert.ok(readme.includes(`pulumi config set --secret ${key.key} `), key.key);
  }
});

test("no password, VM key or server key is written into any file of the compiled project", async () => {
  const { project } = await compileCtxt();
  const secrets = [...CTXT_SECRETS, ...pemBody(serverKey.privateKey)];
  for (const [file, text] of Object.entries(project.files)) {
    for (const s of secrets) assert.ok(!text.includes(s), `${s.slice(0, 20)}… is written into ${file}`);
  }
  // the server key and every password reach the program only as secret config values
  const values = project.config.filter((k) => k.secret).map((k) => k.value);
  assert.ok(
    values.some((v) => v === serverKey.privateKey),
    "the server key is a secret config key",
  );
  for (const s of CTXT_SECRETS.filter((x) => x !== "im-password-value")) {
    assert.ok(
      values.some((v) => v.includes(s)),
      `${s} is in a secret config value`,
    );
  }
});

test("compiling twice gives the same bytes, even with a different server key", async () => {
  const a = await compileCtxt();
  const b = await compileCtxt(generateServerKey());
  assert.deepEqual(a.project.files, b.project.files);
  assert.deepEqual(
    a.project.config.map((k) => k.key),
    b.project.config.map((k) => k.key),
  );
});

test("a secret text with addresses in it keeps its constant parts out of the program", () => {
  // cloudGraph's ctxt-run stdin is secret(interpolate("token=", <floating IP>))
  const project = emitProject(cloudGraph());
  const index = project.files["index.ts"]!;
  assert.match(index, /stdin: secretText\(ctxtRunStdin, vm1Fip0\.address\)/);
  for (const [file, text] of Object.entries(project.files)) assert.ok(!text.includes("token="), file);
  const key = project.config.find((k) => k.key === "ctxt-run-stdin")!;
  assert.equal(key.secret, true);
  assert.deepEqual(JSON.parse(key.value), ["token=", ""]);
});

test("stage barriers over many VMs: each shared dependsOn list is printed once; key descriptions stay short", async () => {
  const { graph, project } = await compileDocument({
    document: loadValidRadl(CTXT_RADL.replace("deploy wn 1", "deploy wn 30"), { source: "ctxt.radl" }),
    auth: parseAuthText(CTXT_AUTH, { strict: true }),
    stack: "ctxt",
    seed: CTXT_RADL,
    serverKey,
  });
  const index = project.files["index.ts"]!;
  const barrier = graph.nodes.find((n) => n.id === "ctxt-vm0-main")!.options!.dependsOn!;
  assert.equal(barrier.length, 31, "every basic step of the 31 VMs comes before the main stage");
  const lists = [...index.matchAll(/^const (\w+DependsOn) = \[(.*)\];$/gm)];
  assert.ok(lists.length > 0);
  for (const [, name] of lists) {
    assert.equal(index.split(`const ${name} = [`).length, 2, `${name} is declared once`);
    assert.ok(index.split(`dependsOn: ${name}`).length > 2, `${name} is shared`);
  }
  // the 31 VMs' main steps all wait for the same list: it is not printed 31 times
  assert.ok(index.length < 200_000, `index.ts is ${index.length} characters`);
  const password = project.config.find((k) => k.value === "wn-pass-secret")!;
  assert.match(password.description, /; and \d+ more$/);
  assert.ok(password.description.length < 400, password.description);
});
