/**
 * What the IM puts in the Deployment's single container and labels (providers.md §5.2), read from
 * the concrete system. Pure functions.
 */
import { numberFeature, stringFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import { numberAsWritten } from "../../compiler/plan/system-features.js";

/** `cpu.count` as Python's str() prints it (`2`, `0.5`, `2.0` for a float literal). */
export function cpuQuantity(fs: FeatureSet): string | undefined {
  const v = fs.features.get("cpu.count");
  if (v?.kind !== "number") return undefined;
  const bound = v.lower ?? v.upper;
  if (bound === undefined) return undefined;
  const n = bound.num.value;
  return bound.num.isFloat && Number.isInteger(n) ? `${n}.0` : String(n);
}

/** `memory.size` in bytes (providers.md §2.6: Kubernetes takes bytes). */
export function memoryQuantity(fs: FeatureSet): string | undefined {
  const bytes = numberFeature(fs, "memory.size");
  return bytes === undefined ? undefined : String(Math.round(bytes));
}

export function gpuQuantity(fs: FeatureSet): string | undefined {
  const gpu = numberAsWritten(fs, "gpu.count");
  return gpu === undefined || gpu.value === 0 ? undefined : String(gpu.value);
}

/** limits = requests (the requested size is allocated as it is). */
export function containerResources(fs: FeatureSet): Record<string, string> {
  const out: Record<string, string> = {};
  const cpu = cpuQuantity(fs);
  const memory = memoryQuantity(fs);
  const gpu = gpuQuantity(fs);
  if (cpu !== undefined) out.cpu = cpu;
  if (memory !== undefined) out.memory = memory;
  if (gpu !== undefined) out["nvidia.com/gpu"] = gpu;
  return out;
}

/** `environment.variables`: `k=v,k2="v,2"` (a value with commas is double-quoted). */
export function environmentVariables(fs: FeatureSet): { name: string; value: string }[] {
  const text = stringFeature(fs, "environment.variables");
  if (text === undefined || text === "") return [];
  const pattern = /([^,=]+)=(".*?(?<!\\)"|[^,]*)/g;
  return [...text.matchAll(pattern)].map((m) => ({
    name: m[1]!.trim(),
    value: m[2]!.replace(/^[ "]+|[ "]+$/g, ""),
  }));
}

/** `command` split on whitespace: the first word is the container command, the rest its args. */
export function commandAndArgs(fs: FeatureSet): { command?: string[]; args?: string[] } {
  const v = fs.features.get("command");
  const words =
    v?.kind === "list"
      ? [...v.value]
      : v?.kind === "string"
        ? v.value.split(/\s+/).filter((w) => w !== "")
        : [];
  if (words.length === 0) return {};
  return words.length > 1 ? { command: [words[0]!], args: words.slice(1) } : { command: [words[0]!] };
}

export function isPrivileged(fs: FeatureSet): boolean {
  return stringFeature(fs, "docker.privileged") === "yes";
}

/** Deployment labels: `name=<pod>` plus the tags, their values stripped of punctuation (§2.4). */
export function deploymentLabels(tags: Record<string, string>, pod: string): Record<string, string> {
  const labels: Record<string, string> = { name: pod };
  for (const [k, v] of Object.entries(tags)) {
    labels[k] = v.replace(/[!"#$%&'()*+,/:;<=>?@[\\\]^`{|}~ ]/g, "").replace(/^[_-]+/, "");
  }
  return labels;
}
