import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { validateGraph } from "../../compiler/graph/index.js";
import type { ContextualizeInput, LoweredVm } from "../../compiler/plan/driver.js";
import type { DeploymentPlan, PlannedVm } from "../../compiler/plan/types.js";
import { dynamicFiles, staticFiles } from "../../runtime/contextualize/bundle.js";
import { parseStepOutput, taskResultFromLog, vmStatusLine } from "../../runtime/contextualize/contmsg.js";
import { etcHosts } from "../../runtime/contextualize/etc-hosts.js";
import { RecipeYamlError } from "../../runtime/contextualize/errors.js";
import { CommandContextualizer } from "../../runtime/contextualize/graph.js";
import { buildInventory } from "../../runtime/contextualize/inventory.js";
import { selectMaster } from "../../runtime/contextualize/master.js";
import { DEFAULT_SETTINGS, type CtxtInfrastructure } from "../../runtime/contextualize/model.js";
import { parseDnsName } from "../../runtime/contextualize/names.js";
import { galaxyRequirements, packagesOf } from "../../runtime/contextualize/playbooks.js";
import { headerPlay, mergeRecipe } from "../../runtime/contextualize/recipe-merge.js";
import { hostKeyFingerprint, normalizeHostKey, probeSsh } from "../../runtime/contextualize/ssh-probe.js";
import { contextualizationPlan } from "../../runtime/contextualize/stages.js";
import { vmFromSystem } from "../../runtime/contextualize/vms.js";
import { parse } from "yaml";
import { radlDocument, type DocSpec } from "../support/rig.js";

const SECRET_PW = "S3cret+Front";
const SECRET_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretkeybody\n-----END OPENSSH PRIVATE KEY-----\n";

function spec(items: DocSpec["items"]): DocSpec {
  return {
    networks: { pub: { outbound: "yes" }, priv: {} },
    systems: {
      front: {
        "net_interface.0.connection": "pub",
        "net_interface.0.ip": "192.0.2.10",
        "net_interface.0.dns_name": "front",
        "net_interface.1.connection": "priv",
        "net_interface.1.ip": "10.0.0.10",
        "disk.0.os.credentials.username": "cloudadm",
        "disk.0.os.credentials.password": SECRET_PW,
        "disk.0.os.credentials.new.password": "N3w+Master",
        "disk.0.applications": {
          apps: {
            "ansible.roles.grycap.docker": { version: "v1.2" },
            "ansible.collections.community.crypto": {},
          },
        },
      },
      wn: {
        "net_interface.0.connection": "priv",
        "net_interface.0.ip": "10.0.0.20",
        "net_interface.0.dns_name": "wn-#N#.cluster",
        "disk.0.os.credentials.username": "cloudadm",
        "disk.0.os.credentials.private_key": SECRET_KEY,
        "disk.0.applications": { apps: { "org.debian.sshpass": {}, gcc: { version: "12" } } },
        "disk.1.size": 1024,
        "disk.1.device": "vdb",
        "disk.1.fstype": "ext4",
        "disk.1.mount_path": "/data",
      },
    },
    configures: {
      front: "- tasks:\n  - debug: msg=front\n",
      wn: "- hosts: all\n  become: yes\n  vars: {a: 1}\n  tasks:\n  - debug: msg=wn\n",
      other: "- tasks: []\n",
    },
    deploys: { front: 1, wn: 2 },
    items,
  };
}

function infra(items: DocSpec["items"]): CtxtInfrastructure {
  const doc = radlDocument(spec(items));
  return {
    id: "inf1",
    doc,
    vms: [
      vmFromSystem(doc, "front", 0),
      vmFromSystem(doc, "wn", 1),
      vmFromSystem(doc, "wn", 2, { ips: { 0: "10.0.0.21" } }),
    ],
    settings: DEFAULT_SETTINGS,
    auth: "type = InfrastructureManager; token = tok-secret",
  };
}

test("dns names: host.domain, host@domain, bare host, #N# replaced", () => {
  assert.deepEqual(parseDnsName("wn-#N#.cluster.org", 3, "localdomain"), {
    hostname: "wn-3",
    domain: "cluster.org",
    fqdn: "wn-3.cluster.org",
  });
  assert.deepEqual(parseDnsName("front@example.com", 0, "localdomain").fqdn, "front.example.com");
  assert.deepEqual(parseDnsName("front", 0, "localdomain").fqdn, "front.localdomain");
});

test("IM header merge: scalars on both sides become a list, maps merge, lists concatenate, keys sorted", () => {
  const merged = parse(
    mergeRecipe(
      headerPlay("linux"),
      "wn",
      "- hosts: all\n  become: yes\n  vars: {a: 1}\n  tasks: [{debug: {msg: x}}]\n",
    ),
  );
  assert.deepEqual(merged, [
    {
      become: [true, true],
      gather_facts: false,
      hosts: ["{{IM_HOST}}", "all"],
      tasks: [{ debug: { msg: "x" } }],
      vars: { a: 1 },
    },
  ]);
  const text = mergeRecipe(headerPlay("linux"), "x", "- tasks: []\n  vars: {}\n");
  assert.deepEqual(parse(text), [{ become: true, gather_facts: false, hosts: "{{IM_HOST}}" }]);
  assert.deepEqual(Object.keys(parse(mergeRecipe({ z: [1] }, "y", "- {z: [2], a: 3}\n"))[0]), ["a", "z"]);
  assert.throws(
    () => mergeRecipe(headerPlay("linux"), "broken", "- tasks: [\n"),
    (e) => e instanceof RecipeYamlError && /configure 'broken'/.test(e.message),
  );
});

test("stages: explicit items in step order; default step 1 for same-named configures; disabled cases", () => {
  const explicit = contextualizationPlan(
    infra([
      { system: "wn", configure: "wn", step: 2 },
      { system: "front", configure: "front", step: 1 },
      { system: "wn", configure: "other", step: 2 },
    ]).doc,
    infra(null).vms,
  );
  assert.equal(explicit.disabled, false);
  if (explicit.disabled) return;
  assert.deepEqual(
    explicit.stages.map((s) => [s.name, s.perVm.map((p) => [p.vmId, p.tasks])]),
    [
      [
        "basic",
        [
          [0, ["basic"]],
          [1, ["basic"]],
          [2, ["basic"]],
        ],
      ],
      [
        "main",
        [
          [0, ["main_front"]],
          [1, ["main_wn"]],
          [2, ["main_wn"]],
        ],
      ],
      ["step1", [[0, ["front_front"]]]],
      [
        "step2",
        [
          [1, ["wn_wn", "other_wn"]],
          [2, ["wn_wn", "other_wn"]],
        ],
      ],
    ],
  );
  const def = contextualizationPlan(infra(null).doc, infra(null).vms);
  assert.ok(!def.disabled);
  if (!def.disabled)
    assert.deepEqual(
      def.stages.slice(2).map((s) => [s.name, s.perVm.map((p) => p.tasks[0])]),
      [["step1", ["front_front", "wn_wn", "wn_wn"]]],
    );
  const empty = infra([]);
  assert.equal(contextualizationPlan(empty.doc, empty.vms).disabled, true);
  const cloudInit = infra([{ system: "wn", configure: "wn", tool: "cloud_init" }]);
  assert.equal(contextualizationPlan(cloudInit.doc, cloudInit.vms).disabled, true);
  const optOut = infra(null);
  optOut.doc.configures.find((c) => c.id === "wn")!.recipe = null;
  const p = contextualizationPlan(optOut.doc, optOut.vms);
  assert.ok(!p.disabled);
  if (!p.disabled) {
    assert.deepEqual(p.skippedVms, [1, 2]);
    assert.deepEqual(
      p.stages[0]!.perVm.map((v) => v.vmId),
      [0],
    );
  }
});

test("master: the Linux VM with a public IP connected to most VMs; none without public IP or proxy", () => {
  const inf = infra(null);
  assert.equal(selectMaster(inf.vms)?.id, 0);
  assert.equal(selectMaster(inf.vms, 2)?.id, 2, "a previous master sticks");
  assert.equal(selectMaster(inf.vms.slice(1)), undefined);
});

test("inventory: groups per system, IM variables, master local, counts; no secrets in it", () => {
  const inf = infra(null);
  const inv = buildInventory(inf, inf.vms[0]);
  const y = parse(inv.text) as {
    all: {
      vars: Record<string, unknown>;
      children: Record<string, { hosts: Record<string, Record<string, unknown>> }>;
    };
  };
  assert.deepEqual(Object.keys(y.all.children.wn!.hosts), ["10.0.0.20_1", "10.0.0.21_2"]);
  const front = y.all.children.front!.hosts["192.0.2.10_0"]!;
  assert.equal(front.ansible_connection, "local");
  assert.equal(front.IM_NODE_PUBLIC_IP, "192.0.2.10");
  assert.equal(front.IM_NODE_PRIVATE_IP, "10.0.0.10");
  assert.equal(front.IM_NODE_NET_1_IP, "10.0.0.10");
  const wn2 = y.all.children.wn!.hosts["10.0.0.21_2"]!;
  assert.equal(wn2.IM_NODE_FQDN, "wn-2.cluster");
  assert.equal(wn2.IM_NODE_PRIVATE_IP, "10.0.0.21");
  assert.equal(wn2.IM_APP_GCC_VERSION, "12");
  assert.equal(y.all.vars.IM_WN_NUM_VMS, 2);
  assert.equal(y.all.vars.IM_MASTER_FQDN, "front.localdomain");
  assert.deepEqual(Object.keys(y.all.children.allnowindows!.hosts).length, 3);
  assert.ok(
    !inv.text.includes(SECRET_PW) && !inv.text.includes("secretkeybody") && !inv.text.includes("tok-secret"),
  );
  inf.vms[2]!.running = false;
  assert.deepEqual(buildInventory(inf, inf.vms[0]).leftOut, [{ vmId: 2, reason: "it is not running" }]);
});

test("etc_hosts: requested names per interface, vnode defaults, CR LF", () => {
  const inf = infra(null);
  inf.vms[2]!.nics[0]!.dnsNames = [];
  assert.equal(
    etcHosts(inf.vms, inf.settings),
    "192.0.2.10 front.localdomain front\r\n10.0.0.20 wn-1.cluster wn-1\r\n10.0.0.21 vnode-2.localdomain vnode-2\r\n",
  );
});

test("applications: OS packages by last name part, Galaxy roles and collections with versions", () => {
  const inf = infra(null);
  assert.deepEqual(packagesOf(inf.vms[1]!.features), ["sshpass", "gcc"]);
  assert.deepEqual(galaxyRequirements(inf.doc, inf.vms), {
    roles: [{ src: "grycap.docker", version: "v1.2" }],
    collections: [{ name: "community.crypto" }],
  });
});

test("bundle: static files carry no secret; secrets only in 0600 dynamic files", () => {
  const inf = infra(null);
  const plan = contextualizationPlan(inf.doc, inf.vms);
  assert.ok(!plan.disabled);
  if (plan.disabled) return;
  const stat = staticFiles(inf, plan, 3);
  assert.equal(stat.GENERATION!.content, "3\n");
  assert.ok(stat["wn_wn_task_all.yml"]!.content.includes("ignore_unreachable: true"));
  assert.match(stat["main_wn_task.yml"]!.content, /fstype: ext4/);
  for (const [path, f] of Object.entries(stat)) {
    for (const s of [SECRET_PW, "secretkeybody", "tok-secret", "N3w+Master"])
      assert.ok(!f.content.includes(s), `${s} in ${path}`);
  }
  assert.deepEqual(staticFiles(inf, plan, 3), stat, "deterministic");
  const dyn = dynamicFiles(inf, plan, inf.vms[0], 3);
  for (const [path, f] of Object.entries(dyn)) {
    const secretish = [SECRET_PW, "secretkeybody", "tok-secret"].some((s) => f.content.includes(s));
    if (secretish) assert.equal(f.mode, 0o600, path);
  }
  assert.equal(dyn["secrets/vm-1.key"]!.content, SECRET_KEY);
  assert.match(dyn["group_vars/all/secrets.yml"]!.content, /IM_INFRASTRUCTURE_AUTH/);
});

test("contmsg: result line split off; TOSCA-style reading of a task result", () => {
  const out = [
    "Launch task: wn_wn",
    "",
    "TASK [Say hello] ***",
    "ok: [10.0.0.20_1] => {",
    '    "msg": "hello"',
    "}",
    'IM-CTXT-RESULT {"vm":1,"stage":"step2","ok":true,"skipped":false,"tasks":[{"name":"wn_wn","ok":true,"attempts":1,"rc":0}]}',
  ].join("\n");
  const { log, result } = parseStepOutput(out);
  assert.equal(result?.ok, true);
  assert.ok(!log.includes("IM-CTXT-RESULT"));
  assert.deepEqual(taskResultFromLog(log, "wn_wn", "Say hello"), {
    state: "ok",
    host: "10.0.0.20_1",
    result: { msg: "hello" },
  });
  assert.equal(vmStatusLine([result!]), "Contextualization finished successfully.\n");
  assert.equal(
    vmStatusLine([{ ...result!, ok: false, tasks: [{ name: "wn_wn", ok: false, attempts: 1, rc: 2 }] }]),
    "Contextualization failed at wn_wn.\n",
  );
});

function loweredInput(inf: CtxtInfrastructure): ContextualizeInput {
  const plan: DeploymentPlan = {
    version: 1,
    infId: inf.id,
    document: inf.doc,
    clouds: [],
    vms: [],
    nextVmId: 3,
  };
  const vms: LoweredVm[] = inf.vms.map((v) => {
    const pv: PlannedVm = {
      id: v.id,
      system: v.system,
      cloudKey: "k",
      connector: "DeployedNode",
      concrete: inf.doc.systems.find((s) => s.id === v.system)!,
      decisions: {},
      desiredPower: "running",
    };
    plan.vms.push(pv);
    const host = v.nics[0]!.ip!;
    return {
      vm: pv,
      componentId: `vm-${v.id}`,
      readyNodeIds: [`vm-${v.id}`],
      output: {
        cloudKey: "k",
        connector: "DeployedNode",
        instanceId: `i-${v.id}`,
        physical: {},
        name: v.system,
        desiredPower: "running",
        nics: [],
        outports: [],
        ssh: { host, port: 22, user: "cloudadm" },
      },
      secrets: {},
      connection: {
        host,
        port: 22,
        user: "cloudadm",
        ...(v.credentials.password ? { password: { secret: v.credentials.password } } : {}),
      },
      privateIp: host,
    };
  });
  return {
    plan,
    vms,
    nodes: inf.vms.map((v) => ({
      id: `vm-${v.id}`,
      type: "im:index:VirtualMachine",
      name: `vm-${v.id}`,
      args: {},
    })),
  };
}

test("graph: command nodes with barriers, generation triggers, secrets only in stdin and connections", () => {
  const inf = infra([
    { system: "front", configure: "front", step: 1 },
    { system: "wn", configure: "wn", step: 2 },
  ]);
  const input = loweredInput(inf);
  const ctxt = new CommandContextualizer({
    generation: 4,
    configureGenerations: { 1: 3 },
    serverKey: {
      privateKey: "-----BEGIN RSA PRIVATE KEY-----\nserverkeybody\n-----END RSA PRIVATE KEY-----\n",
      publicKey: "ssh-rsa AAAA server",
    },
    bundleRoot: "/srv/ctxt",
    auth: "type = InfrastructureManager; token = tok-secret",
  });
  const out = ctxt.lower(input);
  const byId = new Map(out.nodes.map((n) => [n.id, n]));
  assert.deepEqual(
    out.nodes.map((n) => n.id),
    [
      "ctxt",
      "ctxt-wait-master",
      "ctxt-bootstrap",
      "ctxt-tool",
      "ctxt-bundle",
      "ctxt-activate",
      "ctxt-hosts",
      "ctxt-vm0-basic",
      "ctxt-vm1-basic",
      "ctxt-vm2-basic",
      "ctxt-vm0-main",
      "ctxt-vm1-main",
      "ctxt-vm2-main",
      "ctxt-vm0-step1",
      "ctxt-vm1-step2",
      "ctxt-vm2-step2",
    ],
  );
  assert.deepEqual(byId.get("ctxt-wait-master")!.options?.dependsOn, ["vm-0"]);
  assert.deepEqual(byId.get("ctxt-vm1-main")!.options?.dependsOn, [
    "ctxt-vm0-basic",
    "ctxt-vm1-basic",
    "ctxt-vm2-basic",
  ]);
  assert.deepEqual(byId.get("ctxt-vm1-step2")!.options?.dependsOn, ["ctxt-vm0-step1", "ctxt-vm1-main"]);
  assert.deepEqual(byId.get("ctxt-vm1-basic")!.args.triggers, [4]);
  assert.deepEqual(byId.get("ctxt-vm1-step2")!.args.triggers, [3], "RADL steps follow c(v)");
  assert.deepEqual(byId.get("ctxt-vm2-step2")!.args.triggers, [4]);
  assert.equal(
    byId.get("ctxt-vm1-step2")!.args.create,
    "sh /var/tmp/.im/inf1/gen-current/bin/run-step /var/tmp/.im/inf1/gen-current 1 10.0.0.20_1 step2 wn_wn",
  );
  assert.deepEqual(byId.get("ctxt-bundle")!.args.source, {
    asset: { kind: "fileArchive", path: "/srv/ctxt/inf1/gen-4" },
  });
  for (const n of out.nodes) {
    for (const field of ["create", "update", "triggers"]) {
      const text = JSON.stringify(n.args[field] ?? "");
      for (const s of [SECRET_PW, "N3w+Master", "secretkeybody", "serverkeybody", "tok-secret"])
        assert.ok(!text.includes(s), `${s} in ${n.id}.${field}`);
    }
    if (n.args.stdin !== undefined)
      assert.ok("secret" in (n.args.stdin as object), `${n.id} stdin is secret`);
  }
  assert.ok(JSON.stringify(byId.get("ctxt-activate")!.args.stdin).includes("tok-secret"));
  // The shared runs of each stage: basic and main for every VM; step2 only for VM 2, as VM 1's
  // recipe step keeps c(v) = 3 and is not re-run in generation 4.
  const files = (
    JSON.parse((byId.get("ctxt-activate")!.args.stdin as { secret: string }).secret) as {
      files: Record<string, { content: string }>;
    }
  ).files;
  const stage = (name: string) => JSON.parse(files[`stages/${name}.json`]!.content) as unknown;
  assert.deepEqual(stage("basic"), {
    groups: [
      {
        tasks: ["basic"],
        vms: [
          { vm: 0, host: "192.0.2.10_0", tasks: ["basic"] },
          { vm: 1, host: "10.0.0.20_1", tasks: ["basic"] },
          { vm: 2, host: "10.0.0.20_2", tasks: ["basic"] },
        ],
      },
    ],
  });
  const members = (name: string) =>
    (stage(name) as { groups: { tasks: string[]; vms: { vm: number }[] }[] }).groups.map((g) => [
      g.tasks,
      g.vms.map((v) => v.vm),
    ]);
  assert.deepEqual(members("main"), [
    [["main_front"], [0]],
    [["main_wn"], [1, 2]],
  ]);
  assert.deepEqual(members("step1"), [[["front_front"], [0]]]);
  assert.deepEqual(members("step2"), [[["wn_wn"], [2]]]);
  assert.deepEqual(byId.get("ctxt-activate")!.options?.additionalSecretOutputs, ["stdout", "stderr"]);
  const graph = {
    version: 1 as const,
    nodes: [...input.nodes, ...out.nodes],
    outputs: { vms: {}, shared: { securityGroups: {}, networks: {}, subnets: {} }, vmSecrets: {} },
  };
  assert.equal(validateGraph(graph).length, graph.nodes.length);
  assert.match(
    String(byId.get("ctxt-hosts")!.args.create),
    /ansible-galaxy install -r galaxy-requirements\.yml/,
  );
  assert.deepEqual(ctxt.lower(input), out, "deterministic");
  assert.ok(Object.keys(ctxt.bundleFiles(input)).includes("bin/run-step"));
});

test("graph: disabled contextualization and no master give no nodes and say why", () => {
  const disabled = infra([]);
  const c = new CommandContextualizer({
    generation: 1,
    serverKey: { privateKey: "k", publicKey: "p" },
    bundleRoot: "/x",
  });
  assert.deepEqual(c.lower(loweredInput(disabled)).nodes, []);
  const noMaster = infra(null);
  const input = loweredInput(noMaster);
  input.vms = input.vms.slice(1);
  const out = c.lower(input);
  assert.deepEqual(out.nodes, []);
  assert.match(JSON.stringify(out.outputs), /No correct Master VM found/);
});

test("graph: the server's probe waits for the master, captures its host key and verifies a recorded one", () => {
  const inf = infra([{ system: "front", configure: "front", step: 1 }]);
  const input = loweredInput(inf);
  const serverKey = {
    privateKey: "-----BEGIN RSA PRIVATE KEY-----\nserverkeybody\n-----END RSA PRIVATE KEY-----\n",
    publicKey: "ssh-rsa AAAA server",
  };
  const lower = (hostKeys?: Record<number, string>) =>
    new CommandContextualizer({
      generation: 2,
      serverKey,
      bundleRoot: "/srv/ctxt",
      waitProbe: "server",
      settings: { waitSshAccessTimeout: 45 },
      ...(hostKeys ? { hostKeys } : {}),
    }).lower(input);
  const out = lower();
  const byId = new Map(out.nodes.map((n) => [n.id, n]));
  const wait = byId.get("ctxt-wait-master")!;
  assert.equal(wait.type, "command:local:Command");
  assert.match(String(wait.args.create), /ssh-probe-cli\.(js|ts)'$/);
  for (const s of [SECRET_PW, "serverkeybody"]) assert.ok(!String(wait.args.create).includes(s));
  // stdin: one secret interpolation whose text, once resolved, is the probe's JSON request
  const stdin = wait.args.stdin as { secret: { interpolate: unknown[] } };
  const text = stdin.secret.interpolate
    .map((p) => (typeof p === "string" ? p : (p as { secret: string }).secret))
    .join("");
  const request = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(
    { ...request, privateKey: "…" },
    {
      host: "192.0.2.10",
      port: 22,
      user: "cloudadm",
      password: SECRET_PW,
      privateKey: "…",
      timeoutSeconds: 45,
      label: "the master VM front (VM 0)",
      // where the probe leaves the endpoint for the live log follower: beside the bundles, not in one
      endpointFile: "/srv/ctxt/inf1/master-gen-2.json",
    },
  );
  assert.equal(request.privateKey, serverKey.privateKey, "newlines survive the JSON escaping");
  const captured = { ref: "ctxt-wait-master", prop: "stdout" };
  // The command provider ignores host keys: no connection pretends to pin one.
  for (const n of out.nodes) assert.ok(!JSON.stringify(n.args.connection ?? {}).includes("hostKey"), n.id);
  assert.deepEqual(byId.get("ctxt-bootstrap")!.options?.dependsOn, ["ctxt-wait-master"]);
  assert.deepEqual((out.outputs?.ctxt as { hostKeys?: unknown }).hostKeys, { "0": captured });
  const graph = {
    version: 1 as const,
    nodes: [...input.nodes, ...out.nodes],
    outputs: { vms: {}, shared: { securityGroups: {}, networks: {}, subnets: {} }, vmSecrets: {} },
  };
  assert.equal(validateGraph(graph).length, graph.nodes.length);

  // A key recorded at first contact: the probe verifies it before anything else runs.
  const pinnedKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinned";
  const pinned = new Map(lower({ 0: pinnedKey }).nodes.map((n) => [n.id, n]));
  const pinnedStdin = JSON.stringify(pinned.get("ctxt-wait-master")!.args.stdin);
  assert.ok(pinnedStdin.includes(`"expectedHostKey\\":\\"${pinnedKey}`), pinnedStdin);
  // The default (compiled projects) keeps the provider's own dialing and captures nothing.
  const remote = new CommandContextualizer({ generation: 2, serverKey, bundleRoot: "/srv/ctxt" }).lower(
    input,
  );
  assert.equal(remote.nodes.find((n) => n.id === "ctxt-wait-master")!.type, "command:remote:Command");
  assert.equal((remote.outputs?.ctxt as { hostKeys?: unknown }).hostKeys, undefined);
});

test("ssh probe: fingerprints as ssh-keygen prints them; a closed port ends with the timeout message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "probe-key-"));
  try {
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "c", "-f", join(dir, "k")]);
    const pub = readFileSync(join(dir, "k.pub"), "utf8");
    const listed = spawnSync("ssh-keygen", ["-l", "-f", join(dir, "k.pub")], { encoding: "utf8" }).stdout;
    assert.equal(listed.split(" ")[1], hostKeyFingerprint(pub));
    assert.equal(normalizeHostKey(`|1|abc|def ${pub}`), pub.split(" ").slice(0, 2).join(" "));
    assert.equal(normalizeHostKey("garbage"), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = await probeSsh({
    host: "127.0.0.1",
    port: 1,
    user: "u",
    password: "pw-secret",
    timeoutSeconds: 2,
    retrySeconds: 1,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, 3);
  assert.match(
    r.message,
    /Timeout waiting SSH access \(gave up after [\d.]+ s of 2 s to u@127\.0\.0\.1:1; last error: dial tcp 127\.0\.0\.1:1: connection refused\)/,
  );
  assert.ok(!r.message.includes("pw-secret"));
});
