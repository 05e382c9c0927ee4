import { constants, existsSync } from "node:fs";
import { access, copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { EngineMissingError } from "./errors.js";

/** The CLI version the SDK is pinned to (spec pulumi-engine.md §1). */
export const PULUMI_VERSION = "3.248.0";
/** The plugin version @pulumi/command 1.2.1 asks for. */
export const COMMAND_PLUGIN_VERSION = "1.2.1";

/** An engine root as laid out by scripts/setup-engine.sh (spec §4.2). */
export interface EngineInstallation {
  root: string;
  /** `<root>/bin/pulumi` */
  pulumi: string;
  /** `<root>/providers/pulumi-resource-command` */
  commandPlugin: string;
}

export interface EngineLocation {
  /** An explicit engine root; wins over everything. */
  root?: string;
  /** The engine cache; default as in the setup script. */
  cacheDir?: string;
}

/** Same default as scripts/setup-engine.sh. */
export function defaultEngineCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENGINE_CACHE) return resolve(env.ENGINE_CACHE);
  const base = env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(base, "radl-pulumi", "pulumi-engine");
}

/** The repository root (where package.json and the project's Pulumi.yaml are). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, "..");
    dir = parent;
  }
  return dir;
}

/**
 * Finds the engine: `location.root`, then `RADL_ENGINE_ROOT`, then the root named by
 * `<cache>/current` (written by the setup script), then any complete root for this CLI
 * version in the cache. Throws EngineMissingError naming every place looked at.
 */
export async function locateEngine(
  location: EngineLocation = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineInstallation> {
  const looked: string[] = [];
  const explicit = location.root ?? env.RADL_ENGINE_ROOT;
  if (explicit) {
    const found = await checkRoot(resolve(explicit));
    if (found) return found;
    throw new EngineMissingError(
      `no usable Pulumi engine in ${resolve(explicit)} (expected bin/pulumi and providers/pulumi-resource-command); run scripts/setup-engine.sh`,
    );
  }
  const cache = location.cacheDir ? resolve(location.cacheDir) : defaultEngineCache(env);
  const current = join(cache, "current");
  looked.push(current);
  try {
    const root = (await readFile(current, "utf8")).trim();
    const found = root ? await checkRoot(root) : undefined;
    if (found) return found;
  } catch {
    // no pointer file: fall back to scanning
  }
  looked.push(join(cache, `pulumi-${PULUMI_VERSION}_*`));
  try {
    for (const name of (await readdir(cache)).sort().reverse()) {
      if (!name.startsWith(`pulumi-${PULUMI_VERSION}_`)) continue;
      if (!existsSync(join(cache, name, ".complete"))) continue;
      const found = await checkRoot(join(cache, name));
      if (found) return found;
    }
  } catch {
    // no cache directory
  }
  throw new EngineMissingError(
    `the Pulumi engine is not installed (looked in ${looked.join(", ")}); run scripts/setup-engine.sh`,
  );
}

async function checkRoot(root: string): Promise<EngineInstallation | undefined> {
  const pulumi = join(root, "bin", "pulumi");
  const commandPlugin = join(root, "providers", "pulumi-resource-command");
  try {
    await access(pulumi, constants.X_OK);
    await access(commandPlugin, constants.X_OK);
    return { root, pulumi, commandPlugin };
  } catch {
    return undefined;
  }
}

const commandCache = new Map<string, Promise<PulumiCommand>>();

/**
 * The CLI handle shared by every workspace (one `pulumi version` per process and root).
 * Refuses a CLI older than the SDK's or of another major version.
 */
export function pulumiCommand(engine: EngineInstallation): Promise<PulumiCommand> {
  let pending = commandCache.get(engine.root);
  if (!pending) {
    pending = resolveCommand(engine);
    commandCache.set(engine.root, pending);
    pending.catch(() => commandCache.delete(engine.root));
  }
  return pending;
}

async function resolveCommand(engine: EngineInstallation): Promise<PulumiCommand> {
  let cmd: PulumiCommand;
  try {
    cmd = await PulumiCommand.get({ root: engine.root, skipVersionCheck: false });
  } catch (error) {
    throw new EngineMissingError(
      `${engine.pulumi} is not a usable Pulumi CLI (radl-pulumi needs v${PULUMI_VERSION} or a newer v3): ${String((error as Error).message).trim()}`,
      {
        cause: error,
      },
    );
  }
  const v = cmd.version;
  const [, minMinor] = PULUMI_VERSION.split(".").map(Number);
  if (!v || v.major !== 3 || v.minor < (minMinor ?? 0)) {
    throw new EngineMissingError(
      `${engine.pulumi} is version ${v?.version ?? "unknown"}; radl-pulumi needs v${PULUMI_VERSION} or a newer v3`,
    );
  }
  return cmd;
}

/**
 * Installs the command provider into `pulumiHome`'s plugin cache under its exact version
 * (spec §5). The `.partial` marker keeps a concurrent engine from using a half-copied binary.
 */
export async function ensureCommandPlugin(engine: EngineInstallation, pulumiHome: string): Promise<void> {
  const dir = join(pulumiHome, "plugins", `resource-command-v${COMMAND_PLUGIN_VERSION}`);
  const target = join(dir, "pulumi-resource-command");
  const source = await stat(engine.commandPlugin);
  try {
    const existing = await stat(target);
    const current = existing.size === source.size && existing.mtimeMs >= source.mtimeMs;
    if (current && !existsSync(`${dir}.partial`)) return;
  } catch {
    // not installed yet
  }
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}.partial`, "");
  const temp = `${target}.${process.pid}.tmp`;
  await copyFile(engine.commandPlugin, temp);
  await rename(temp, target);
  await rm(`${dir}.partial`, { force: true });
}

/** What every CLI call of a stack needs (spec §6.1). */
export interface EngineEnvInput {
  pulumiHome: string;
  backendUrl: string;
  passphrase: { file: string } | { value: string };
}

/**
 * The environment for every CLI call, passed as workspace `envVars` (never by mutating
 * process.env). NODE_PATH lets the dynamic-provider host resolve @pulumi/pulumi from work
 * directories outside the repository.
 */
export function engineEnv(input: EngineEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    PULUMI_HOME: input.pulumiHome,
    PULUMI_BACKEND_URL: input.backendUrl,
    PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    NODE_PATH: join(repoRoot, "node_modules"),
  };
  if ("file" in input.passphrase) {
    env.PULUMI_CONFIG_PASSPHRASE_FILE = input.passphrase.file;
  } else {
    env.PULUMI_CONFIG_PASSPHRASE = input.passphrase.value;
  }
  return env;
}
