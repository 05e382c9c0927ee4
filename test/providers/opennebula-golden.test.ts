/**
 * Golden mock-program tests of the OpenNebula driver (providers.md §11.2): each corpus RADL with
 * one:// images (and hand-written ones) is planned offline (seeded, catalogue), lowered, registered
 * under Pulumi mocks, and the (type, name, inputs) list compared with a reviewed file in
 * test/providers/golden/opennebula/. `UPDATE_GOLDEN=1` rewrites them (then run prettier on the folder). Then the identity rules:
 * adding, removing, resizing or stopping a VM leaves every other resource identical.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { GraphNode, ResourceGraph } from "../../compiler/graph/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import { lowerPlan, removeVms, resizeVm, setDesiredPower } from "../../compiler/plan/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraph } from "../../runtime/register.js";
import { recordingMocks } from "../runtime/mocks-support.js";
import { corpusDir, repoRoot } from "../support/paths.js";
import { oneLowered, onePlan } from "../support/opennebula-plan.js";

process.on("unhandledRejection", (e) => {
  throw e;
});

const goldenDir = join(repoRoot, "test", "providers", "golden", "opennebula");
const update = process.env.UPDATE_GOLDEN === "1";

const HAND_WRITTEN: Record<string, string> = {
  hand_networks_disks: `
network pub (outbound = 'yes' and outports = '80,443,8000:8100,53/udp,0/icmp' and sg_name = 'web')
network lan (proxy_host = 'ssh://user:pass@gw.example.org:2222')
network storage (provider_id = 'private')
system node (
  cpu.count >= 4 and memory.size >= 8Gi and
  instance_name = 'Node_One' and
  net_interface.0.connection = 'pub' and
  net_interface.1.connection = 'lan' and
  net_interface.2.connection = 'storage' and
  net_interface.2.ip = '10.1.0.50' and
  disk.0.image.url = 'one://one.example.org/12' and
  disk.0.os.credentials.username = 'cloudadm' and
  disk.0.os.credentials.public_key = 'ssh-rsa AAAAB3Nza user@host' and
  disk.0.os.credentials.private_key = '-----BEGIN RSA PRIVATE KEY-----\\nX\\n-----END RSA PRIVATE KEY-----' and
  disk.1.size = 20G and disk.1.device = 'vdb' and disk.1.mount_path = '/data' and
  disk.2.image.url = 'one://one.example.org/44' and disk.2.device = 'vdc'
)
deploy node 2
`,
  hand_private_only: `
network lan ()
system wn (
  net_interface.0.connection = 'lan' and
  disk.0.image.url = 'one://one.example.org/centos-7'
)
deploy wn 1
`,
};

/** Each corpus fixture with a one:// image, pointed at our catalogue's cloud. */
function fixtures(): [string, string][] {
  const dir = join(corpusDir, "radl");
  const out: [string, string][] = [];
  for (const f of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, f), "utf8");
    if (!/^\s*disk\.0\.image\.url\s*=\s*\[?'one:\/\//m.test(text)) continue;
    out.push([f.replace(/\.radl$/, ""), text.replace(/one:\/\/[^/']+/g, "one://one.example.org")]);
  }
  return [...out, ...Object.entries(HAND_WRITTEN)];
}

const mockOutputs = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> => {
  if (type === "pulumi-nodejs:dynamic/one:SecurityGroup") return { sgId: `${name}-sgid` };
  if (type !== "pulumi-nodejs:dynamic/one:VirtualMachine") return {};
  const nics = String(inputs.template ?? "")
    .split("\n")
    .filter((l) => l.startsWith("NIC = "))
    .map((_, i) => ({ network: `net${i}`, networkId: String(i), ip: `10.9.0.${i + 1}` }));
  return { vmId: `${name}-vmid`, state: 3, lcmState: 3, nics };
};

interface GoldenEntry {
  type: string;
  name: string;
  parent: string;
  dependencies: string[];
  secretPaths: string[];
  inputs: Record<string, unknown>;
}

async function registered(graph: ResourceGraph, stack: string): Promise<GoldenEntry[]> {
  const regs = await recordingMocks("im", stack, mockOutputs);
  await registerGraph(graph);
  await pulumi.runtime.disconnect();
  return regs
    .map((r) => {
      const inputs: Record<string, unknown> = { ...r.inputs };
      // the provider's serialised text changes with any edit of runtime/dynamic; it is tested elsewhere
      if (typeof inputs.__provider === "string") inputs.__provider = "<serialised provider>";
      for (const path of r.secretPaths) if (path in inputs) inputs[path] = "<secret>";
      return {
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependencies: [...r.dependencies].sort(),
        secretPaths: r.secretPaths,
        inputs,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1));
}

test("golden programs: every one:// fixture registers the reviewed resources", async () => {
  const seen: string[] = [];
  for (const [name, radl] of fixtures()) {
    let result: unknown;
    try {
      const { graph } = await oneLowered({ radl, infId: `inf-${name}` });
      result = await registered(graph, `golden-${name}`);
    } catch (e) {
      result = { error: `${(e as { code?: string }).code ?? ""}: ${(e as Error).message}` };
    }
    const file = join(goldenDir, `${name}.json`);
    const text = `${JSON.stringify(result, null, 2)}\n`;
    seen.push(name);
    if (update || !existsSync(file)) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(file, text);
      if (!update) assert.fail(`golden file ${file} was missing; written, review it and run again`);
      continue;
    }
    assert.deepEqual(
      JSON.parse(text),
      JSON.parse(readFileSync(file, "utf8")),
      `${name} differs from its golden file`,
    );
  }
  assert.ok(seen.length >= 10, `fixtures: ${seen.join(", ")}`);
  const files = readdirSync(goldenDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""));
  assert.deepEqual(files.sort(), [...seen].sort(), "no stale golden files");
});

const BASE = `
network pub (outbound = 'yes' and outports = '80')
network lan ()
system front (
  cpu.count = 2 and memory.size = 2G and
  net_interface.0.connection = 'pub' and net_interface.1.connection = 'lan' and
  disk.0.image.url = 'one://one.example.org/7'
)
system wn (
  cpu.count = 1 and memory.size = 1G and
  net_interface.0.connection = 'lan' and
  disk.0.image.url = 'one://one.example.org/8'
)
deploy front 1
deploy wn 2
`;

function byId(graph: ResourceGraph): Map<string, GraphNode> {
  return new Map(graph.nodes.map((n) => [n.id, n]));
}

/** Every node of `before` not belonging to the VMs in `touched` is in `after`, identical. */
function assertUntouched(before: ResourceGraph, after: ResourceGraph, touched: number[], what: string): void {
  const a = byId(after);
  const mine = (id: string) => touched.some((vm) => id === `vm-${vm}` || id.startsWith(`vm-${vm}-`));
  for (const [id, node] of byId(before)) {
    if (mine(id)) continue;
    assert.deepEqual(a.get(id), node, `${what}: ${id} is unchanged`);
  }
  for (const id of a.keys()) {
    if (!byId(before).has(id)) assert.ok(mine(id), `${what}: only the touched VM's nodes are new (${id})`);
  }
}

test("identity (§11.2): add, remove, resize and stop leave the other resources as they were; lowering is deterministic", async () => {
  const { plan, auth, driver } = await onePlan({ radl: BASE });
  const drivers = driverRegistry([driver]);
  const v1 = lowerPlan(plan, drivers, { auth });
  assert.deepEqual(lowerPlan(plan, drivers, { auth }), v1, "lowering twice gives the same graph");
  assert.deepEqual(
    (await onePlan({ radl: BASE })).plan,
    plan,
    "planning twice with the same seed gives the same plan (keys included)",
  );

  const added = await onePlan({ radl: BASE.replace("deploy wn 2", "deploy wn 3"), previous: plan });
  const v2 = lowerPlan(added.plan, drivers, { auth });
  assert.equal(added.plan.vms.length, 7, "add mode adds the deploys again: 1 + 3 new VMs");
  assertUntouched(v1, v2, [3, 4, 5, 6], "add");
  assert.ok(byId(v2).has("vm-6-server"));

  const removed = lowerPlan(removeVms(plan, [1]), drivers, { auth });
  assertUntouched(v1, removed, [1], "remove");
  assert.ok(!byId(removed).has("vm-1-server"));

  const requested = structuredClone(loadValidRadl(BASE).systems.find((s) => s.id === "wn")!);
  requested.features.features.set("cpu.count", {
    kind: "number",
    lower: { op: "=", num: { value: 4, isFloat: false, text: "4" } },
  });
  const resized = resizeVm(plan, 2, requested);
  assert.ok(resized.changed);
  const v3 = lowerPlan(resized.plan, drivers, { auth });
  assertUntouched(v1, v3, [2], "resize");
  const server = byId(v3).get("vm-2-server")!;
  assert.equal(server.args.cpu, 4);
  assert.deepEqual(
    server.args.template,
    byId(v1).get("vm-2-server")!.args.template,
    "a resize keeps the template: no replacement",
  );

  const stopped = lowerPlan(setDesiredPower(plan, [0], "stopped"), drivers, { auth });
  assertUntouched(v1, stopped, [0], "stop");
  assert.equal(byId(stopped).get("vm-0-server")!.args.desiredState, "suspended");
  assert.deepEqual(
    { ...byId(stopped).get("vm-0-server")!.args, desiredState: "running" },
    byId(v1).get("vm-0-server")!.args,
  );

  const last = lowerPlan(removeVms(plan, [0]), drivers, { auth });
  assert.ok(
    !last.nodes.some((n) => n.type === "pulumi-nodejs:dynamic/one:SecurityGroup"),
    "the public network's group goes with its last VM",
  );
});
