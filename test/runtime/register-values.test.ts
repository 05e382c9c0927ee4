import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { emptyGraph, interpolate, ref, secret, type ResourceGraph } from "../../compiler/graph/index.js";
import { UnknownOutputError } from "../../runtime/errors.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf } from "./mocks-support.js";

const registrations = await recordingMocks("im", "inf-values", (type, name) =>
  type === "command:local:Command"
    ? { stdout: JSON.stringify({ nested: { list: [`${name}-a`, `${name}-b`] } }) }
    : {},
);

function graph(): ResourceGraph {
  const g = emptyGraph();
  g.nodes.push(
    { id: "ctxt", type: "im:index:Contextualization", name: "ctxt", args: {} },
    {
      id: "probe",
      type: "command:local:Command",
      name: "probe",
      args: { create: "probe", stdin: secret(interpolate("token=", 42)), triggers: [1, "two", { three: 3 }] },
      options: { parent: "ctxt", additionalSecretOutputs: ["stdout"], retainOnDelete: true },
    },
    {
      id: "bundle",
      type: "command:remote:CopyToRemote",
      name: "bundle",
      args: {
        connection: {
          host: "127.0.0.1",
          port: 2222,
          user: "u",
          privateKey: secret("PEM"),
          dialErrorLimit: 5,
          perDialTimeout: 10,
        },
        source: { asset: { kind: "fileArchive", path: "/srv/im/inf/gen-1" } },
        remotePath: "/tmp/x",
        triggers: [ref("probe", "stdout"), ref("probe")],
      },
      options: { parent: "ctxt", dependsOn: ["probe"], customTimeouts: { create: "5m" } },
    },
  );
  return g;
}

test("secrets, interpolations, literals, assets and resource refs reach the SDK as Pulumi values", async () => {
  const g = graph();
  const { resources } = await registerGraphDetailed(g);
  const probeStdout = await valueOf(
    (resources.get("probe") as unknown as { stdout: pulumi.Output<string> }).stdout,
  );
  await pulumi.runtime.disconnect();
  assert.deepEqual(
    registrations.map((r) => r.name),
    ["ctxt", "probe", "bundle"],
  );
  const [, probe, bundle] = registrations;
  assert.equal(probe!.inputs.stdin, "token=42");
  assert.ok(probe!.secretPaths.includes("stdin"));
  assert.deepEqual(probe!.inputs.triggers, [1, "two", { three: 3 }]);
  assert.equal(probe!.retainOnDelete, true);
  assert.ok(probe!.additionalSecretOutputs.includes("stdout"));
  const source = bundle!.inputs.source as pulumi.asset.FileArchive;
  assert.ok(pulumi.asset.Archive.isInstance(source));
  assert.equal(await source.path, "/srv/im/inf/gen-1");
  const triggers = bundle!.inputs.triggers as unknown[];
  assert.equal(triggers[0], probeStdout);
  const referenced = triggers[1] as pulumi.Resource;
  assert.ok(
    pulumi.Resource.isInstance(referenced),
    "a ref without prop is the resource itself (a resource reference)",
  );
  assert.equal(await valueOf(referenced.urn), probe!.urn);
  assert.ok(bundle!.dependencies.includes(probe!.urn));
});

test("a ref to an output the resource does not have is a typed error naming node and output", async () => {
  const g = graph();
  g.nodes[2]!.args.remotePath = ref("ctxt", "id");
  for (const n of g.nodes) n.name = `bad-${n.name}`;
  await assert.rejects(
    registerGraphDetailed(g),
    (e: unknown) =>
      e instanceof UnknownOutputError &&
      e.code === "E-REGISTER-UNKNOWN-OUTPUT" &&
      /node 'ctxt' has no output 'id'/.test(e.message),
  );
});
