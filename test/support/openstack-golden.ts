/**
 * Golden mock-program runs of the OpenStack driver (providers.md §11.2): a graph registered under
 * Pulumi's runtime mocks, recorded as (type, name, parent, inputs, options) with secret values
 * redacted and compared with test/providers/golden/openstack/<name>.json (`UPDATE_GOLDEN=1` rewrites).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { format, resolveConfig } from "prettier";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import { registerGraphDetailed } from "../../runtime/register.js";
import { recordingMocks, valueOf, type Registration } from "../runtime/mocks-support.js";
import { openStackMockOutputs } from "./openstack-fixtures.js";
import { repoRoot } from "./paths.js";

export const OPENSTACK_GOLDEN_DIR = join(repoRoot, "test", "providers", "golden", "openstack");

function redact(value: unknown, path: string, secretPaths: Set<string>): unknown {
  if (secretPaths.has(path)) return "[secret]";
  if (Array.isArray(value)) return value.map((v, i) => redact(v, `${path}[${i}]`, secretPaths));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redact(v, path === "" ? k : `${path}.${k}`, secretPaths)]),
    );
  }
  return value;
}

export interface OstMockRun {
  resources: unknown[];
  registrations: Registration[];
  outputs: Record<string, unknown>;
}

export async function runOstUnderMocks(graph: ResourceGraph, stack: string): Promise<OstMockRun> {
  const registrations = await recordingMocks("im", stack, openStackMockOutputs);
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
    parent: r.parent.split("::").pop() ?? "",
    provider: r.provider.split("::").pop()?.split("::")[0] ?? "",
    dependencies: r.dependencies.map((d) => d.split("::").pop()).sort(),
    ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
    ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    ...(r.secretPaths.length > 0 ? { secretPaths: r.secretPaths } : {}),
    inputs: redact(r.inputs, "", new Set(r.secretPaths)),
  }));
  return {
    resources: JSON.parse(JSON.stringify(resources)) as unknown[],
    registrations: sorted,
    outputs: settled,
  };
}

export async function assertOstGolden(name: string, actual: unknown): Promise<void> {
  const file = join(OPENSTACK_GOLDEN_DIR, `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(OPENSTACK_GOLDEN_DIR, { recursive: true });
    writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, "utf8")), `golden ${name}`);
}
