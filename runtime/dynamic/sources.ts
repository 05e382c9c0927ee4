/**
 * The source text of our dynamic-provider modules, for `radl compile` to ship beside an emitted
 * `index.ts` (compiler/emit/dynamic.ts). The TypeScript file is read, not the compiled one: run
 * from dist/ (dist/runtime/dynamic/sources.js) it is found in the repository's runtime/dynamic/.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { DynamicModule } from "../../compiler/graph/tokens.js";
import { RadlPulumiError } from "../../compiler/errors.js";

export class DynamicSourceMissingError extends RadlPulumiError {
  constructor(module: string, tried: string[]) {
    super(
      "E-DYNAMIC-SOURCE",
      `the ${module} dynamic provider's source was not found (tried ${tried.join(", ")})`,
    );
  }
}

export async function dynamicProviderSource(module: DynamicModule): Promise<string> {
  const candidates = [
    new URL(`./${module}.ts`, import.meta.url),
    new URL(`../../../runtime/dynamic/${module}.ts`, import.meta.url),
  ].map((u) => fileURLToPath(u));
  for (const path of candidates) {
    try {
      return await readFile(path, "utf8");
    } catch {
      // try the next place
    }
  }
  throw new DynamicSourceMissingError(module, candidates);
}

/** Sources of the modules a graph's nodes use (module → text). */
export async function dynamicProviderSources(
  modules: Iterable<DynamicModule>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of new Set(modules)) out[m] = await dynamicProviderSource(m);
  return out;
}
