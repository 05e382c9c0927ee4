/**
 * Dynamic-provider resources in emitted projects (OpenNebula, providers.md §6.5). Their classes live
 * in our own provider modules (runtime/dynamic/<module>.ts); an emitted project carries the module's
 * source as `<module>.ts` beside `index.ts` and imports the classes from it, so it needs nothing from
 * radl-pulumi. The compiler does no I/O: the caller (cli/compile.ts) passes the sources in.
 */
import { DYNAMIC_CLASSES, type DynamicModule } from "../graph/tokens.js";
import type { GraphNode } from "../graph/types.js";
import { EmitError } from "./errors.js";

export type DynamicSources = Partial<Record<DynamicModule, string>>;

/** The graph uses a dynamic-provider module whose source the caller did not pass. */
export class MissingDynamicSourceError extends EmitError {
  constructor(readonly module: string) {
    super(
      "E-EMIT-DYNAMIC-SOURCE",
      `the graph uses the ${module} dynamic provider, but its source (${dynamicModuleFile(module as DynamicModule)}) was not given to the emitter`,
    );
  }
}

export function isDynamicToken(type: string): boolean {
  return DYNAMIC_CLASSES[type] !== undefined;
}

/** The project-relative file of a module's source. */
export function dynamicModuleFile(module: DynamicModule): string {
  return `${module}.ts`;
}

/** Modules used by the nodes, sorted. */
export function dynamicModules(nodes: GraphNode[]): DynamicModule[] {
  return [...new Set(nodes.flatMap((n) => DYNAMIC_CLASSES[n.type]?.module ?? []))].sort();
}

/** `import { A, B } from "./<module>";` per module used. */
export function dynamicImports(nodes: GraphNode[]): string[] {
  return dynamicModules(nodes).map((module) => {
    const classes = [
      ...new Set(
        nodes.flatMap((n) =>
          DYNAMIC_CLASSES[n.type]?.module === module ? [DYNAMIC_CLASSES[n.type]!.className] : [],
        ),
      ),
    ].sort();
    return `import { ${classes.join(", ")} } from "./${module}";`;
  });
}

/** The files to add for the modules the nodes use. */
export function dynamicFiles(nodes: GraphNode[], sources: DynamicSources): Record<string, string> {
  const files: Record<string, string> = {};
  for (const module of dynamicModules(nodes)) {
    const text = sources[module];
    if (text === undefined) throw new MissingDynamicSourceError(module);
    files[dynamicModuleFile(module)] = text;
  }
  return files;
}
