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
import { removeVms, resizeVm } from "../../compiler/plan/index.js";
import { system } from "../compiler/plan-support.js";
import { OpenStackAuthDataError, VOMS_NOT_SUPPORTED } from "../../providers/openstack/index.js";
import {
  HAND_RADLS,
  OST_AUTH,
  OST_HOST,
  OST_PASSWORD,
  lowerOst,
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
