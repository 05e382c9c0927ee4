/**
 * ResourceGraph → a standalone Pulumi project (`radl compile`, the GitOps back end). Pure: returns
 * path → content, writes nothing. The program is printed from the same graph and the same token →
 * class table (compiler/graph SDK_CLASSES) that runtime/register uses, so both register the same
 * resources; the same graph always gives the same bytes.
 */
import type { ResourceGraph } from "../graph/types.js";
import type { ConfigKey } from "./config-keys.js";
import { dynamicFiles, type DynamicSources } from "./dynamic.js";
import { ProjectFileClashError } from "./errors.js";
import { printProgram } from "./program.js";
import { packageJson, pulumiYaml, readme, tsconfigJson, type ProjectSettings } from "./project-files.js";

export type { ConfigKey } from "./config-keys.js";
export * from "./errors.js";
export { MissingDynamicSourceError, type DynamicSources } from "./dynamic.js";
export { PULUMI_VERSION, SDK_VERSIONS } from "./versions.js";

export interface EmitOptions {
  /** Default `im`, the server's project, so URNs match its stacks. */
  project?: string;
  /** Stack name shown in the README; default `dev`. */
  stack?: string;
  /** The RADL file's name, for the header and README. */
  source?: string;
  /**
   * More files of the project, made by the caller beside the graph (the contextualization bundle that
   * a `FileArchive` node of the graph names by its project-relative directory).
   */
  files?: Record<string, string>;
  /** Sources of the dynamic-provider modules the graph uses (runtime/dynamic/<module>.ts), shipped as `<module>.ts`. */
  dynamicSources?: DynamicSources;
}

export interface EmittedProject {
  /** Project-relative path → content, sorted by path. */
  files: Record<string, string>;
  /** The config keys the program reads, in program order (values in memory only). */
  config: ConfigKey[];
}

export function emitProject(graph: ResourceGraph, options: EmitOptions = {}): EmittedProject {
  const settings: ProjectSettings = {
    project: options.project ?? "im",
    stack: options.stack ?? "dev",
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  const program = printProgram(graph);
  const config: ConfigKey[] = program.configReads.map(({ variable: _variable, ...key }) => key);
  const assetFiles = [...program.files.keys()].sort();
  const extraFiles = Object.keys(options.files ?? {}).sort();
  const contextualized = graph.nodes.some((n) => n.type === "im:index:Contextualization");
  const files: Record<string, string> = {
    "Pulumi.yaml": pulumiYaml(settings),
    "package.json": packageJson(settings, program.packages),
    "tsconfig.json": tsconfigJson(),
    "index.ts": program.text,
    "README.md": readme(settings, config, assetFiles, { contextualized, bundle: extraFiles }),
    // Anchored: a bundle's own bin/ directory (tools run on the master) must stay in the repository.
    ".gitignore": "node_modules/\n/bin/\n",
  };
  for (const f of assetFiles) files[f] = program.files.get(f)!;
  Object.assign(files, dynamicFiles(graph.nodes, options.dynamicSources ?? {}));
  for (const f of extraFiles) {
    if (f in files) throw new ProjectFileClashError(f);
    files[f] = options.files![f]!;
  }
  const sorted = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((k) => [k, files[k]!]),
  );
  return { files: sorted, config };
}
