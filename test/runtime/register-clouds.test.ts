import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { KNOWN_TOKENS, isComponentToken } from "../../compiler/graph/index.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { SDK_CLASSES, isTableToken, loadPackage, sdkClass } from "../../runtime/token-table.js";
import { expectedValue, matchRegistrations } from "./graph-expect.js";
import { recordingMocks, valueOf } from "./mocks-support.js";
import { CLOUD_MOCK_OUTPUTS, cloudGraph } from "../support/emit-graphs.js";

const registrations = await recordingMocks("im", "inf-clouds", (type) => CLOUD_MOCK_OUTPUTS[type] ?? {});

/** Keys the SDKs add on their own (Kubernetes apiVersion/kind; provider defaults; provider version pins). */
function withoutSdkAdditions(
  type: string,
  inputs: Record<string, unknown>,
  expected: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (k in expected) out[k] = v;
  const extra = Object.keys(inputs).filter((k) => !(k in expected));
  const allowed = type.startsWith("kubernetes:")
    ? ["apiVersion", "kind"]
    : type.startsWith("pulumi:providers:")
      ? extra // provider resources carry the SDK's own configuration defaults
      : [];
  assert.deepEqual(
    extra.filter((k) => !allowed.includes(k)),
    [],
    `${type}: unexpected inputs`,
  );
  return out;
}

/** Provider inputs travel as strings (non-string values JSON-encoded). */
function providerNormal(v: unknown): unknown {
  if (typeof v === "boolean" || typeof v === "number") return JSON.stringify(v);
  return v;
}

test("every known token has an SDK class that registers exactly that token", async () => {
  for (const token of KNOWN_TOKENS) assert.ok(isTableToken(token), `${token} is in the token table`);
  for (const token of Object.keys(SDK_CLASSES))
    assert.ok(KNOWN_TOKENS.has(token), `${token} is a known token`);
  for (const [token, classRef] of Object.entries(SDK_CLASSES)) {
    const cls = sdkClass(await loadPackage(classRef.pkg), classRef) as unknown as { __pulumiType: string };
    const registered = token.startsWith("pulumi:providers:")
      ? `pulumi:providers:${cls.__pulumiType}`
      : cls.__pulumiType;
    assert.equal(registered, token);
  }
});

test("a hand-written aws/openstack/kubernetes graph registers exactly its nodes under mocks", async () => {
  // The command nodes (SDK connection defaults, asset archives) are compared node for node with
  // the emitted program in test/compiler/emit-equivalence.test.ts.
  const graph = cloudGraph();
  graph.nodes = graph.nodes.filter((n) => !n.type.startsWith("command:") && n.id !== "ctxt");
  const { outputs } = await registerGraphDetailed(graph);
  const summary = await valueOf(outputs.summary!);
  const vms = (await valueOf(outputs.vms!)) as Record<
    string,
    { instanceId: string; nics: { ip: string }[]; ssh: { host: string } }
  >;
  const shared = (await valueOf(outputs.shared!)) as { securityGroups: Record<string, string> };
  await pulumi.runtime.disconnect();

  assert.deepEqual(
    registrations.map((r) => `${r.type}::${r.name}`).sort(),
    graph.nodes.map((n) => `${n.type}::${n.name}`).sort(),
  );
  const byNode = matchRegistrations(graph, registrations);
  const stateOf = (id: string) => {
    const r = byNode.get(id)!;
    return { ...r.inputs, id: `${r.name}-id`, ...(CLOUD_MOCK_OUTPUTS[r.type] ?? {}) };
  };
  for (const node of graph.nodes) {
    const reg = byNode.get(node.id)!;
    const o = node.options ?? {};
    if (isComponentToken(node.type)) {
      assert.deepEqual(reg.inputs, {});
    } else {
      const expected = expectedValue(node.args as never, stateOf) as Record<string, unknown>;
      const actual = withoutSdkAdditions(node.type, reg.inputs, expected);
      if (node.type.startsWith("pulumi:providers:")) {
        assert.deepEqual(
          actual,
          Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, providerNormal(v)])),
          node.id,
        );
      } else {
        assert.deepEqual(actual, expected, `inputs of ${node.id}`);
      }
    }
    assert.equal(
      reg.parent === "" ? undefined : reg.parent,
      o.parent === undefined ? undefined : byNode.get(o.parent)!.urn,
    );
    if (o.provider !== undefined)
      assert.ok(reg.provider.startsWith(`${byNode.get(o.provider)!.urn}::`), `provider of ${node.id}`);
    for (const dep of o.dependsOn ?? [])
      assert.ok(reg.dependencies.includes(byNode.get(dep)!.urn), `${node.id} → ${dep}`);
    assert.deepEqual(reg.ignoreChanges, o.ignoreChanges ?? [], `ignoreChanges of ${node.id}`);
    assert.equal(
      reg.deleteBeforeReplace,
      o.deleteBeforeReplace ?? false,
      `deleteBeforeReplace of ${node.id}`,
    );
    assert.equal(reg.protect, o.protect ?? false, `protect of ${node.id}`);
  }
  // Secrets stay secret on the way in.
  assert.ok(byNode.get("cloud-EC2-0123456789")!.secretPaths.includes("secretKey"));
  assert.ok(byNode.get("cloud-OpenStack-abcdef0123")!.secretPaths.includes("password"));
  assert.ok(byNode.get("cloud-Kubernetes-fedcba9876")!.secretPaths.includes("kubeconfig"));
  assert.ok(!byNode.get("vm-0-server")!.secretPaths.includes("userData"));
  // Refs resolved, nested paths included.
  assert.deepEqual(byNode.get("vm-0-server")!.inputs.vpcSecurityGroupIds, ["shared-EC2-0123456789-sg-id"]);
  assert.equal(byNode.get("vm-1-fipassoc-0")!.inputs.floatingIp, "1.2.3.4");
  assert.equal(vms["0"]!.instanceId, "vm-0-server-id");
  assert.equal(vms["0"]!.ssh.host, "54.1.2.3");
  assert.equal(vms["1"]!.nics[0]!.ip, "192.168.0.7");
  assert.equal(shared.securityGroups.public, "shared-EC2-0123456789-sg-id");
  assert.equal(summary, "ec2=vm-0-server-id fip=1.2.3.4");
  assert.equal(await pulumi.isSecret(outputs.vmSecrets!), true);
});
