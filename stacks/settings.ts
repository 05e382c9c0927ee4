import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { ProjectSettings } from "@pulumi/pulumi/automation/index.js";
import { BackendUnreachableError, StackLayerError } from "./errors.js";
import { repoRoot } from "./engine.js";

/** What a caller may configure; every field has a default (see resolveStackSettings). */
export interface StackManagerConfig {
  /** IM data directory; default `IM_DATA_DIR` or `./data`. */
  dataDir?: string;
  /** Pulumi backend URL; default `PULUMI_BACKEND_URL` or `file://<dataDir>/state`. */
  backendUrl?: string;
  /** Passphrase of the secrets provider; default `PULUMI_CONFIG_PASSPHRASE`. */
  passphrase?: string;
  /** File holding the passphrase; default `PULUMI_CONFIG_PASSPHRASE_FILE` or `<dataDir>/passphrase` (generated). */
  passphraseFile?: string;
  /** PULUMI_HOME for the engine (plugins, logs); default `<dataDir>/pulumi-home`. */
  pulumiHome?: string;
  /** Global limit of engine runs at once; default `ENGINE_PARALLELISM` or the number of CPUs (at least 2). */
  parallelism?: number;
  /** `nice` increment of the engine's processes (0-19, 0 = same priority as the server); default `ENGINE_NICENESS` or 10. */
  niceness?: number;
  /** Engine root (bin/pulumi...); default found in the engine cache. */
  engineRoot?: string;
  /** Engine cache; default `ENGINE_CACHE` or ~/.cache/radl-pulumi/pulumi-engine. */
  engineCacheDir?: string;
  /** The project file whose settings every stack uses; default the repository's Pulumi.yaml. */
  projectFile?: string;
}

export interface StackSettings {
  dataDir: string;
  backendUrl: string;
  passphrase: { file: string } | { value: string };
  pulumiHome: string;
  parallelism: number;
  niceness: number;
  workspacesDir: string;
  journalDir: string;
  recoveryDir: string;
  project: ProjectSettings;
  engineRoot?: string;
  engineCacheDir?: string;
}

export class InvalidSettingError extends StackLayerError {
  constructor(setting: string, detail: string) {
    super("E-STACKS-CONFIG", `invalid ${setting}: ${detail}`);
  }
}

/** Resolves configuration and environment into absolute settings (no file system writes). */
export async function resolveStackSettings(
  config: StackManagerConfig = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackSettings> {
  const dataDir = resolve(config.dataDir ?? env.IM_DATA_DIR ?? "./data");
  const backendUrl = normalizeBackendUrl(
    config.backendUrl ?? env.PULUMI_BACKEND_URL ?? defaultBackendUrl(dataDir),
  );
  const passphraseValue =
    config.passphrase ?? (config.passphraseFile ? undefined : env.PULUMI_CONFIG_PASSPHRASE);
  const passphraseFile = config.passphraseFile ?? env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const passphrase =
    passphraseValue !== undefined
      ? { value: passphraseValue }
      : { file: resolve(passphraseFile ?? join(dataDir, "passphrase")) };
  const parallelism =
    config.parallelism ?? (env.ENGINE_PARALLELISM ? Number(env.ENGINE_PARALLELISM) : undefined);
  if (parallelism !== undefined && (!Number.isInteger(parallelism) || parallelism < 1)) {
    throw new InvalidSettingError("ENGINE_PARALLELISM", `${String(parallelism)} is not a positive integer`);
  }
  const niceness = config.niceness ?? (env.ENGINE_NICENESS ? Number(env.ENGINE_NICENESS) : 10);
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
    throw new InvalidSettingError("ENGINE_NICENESS", `${String(niceness)} is not an integer from 0 to 19`);
  }
  return {
    dataDir,
    backendUrl,
    passphrase,
    pulumiHome: resolve(config.pulumiHome ?? join(dataDir, "pulumi-home")),
    parallelism: parallelism ?? Math.max(2, availableParallelism()),
    niceness,
    workspacesDir: join(dataDir, "workspaces"),
    journalDir: join(dataDir, "operations"),
    recoveryDir: join(dataDir, "recovery"),
    project: await readProjectSettings(config.projectFile ?? join(repoRoot, "Pulumi.yaml")),
    engineRoot: config.engineRoot,
    engineCacheDir: config.engineCacheDir,
  };
}

/** The file backend every entry point (server, CLI) uses when none is configured. */
export function defaultBackendUrl(dataDir: string): string {
  return pathToFileURL(join(resolve(dataDir), "state")).href;
}

/** Relative `file://` paths are resolved here, not against each work dir (spec §6.1). */
function normalizeBackendUrl(url: string): string {
  if (!url.startsWith("file://")) return url;
  const rest = url.slice("file://".length);
  if (rest.startsWith("/")) return url;
  if (rest === "~" || rest.startsWith("~/")) return url;
  return pathToFileURL(resolve(rest)).href;
}

/** The file backend's directory, or undefined for other backends. */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const rest = backendUrl.slice("file://".length);
  if (rest.startsWith("~")) return join(process.env.HOME ?? "/", rest.slice(1));
  try {
    return fileURLToPath(backendUrl.split("?")[0] ?? backendUrl);
  } catch {
    return rest;
  }
}

async function readProjectSettings(file: string): Promise<ProjectSettings> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InvalidSettingError("project file", `${file} cannot be read (${(error as Error).message})`);
  }
  const parsed = parseYaml(text) as Partial<ProjectSettings> | null;
  if (!parsed || typeof parsed.name !== "string" || !parsed.runtime) {
    throw new InvalidSettingError("project file", `${file} has no project name and runtime`);
  }
  return { name: parsed.name, runtime: parsed.runtime, description: parsed.description };
}

/**
 * Creates the data directory layout, the file backend's directory and, when no passphrase is
 * configured, the generated passphrase file (32 random bytes, mode 0600, created once).
 */
export async function prepareDataDir(settings: StackSettings): Promise<void> {
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  for (const dir of [
    settings.workspacesDir,
    settings.journalDir,
    settings.recoveryDir,
    settings.pulumiHome,
  ]) {
    await mkdir(dir, { recursive: true });
  }
  const stateDir = fileBackendDir(settings.backendUrl);
  if (stateDir) {
    try {
      await mkdir(stateDir, { recursive: true });
      const info = await stat(stateDir);
      if (!info.isDirectory()) throw new Error("not a directory");
    } catch (error) {
      throw new BackendUnreachableError(
        settings.backendUrl,
        `directory ${stateDir} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        undefined,
        { cause: error },
      );
    }
  }
  if ("file" in settings.passphrase) await ensurePassphraseFile(settings.passphrase.file);
}

async function ensurePassphraseFile(file: string): Promise<void> {
  try {
    await writeFile(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) await chmod(file, 0o600);
  }
}
