/**
 * OpenStack lowering (providers.md §4.7, §9, §11.2): golden mock-program runs of corpus fixtures
 * (their image URLs moved onto the test cloud) and hand-written RADLs; identity tests (add, remove,
 * resize a VM; lowering twice); rule tests (ignoreChanges on userData, one explicit provider,
 * credentials only as secrets, groups on ports); §10 texts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GraphNode } from "../../compiler/graph/types.js";
import { removeVms, resizeVm, setDesiredPower, type CloudCatalog } from "../../compiler/plan/index.js";
import { system } from "../compiler/plan-support.js";
import {
  OpenStackAuthDataError,
  OpenStackDriver,
  VOMS_NOT_SUPPORTED,
} from "../../providers/openstack/index.js";
import {
  HAND_RADLS,
  OST_AUTH,
  OST_CATALOG,
  OST_HOST,
  OST_PASSWORD,
  lowerOst,
  ostAuth,
  planOst,
} from "../support/openstack-fixtures.js";
import { assertOstGolden, runOstUnderMocks } from "../support/openstack-golden.js";
import { corpusDir } from "../support/paths.js";

const CORPUS = ["test_files_reverse.radl", "examples_slurm.radl", "imclient_test_files_test.radl"];

/** Every image URL of the corpus moved onto the test cloud (the corpus names other sites). */
function asOpenStack(text: string): string {
  return text.replace(
    /'(one|ost|docker|aws|gce|azr|appdb|egi):\/\/[^']*'/g,
    `'ost://${OST_HOST}/img-ubuntu'`,
  );
}

const cases: [string, () => string][] = [
  ...Object.entries(HAND_RADLS).map(([name, text]): [string, () => string] => [name, () => text]),
  ...CORPUS.map((f): [string, () => string] => [
    `corpus-${f.replace(/\.radl$/, "")}`,
    () => asOpenStack(readFileSync(join(corpusDir, "radl", f), "utf8")),
  ]),
];

for (const [name, radl] of cases) {
  test(`golden mock program: ${name}`, async () => {
    const plan = await planOst(radl());
    const graph = lowerOst(plan);
    const run = await runOstUnderMocks(graph, `golden-${name}`);
    assert.equal(run.registrations.length, graph.nodes.length, "one registration per node");
    await assertOstGolden(name, {
      resources: run.resources,
      outputs: { vms: run.outputs.vms, shared: run.outputs.shared },
    });
  });
}

function byId(nodes: GraphNode[]): Map<string, GraphNode> {
  return new Map(nodes.map((n) => [n.id, n]));
}

function vmNodes(nodes: GraphNode[], id: number): GraphNode[] {
  return nodes.filter((n) => n.id === `vm-${id}` || n.id.startsWith(`vm-${id}-`));
}

test("identity: adding a VM leaves every other node identical", async () => {
  const radl = HAND_RADLS["public-private-fip"]!;
  const v1 = await planOst(radl);
  const v2 = await planOst(radl.replace("deploy back 2", "deploy back 3"), { previous: v1 });
  const g1 = lowerOst(v1);
  const g2 = lowerOst(v2);
  const after = byId(g2.nodes);
  for (const n of g1.nodes) assert.deepEqual(after.get(n.id), n, `node ${n.id} unchanged`);
  const added = g2.nodes.filter((n) => !byId(g1.nodes).has(n.id)).map((n) => n.id);
  assert.deepEqual(added.sort(), ["vm-3", "vm-3-nic-0", "vm-3-server"]);
});

test("identity: removing a VM removes only its nodes; resizing changes only its server", async () => {
  const radl = HAND_RADLS["public-private-fip"]!;
  const v1 = await planOst(radl);
  const g1 = lowerOst(v1);
  const removed = lowerOst(removeVms(v1, [1]));
  assert.deepEqual(
    g1.nodes
      .filter((n) => !byId(removed.nodes).has(n.id))
      .map((n) => n.id)
      .sort(),
    vmNodes(g1.nodes, 1)
      .map((n) => n.id)
      .sort(),
  );
  for (const n of removed.nodes) assert.deepEqual(n, byId(g1.nodes).get(n.id));

  const resized = lowerOst(resizeVm(v1, 2, system("back", { instance_type: "m1.large" })).plan);
  const changed = resized.nodes.filter((n) => JSON.stringify(n) !== JSON.stringify(byId(g1.nodes).get(n.id)));
  assert.deepEqual(
    changed.map((n) => n.id),
    ["vm-2-server"],
  );
});

test("determinism: planning and lowering twice give identical graphs", async () => {
  for (const radl of Object.values(HAND_RADLS)) {
    assert.deepEqual(lowerOst(await planOst(radl)), lowerOst(await planOst(radl)));
  }
});

test("rules of §11.2: userData ignored on every server, one explicit provider, credentials only as secrets", async () => {
  const plan = await planOst(HAND_RADLS["public-private-fip"]!);
  const graph = lowerOst(plan);
  const run = await runOstUnderMocks(graph, "rules");
  const providers = run.registrations.filter((r) => r.type === "pulumi:providers:openstack");
  assert.equal(providers.length, 1);
  assert.equal(providers[0]!.name, `cloud-${plan.clouds[0]!.cloudKey}`);
  assert.ok(providers[0]!.secretPaths.includes("password"));
  assert.equal(providers[0]!.inputs.authUrl, "https://keystone.example.org:5000/v3");
  for (const r of run.registrations.filter((x) => x.type.startsWith("openstack:"))) {
    assert.ok(
      r.provider.includes("pulumi:providers:openstack::cloud-"),
      `${r.name} uses the explicit provider`,
    );
  }
  for (const r of run.registrations.filter((x) => x.type === "openstack:compute/instance:Instance")) {
    assert.deepEqual(r.ignoreChanges, ["userData"]);
    assert.equal(r.inputs.securityGroups, undefined, "groups go on the ports");
  }
  const publicText = JSON.stringify(run.outputs.vms) + JSON.stringify(run.outputs.shared);
  assert.ok(!publicText.includes(OST_PASSWORD), "no credential in a non-secret output");
  assert.ok(!publicText.includes("PRIVATE KEY"), "no private key in a non-secret output");
  const groups = run.registrations.filter((r) => r.type === "openstack:networking/secGroup:SecGroup");
  assert.ok(groups.every((g) => g.deleteBeforeReplace));
});

test("§10: VOMS proxies and incomplete auth lines are refused with the IM's texts", async () => {
  const radl = HAND_RADLS["public-private-fip"]!;
  await assert.rejects(
    planOst(radl, { auth: OST_AUTH.replace("auth_version = 3.x_password", "auth_version = 2.0_voms") }),
    (e: unknown) => e instanceof OpenStackAuthDataError && e.message === VOMS_NOT_SUPPORTED,
  );
  const incomplete = OST_AUTH.replace(`password = ${OST_PASSWORD}; `, "");
  const plan = await planOst(radl, { auth: incomplete });
  assert.throws(
    () => lowerOst(plan, incomplete),
    (e: unknown) =>
      e instanceof OpenStackAuthDataError &&
      e.message ===
        "No correct auth data has been specified to OpenStack: username, password and tenant or proxy",
  );
});

test("power: stopping a VM changes only its server, to powerState shutoff", async () => {
  const v1 = await planOst(HAND_RADLS["public-private-fip"]!);
  const g1 = lowerOst(v1);
  const stopped = lowerOst(setDesiredPower(v1, [1], "stopped"));
  const changed = stopped.nodes.filter((n) => JSON.stringify(n) !== JSON.stringify(byId(g1.nodes).get(n.id)));
  assert.deepEqual(
    changed.map((n) => [n.id, n.args.powerState]),
    [["vm-1-server", "shutoff"]],
  );
  assert.equal(stopped.outputs.vms["1"]!.desiredPower, "stopped");
});

test("a private VM is reached through its network's proxy_host; a cloud without pools drops private NICs of public VMs", async () => {
  const radl = `network pub (outbound = 'yes')
network priv (proxy_host = 'ssh://jump:jump-pw@bastion.example.org:2222' and proxy_key = 'PROXY-KEY')
system a (net_interface.0.connection = 'pub' and net_interface.1.connection = 'priv' and disk.0.image.url = 'ost://${OST_HOST}/img-ubuntu')
system b (net_interface.0.connection = 'priv' and disk.0.image.url = 'ost://${OST_HOST}/img-ubuntu')
deploy a 1
deploy b 1
`;
  const noPools = {
    ...OST_CATALOG,
    networks: [
      ...(OST_CATALOG.networks as { external?: boolean }[]).filter((n) => n.external !== true),
      { id: "net-prov", name: "provider", subnets: [{ id: "sub-prov", cidr: "158.42.105.0/24" }] },
    ],
  };
  const plan = await planOst(radl, { catalog: noPools as CloudCatalog });
  const lowered = new OpenStackDriver().lower({
    plan,
    cloud: plan.clouds[0]!,
    vms: plan.vms,
    credentials: ostAuth()[0]!,
  });
  const [a, b] = lowered.vms;
  assert.deepEqual(
    a!.output.nics.map((n) => n.radlNet),
    ["pub"],
  );
  assert.equal(a!.connection?.proxy, undefined);
  assert.deepEqual(b!.connection?.proxy, {
    host: "bastion.example.org",
    port: 2222,
    user: "jump",
    password: { secret: "jump-pw" },
    privateKey: { secret: "PROXY-KEY" },
  });
  assert.equal(b!.output.ssh.viaProxy, "bastion.example.org");
  assert.ok(!JSON.stringify(b!.output).includes("jump-pw"));
  const ports = lowered.nodes.filter((n) => n.type === "openstack:networking/port:Port").map((n) => n.id);
  assert.deepEqual(ports, ["vm-0-nic-0", "vm-1-nic-0"]);
  const serverA = lowered.nodes.find((n) => n.id === "vm-0-server")!;
  assert.equal(
    JSON.stringify(serverA.args.networks),
    JSON.stringify([{ port: { ref: "vm-0-nic-0", prop: "id" } }]),
  );
});
