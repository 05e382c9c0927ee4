/**
 * `radl compile` for OpenNebula: the emitted project carries the dynamic provider's source as
 * `opennebula.ts` beside `index.ts`, registers under mocks exactly what registerGraph registers
 * (the serialised `__provider` text aside: it is compiled from different files), and type-checks
 * with tsc against the real SDK typings.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import ts from "typescript";
import { parseAuthText } from "../../compiler/auth/index.js";
import { emitProject, MissingDynamicSourceError } from "../../compiler/emit/index.js";
import { loadValidRadl } from "../../compiler/load.js";
import { compileDocument } from "../../cli/compile.js";
import { OpenNebulaDriver } from "../../providers/opennebula/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import { emitTestRoot, materialize, removeEmitTestRoot } from "../support/emit-run.js";
import { repoRoot } from "../support/paths.js";
import { ONE_AUTH, ONE_CATALOG } from "../support/opennebula-plan.js";

process.on("unhandledRejection", (e) => {
  throw e;
});
after(removeEmitTestRoot);

const RADL = `
network publica (outbound = 'yes' and outports = '80')
network privada ()
system front (
  cpu.count = 2 and memory.size = 2G and
  net_interface.0.connection = 'publica' and net_interface.1.connection = 'privada' and
  disk.0.image.url = 'one://one.example.org/7' and disk.1.size = 5G and disk.1.device = 'vdb'
)
system wn (
  net_interface.0.connection = 'privada' and
  disk.0.image.url = 'one://one.example.org/ubuntu' and
  disk.0.os.credentials.password = 'img-pass'
)
deploy front 1
deploy wn 1
`;

async function compiled() {
  return compileDocument({
    document: loadValidRadl(RADL, { source: "one.radl" }),
    auth: parseAuthText(ONE_AUTH, { strict: true }),
    stack: "one-emit",
    seed: "one",
    drivers: driverRegistry([new OpenNebulaDriver({ templateContext: 'NETWORK = "YES"' })]),
    catalogs: { one: ONE_CATALOG },
  });
}

const mockOutputs = (type: string, name: string): Record<string, unknown> =>
  type === "pulumi-nodejs:dynamic/one:VirtualMachine"
    ? {
        vmId: `${name}-id`,
        state: 3,
        nics: [
          { network: "public", networkId: "0", ip: "158.42.1.10" },
          { network: "private", networkId: "1", ip: "10.1.0.10" },
        ],
      }
    : type === "pulumi-nodejs:dynamic/one:SecurityGroup"
      ? { sgId: "100" }
      : {};

/** Assets and archives as plain data (their fields are promises, which deepEqual cannot see into). */
async function plain(value: unknown): Promise<unknown> {
  if (value === null || typeof value !== "object") return value;
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    const a = value as unknown as Record<string, Promise<unknown> | undefined>;
    return { asset: { text: await a.text, path: await a.path, assets: await plain(await a.assets) } };
  }
  if (Array.isArray(value)) return Promise.all((value as unknown[]).map(plain));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
  return out;
}

interface Run {
  registrations: Registration[];
  outputs: Record<string, unknown>;
}

async function settle(recorded: Registration[], outputs: Record<string, unknown>): Promise<Run> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs))
    values[k] = JSON.parse(JSON.stringify((await valueOf(pulumi.output(v))) ?? null));
  await pulumi.runtime.disconnect();
  const registrations = (
    await Promise.all(
      recorded.map(async (r) => ({
        ...r,
        inputs: { ...((await plain(r.inputs)) as object), __provider: typeof r.inputs.__provider },
      })),
    )
  ).sort((a, b) => (a.urn < b.urn ? -1 : 1));
  return { registrations, outputs: values };
}

/** Transpiles every top-level .ts file of the emitted project to CommonJS and requires index.js. */
function runEmitted(dir: string): Record<string, unknown> {
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const { outputText } = ts.transpileModule(readFileSync(join(dir, f), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
      fileName: f,
    });
    writeFileSync(join(dir, f.replace(/\.ts$/, ".js")), outputText);
  }
  return createRequire(join(dir, "package.json"))(join(dir, "index.js")) as Record<string, unknown>;
}

test("the project ships opennebula.ts (the provider's own source) and index.ts imports its classes", async () => {
  const { project } = await compiled();
  assert.equal(
    project.files["opennebula.ts"],
    readFileSync(join(repoRoot, "runtime/dynamic/opennebula.ts"), "utf8"),
  );
  const index = project.files["index.ts"]!;
  assert.match(index, /import \{ OneSecurityGroup, OneVirtualMachine \} from "\.\/opennebula";/);
  assert.match(index, /new OneVirtualMachine\("vm-0-server", \{/);
  assert.doesNotMatch(index, /onepass|img-pass/, "credentials are config keys, not text");
  assert.ok(project.config.some((k) => k.secret && k.value === "oneadmin:onepass"));
  const { graph } = await compiled();
  assert.throws(() => emitProject(graph), MissingDynamicSourceError);
});

test("emitted program and registerGraph register the same OpenNebula resources and outputs", async () => {
  const { graph, project } = await compiled();
  const recorded1 = await recordingMocks("im", "one-emit", mockOutputs);
  const { outputs } = await registerGraphDetailed(graph);
  const expected = await settle(recorded1, outputs);

  const dir = materialize("one-emit", project);
  const recorded2 = await recordingMocks("im", "one-emit", mockOutputs);
  for (const key of project.config) pulumi.runtime.setConfig(`im:${key.key}`, key.value);
  const actual = await settle(recorded2, runEmitted(dir));

  assert.equal(expected.registrations.length, graph.nodes.length, "every node registered");
  assert.deepEqual(actual.registrations, expected.registrations);
  assert.deepEqual(actual.outputs, expected.outputs);
  const vms = expected.outputs.vms as Record<string, { ssh: { host: string }; instanceId: string }>;
  assert.equal(vms["0"]!.ssh.host, "158.42.1.10");
  assert.equal(vms["0"]!.instanceId, "vm-0-server-id");
  const server = expected.registrations.find((r) => r.name === "vm-0-server")!;
  assert.equal(server.inputs.__provider, "string");
  assert.match(String(server.inputs.template), /SECURITY_GROUPS = "100"/);
});

test("the emitted project type-checks with tsc (and a misuse is caught)", { timeout: 240_000 }, async () => {
  const { project } = await compiled();
  const good = materialize("one-tsc", project);
  const badProject = structuredClone(project);
  badProject.files["index.ts"] = badProject.files["index.ts"]!.replace(
    'desiredState: "running"',
    'desiredState: "paused"',
  );
  assert.notEqual(badProject.files["index.ts"], project.files["index.ts"]);
  const bad = materialize("one-tsc-bad", badProject);
  // one tsc run for both (it is slow): errors must come from the bad copy only
  const config = {
    compilerOptions: { ...JSON.parse(project.files["tsconfig.json"]!).compilerOptions, noEmit: true },
    files: [join(good, "index.ts"), join(bad, "index.ts")],
  };
  const tsconfig = join(emitTestRoot, "one-tsconfig.json");
  writeFileSync(tsconfig, JSON.stringify(config));
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig],
    {
      encoding: "utf8",
      timeout: 200_000,
    },
  );
  const errors = run.stdout.split("\n").filter((l) => /error TS/.test(l));
  assert.ok(errors.length > 0, "tsc reports the misuse");
  assert.deepEqual(
    errors.filter((l) => !l.includes("one-tsc-bad/index.ts(")),
    [],
    `tsc took ${(Date.now() - started) / 1000} s`,
  );
});
