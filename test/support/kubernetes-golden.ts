/**
 * Golden mock-program runs for the Kubernetes driver (providers.md §11.2): a graph registered under
 * Pulumi's runtime mocks, recorded as (type, name, inputs, options) with secret values redacted,
 * and compared with a reviewed file in test/providers/golden/kubernetes/ (`UPDATE_GOLDEN=1` rewrites).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { format, resolveConfig } from "prettier";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import { repoRoot } from "./paths.js";

export const KUBERNETES_GOLDEN_DIR = join(repoRoot, "test", "providers", "golden", "kubernetes");

/** What the cluster fills in: NodePorts for every Service port (the requested one or the next free) and a cluster IP. */
export function kubernetesMockOutputs(
  type: string,
  _name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  if (type !== "kubernetes:core/v1:Service") return {};
  const spec = (inputs.spec ?? {}) as { type?: string; ports?: Record<string, unknown>[] };
  let next = 31000;
  const ports = (spec.ports ?? []).map((p) =>
    spec.type === "NodePort" ? { ...p, nodePort: (p.nodePort as number | undefined) ?? next++ } : p,
  );
  return { spec: { ...spec, ports, clusterIP: "10.96.0.10" } };
}

const REDACTED = "[secret]";

function redact(value: unknown, path: string, secretPaths: Set<string>): unknown {
  if (secretPaths.has(path)) return REDACTED;
  if (Array.isArray(value)) return value.map((v, i) => redact(v, `${path}[${i}]`, secretPaths));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redact(v, path === "" ? k : `${path}.${k}`, secretPaths)]),
    );
  }
  return value;
}

export interface GoldenRecord {
  type: string;
  name: string;
  parent: string;
  provider: string;
  dependencies: string[];
  deleteBeforeReplace: boolean;
  secretPaths: string[];
  inputs: unknown;
}

export interface MockRun {
  /** Sorted by URN; secret input values replaced by "[secret]". */
  resources: GoldenRecord[];
  /** The raw registrations (secret values visible), for rule tests. */
  registrations: Registration[];
  outputs: Record<string, unknown>;
}

/** Registers the graph under mocks in stack `stack` and settles its outputs. */
export async function runUnderMocks(graph: ResourceGraph, stack: string): Promise<MockRun> {
  const registrations = await recordingMocks("im", stack, kubernetesMockOutputs);
  const { outputs } = await registerGraphDetailed(graph);
  const settled: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) {
    settled[k] = JSON.parse(JSON.stringify((await valueOf(pulumi.output(v))) ?? null));
  }
  await pulumi.runtime.disconnect();
  const sorted = [...registrations].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const resources = sorted.map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent,
    provider: r.provider,
    dependencies: [...r.dependencies].sort(),
    deleteBeforeReplace: r.deleteBeforeReplace,
    secretPaths: r.secretPaths,
    inputs: redact(r.inputs, "", new Set(r.secretPaths)),
  }));
  return { resources, registrations: sorted, outputs: settled };
}

/** Compares with `<name>.json`, or writes it (formatted as the repository's prettier check wants) when UPDATE_GOLDEN=1. */
export async function assertGolden(name: string, actual: unknown): Promise<void> {
  const file = join(KUBERNETES_GOLDEN_DIR, `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(KUBERNETES_GOLDEN_DIR, { recursive: true });
    writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, "utf8")), `golden ${name}`);
}
