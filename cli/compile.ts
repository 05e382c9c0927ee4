import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative } from "node:path";
import { parseAuthText } from "../compiler/auth/index.js";
import type { AuthItem } from "../compiler/auth/types.js";
import { isError } from "../compiler/diagnostic.js";
import { emitProject, type EmittedProject } from "../compiler/emit/index.js";
import { dynamicModules } from "../compiler/emit/dynamic.js";
import { dynamicProviderSources } from "../runtime/dynamic/sources.js";
import type { ResourceGraph } from "../compiler/graph/types.js";
import type { RadlDocument } from "../compiler/ir.js";
import { loadRadl } from "../compiler/load.js";
import type { CloudCatalog } from "../compiler/plan/driver.js";
import { lowerPlanDetailed, planDeployment, type DriverLookup } from "../compiler/plan/index.js";
import type { RandomSource } from "../compiler/plan/types.js";
import { driverRegistry } from "../providers/registry.js";
import { CommandContextualizer, CTXT_COMPONENT } from "../runtime/contextualize/graph.js";
import { generateServerKey, type ServerKey } from "../runtime/contextualize/server-key.js";
import { parseCommandArgs, type Command } from "./command.js";
import { parseCatalogFile } from "./compile-catalog.js";
import { EXIT_INTERRUPTED, withInterrupt } from "./progress.js";
import { awaitPlanning, CompileCancelledError, type PlanWaitOptions } from "./compile-progress.js";
import { reportDiagnostics } from "./diagnostics.js";
import { OutputFileError, UsageError } from "./errors.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { readInput } from "./input.js";

export interface CompileInput {
  document: RadlDocument;
  auth: AuthItem[];
  stack: string;
  /** Seeds the plan's random choices, so the same input gives the same project. */
  seed: string;
  source?: string;
  drivers?: DriverLookup;
  /** The contextualization key pair; default: a new one (it is only ever a secret config value). */
  serverKey?: ServerKey;
  /** Ctrl-C and the "discovering…" notice while planning waits on clouds. */
  planning?: PlanWaitOptions;
  /** Discovery answers per auth item id (`--catalog FILE`). */
  catalogs?: Record<string, CloudCatalog>;
}

/**
 * A random source drawn from sha256(seed, counter): plan choices that are random for the server
 * (names with a UUID, generated keys) are the same on every compile of the same input (rule D1).
 */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  return {
    bytes(length) {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const block = createHash("sha256").update(`${seed}\0${counter++}`).digest();
        const n = Math.min(block.length, length - filled);
        out.set(block.subarray(0, n), filled);
        filled += n;
      }
      return out;
    },
  };
}

/** Where the contextualization bundle sits in an emitted project (`bundle/<stack>/gen-<g>/`). */
export const BUNDLE_ROOT = "bundle";

/** A server key made on first use: RSA-3072 generation costs 0.1-1 s, and most RADLs without a master never need it. */
function lazyServerKey(): ServerKey {
  let key: ServerKey | undefined;
  const get = (): ServerKey => (key ??= generateServerKey());
  return {
    get privateKey() {
      return get().privateKey;
    },
    get publicKey() {
      return get().publicKey;
    },
  };
}

/** Plan and lower as the server does (built-in drivers, the contextualizer), then print the project. */
export async function compileDocument(
  input: CompileInput,
): Promise<{ graph: ResourceGraph; project: EmittedProject }> {
  const drivers = input.drivers ?? driverRegistry();
  const plan = await awaitPlanning(
    planDeployment({
      infId: input.stack,
      document: input.document,
      auth: input.auth,
      drivers,
      mode: "converge",
      random: seededRandom(input.seed),
      ...(input.catalogs !== undefined ? { catalogs: input.catalogs } : {}),
    }),
    input.planning ?? {},
  );
  // The key is fresh on every compile but never reaches a file: it is a secret config key of the
  // program (config values are not part of the project's bytes), so compiles stay byte-identical.
  const contextualizer = new CommandContextualizer({
    generation: 1,
    serverKey: input.serverKey ?? lazyServerKey(),
    bundleRoot: BUNDLE_ROOT,
  });
  const lowered = lowerPlanDetailed(plan, drivers, { auth: input.auth, contextualizer });
  const contextualized = lowered.graph.nodes.some((n) => n.id === CTXT_COMPONENT);
  const bundle = contextualized
    ? contextualizer.bundleFiles({ plan, vms: lowered.vms, nodes: lowered.graph.nodes })
    : {};
  const bundleDir = contextualizer.bundleDir(plan.infId).split("\\").join("/");
  const files: Record<string, string> = {};
  for (const [path, spec] of Object.entries(bundle)) files[`${bundleDir}/${path}`] = spec.content;
  const project = emitProject(lowered.graph, {
    stack: input.stack,
    ...(input.source !== undefined ? { source: input.source } : {}),
    files,
    dynamicSources: await dynamicProviderSources(dynamicModules(lowered.graph.nodes)),
  });
  return { graph: lowered.graph, project };
}

/** Files in an output directory that are not the project's own: dependencies, build output, stack config. */
function ignoredInDir(path: string): boolean {
  const top = path.split("/")[0]!;
  if (["node_modules", "bin", ".git", ".pulumi", "package-lock.json"].includes(top)) return true;
  return /^Pulumi\.[^/]+\.yaml$/.test(path);
}

async function listFiles(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new OutputFileError(current, (error as Error).message, { cause: error });
    }
    for (const e of entries) {
      const full = join(current, e.name);
      const rel = relative(dir, full).split("\\").join("/");
      if (ignoredInDir(rel)) continue;
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) found.set(rel, await readFile(full, "utf8"));
    }
  };
  await walk(dir);
  return found;
}

export interface ProjectDiff {
  added: string[];
  removed: string[];
  changed: { path: string; line: number; expected?: string; actual?: string }[];
}

/** What differs between DIR and the project that would be written: `added` = missing from DIR. */
export async function diffProject(dir: string, files: Record<string, string>): Promise<ProjectDiff> {
  const present = await listFiles(dir);
  const diff: ProjectDiff = { added: [], removed: [], changed: [] };
  for (const [path, text] of Object.entries(files)) {
    const actual = present.get(path);
    if (actual === undefined) diff.added.push(path);
    else if (actual !== text) {
      const a = actual.split("\n");
      const b = text.split("\n");
      let i = 0;
      while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
      diff.changed.push({
        path,
        line: i + 1,
        ...(b[i] !== undefined ? { expected: b[i] } : {}),
        ...(a[i] !== undefined ? { actual: a[i] } : {}),
      });
    }
  }
  for (const path of [...present.keys()].sort()) if (!(path in files)) diff.removed.push(path);
  return diff;
}

export function formatDiff(diff: ProjectDiff): string {
  const out: string[] = [];
  for (const p of diff.added) out.push(`missing: ${p}`);
  for (const p of diff.removed) out.push(`not generated: ${p}`);
  for (const c of diff.changed) {
    out.push(`changed: ${c.path}:${c.line}`);
    out.push(`  - ${c.actual ?? "(end of file)"}`);
    out.push(`  + ${c.expected ?? "(end of file)"}`);
  }
  return out.map((l) => `${l}\n`).join("");
}

export function isEmptyDiff(diff: ProjectDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

/** Writes the project; stale files under `files/` and `bundle/` (of an earlier compile) are removed. */
export async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  try {
    const present = await listFiles(dir);
    for (const path of present.keys()) {
      const generated = path.startsWith("files/") || path.startsWith(`${BUNDLE_ROOT}/`);
      if (generated && !(path in files)) await rm(join(dir, path), { force: true });
    }
    for (const [path, text] of Object.entries(files)) {
      const full = join(dir, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text, "utf8");
    }
  } catch (error) {
    if (error instanceof OutputFileError) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new OutputFileError(
      e.path ?? dir,
      e.code === "EACCES" || e.code === "EPERM" ? "permission denied" : e.message,
      {
        cause: error,
      },
    );
  }
}

function stackNameOf(path: string): string {
  const name = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, "-");
  return name === "" || name === "-" ? "radl" : name;
}

/** The auth items of cloud `id` plus the items that are not clouds (InfrastructureManager, VMRC). */
function selectCloud(auth: AuthItem[], id: string): AuthItem[] {
  if (!auth.some((a) => a.id === id)) throw new UsageError(`no auth item has id "${id}"`, "compile");
  return auth.filter((a) => a.id === id || a.type === "InfrastructureManager" || a.type === "VMRC");
}

export interface CompileCommandOptions {
  /** Cancels planning instead of Ctrl-C (tests). */
  signal?: AbortSignal;
  /** How long planning may take before the "discovering" notice; default 1000 ms. */
  noticeAfterMs?: number;
}

/** `radl compile` over `drivers` (default: the built-in registry); tests pass their own. */
export function makeCompileCommand(drivers?: DriverLookup, options: CompileCommandOptions = {}): Command {
  return {
    name: "compile",
    summary: "write a RADL file as a standalone Pulumi project (GitOps)",
    usage:
      "radl compile FILE --auth AUTHFILE -o DIR [--cloud ID] [--stack NAME] [--catalog FILE] [--check | --set-config]",
    details: `Plans FILE with the clouds of AUTHFILE exactly as the server and "radl up" do, and writes
the resources as a standalone Pulumi TypeScript project into DIR: Pulumi.yaml, package.json (pinned
SDK versions), tsconfig.json, index.ts with one explicit resource per line of the graph, README.md.
Credentials are never written: the program reads them from Pulumi config keys that README.md
lists. The same input always gives the same bytes.

  --auth AUTHFILE  IM auth lines (one item per line)
  -o, --out DIR    the project directory (created if missing)
  --cloud ID       use only the auth item with this id
  --stack NAME     stack name for the README and the plan (default: FILE's name)
  --catalog FILE   what discovery would look up (images, flavours, networks...), given instead of
                   asking the clouds: a JSON or YAML mapping from auth item id to that cloud's
                   catalogue (docs/catalog-<cloud>.md). Without it, what the RADL does not pin
                   (image URL, instance_type, network provider_id) is looked up with AUTHFILE's
                   credentials, and compile fails naming what it could not discover.
  --check          write nothing; exit 1 and print the differences when DIR is not what would be
                   written (node_modules, bin, Pulumi.<stack>.yaml and package-lock.json are ignored)
  --set-config     also create (or select) stack NAME for DIR in the Pulumi backend radl up uses
                   (PULUMI_BACKEND_URL, default a file backend under IM_DATA_DIR; its passphrase)
                   and set every config key there: AUTHFILE's credentials and the values compile
                   generated (contextualization key, secret texts), secret ones encrypted. With a
                   file backend they land in DIR/Pulumi.<stack>.yaml; nothing else is deployed.

When planning waits on the clouds for more than a second, a line on stderr says so; Ctrl-C then
stops it (nothing is written).

Exit status: 0 written (or up to date with --check), 1 invalid input, planning failed or DIR out of
date, 2 usage error, unreadable input or unwritable DIR, 130 cancelled with Ctrl-C.`,

    async run(args, { io }) {
      const { values, positionals } = parseCommandArgs("compile", args, {
        auth: { type: "string" },
        out: { type: "string", short: "o" },
        cloud: { type: "string" },
        stack: { type: "string" },
        check: { type: "boolean" },
        catalog: { type: "string" },
        "set-config": { type: "boolean" },
      });
      if (values.check && values["set-config"])
        throw new UsageError("--check and --set-config do not go together", "compile");
      if (positionals.length !== 1) throw new UsageError("exactly one FILE is needed", "compile");
      if (values.auth === undefined) throw new UsageError("--auth AUTHFILE is needed", "compile");
      if (values.out === undefined) throw new UsageError("-o DIR is needed", "compile");
      const input = await readInput(positionals[0]!, io);
      const authInput = await readInput(values.auth, io);
      const loaded = loadRadl(input.text, { source: input.source });
      reportDiagnostics(io, loaded.diagnostics, input.text);
      if (!loaded.document || loaded.diagnostics.some(isError)) return EXIT_INVALID;
      let auth = parseAuthText(authInput.text, { strict: true, source: authInput.source });
      let catalogs: Record<string, CloudCatalog> | undefined;
      if (values.catalog !== undefined) {
        const catalogInput = await readInput(values.catalog, io);
        catalogs = parseCatalogFile(catalogInput.text, catalogInput.source, auth);
      }
      if (values.cloud !== undefined) auth = selectCloud(auth, values.cloud);
      const stack = values.stack ?? stackNameOf(input.path);
      const compile = (signal: AbortSignal) =>
        compileDocument({
          document: loaded.document!,
          auth,
          stack,
          seed: `${stack}\n${input.text}`,
          source: basename(input.source),
          ...(drivers !== undefined ? { drivers } : {}),
          ...(catalogs !== undefined ? { catalogs } : {}),
          planning: {
            signal,
            onSlow: () =>
              io.err("radl: discovering from the clouds what the RADL does not pin… (Ctrl-C cancels)\n"),
            ...(options.noticeAfterMs !== undefined ? { noticeAfterMs: options.noticeAfterMs } : {}),
          },
        });
      let project: EmittedProject;
      try {
        ({ project } =
          options.signal !== undefined ? await compile(options.signal) : await withInterrupt(io, compile));
      } catch (error) {
        if (!(error instanceof CompileCancelledError)) throw error;
        io.err(`radl: ${error.message}\n`);
        return EXIT_INTERRUPTED;
      }
      if (values.check) {
        const diff = await diffProject(values.out, project.files);
        if (isEmptyDiff(diff)) return EXIT_OK;
        io.out(`${values.out} differs from what radl compile would write:\n${formatDiff(diff)}`);
        return EXIT_INVALID;
      }
      await writeProject(values.out, project.files);
      const setConfig = values["set-config"] === true;
      io.out(
        `wrote ${Object.keys(project.files).length} files to ${values.out}` +
          (project.config.length > 0 && !setConfig
            ? `; config keys to set: ${project.config.map((k) => k.key).join(", ")}`
            : "") +
          "\n",
      );
      if (setConfig) {
        const { StackManager } = await import("../stacks/stack-manager.js");
        const manager = await StackManager.open({ recover: false });
        try {
          await manager.writeStackConfig(values.out, stack, project.config);
        } finally {
          await manager.close();
        }
        io.out(`stack ${stack}: ${project.config.length} config keys set\n`);
      }
      return EXIT_OK;
    },
  };
}

export const compileCommand: Command = makeCompileCommand();
