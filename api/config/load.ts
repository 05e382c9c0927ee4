import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultBackendUrl } from "../../stacks/settings.js";
import { ConfigError } from "./errors.js";
import { readIniFile, type RawSections } from "./ini-file.js";
import {
  IM_OPTIONS,
  LEGACY_OPTIONS,
  OPENNEBULA_OPTIONS,
  type ImOptions,
  type OpenNebulaOptions,
  type OptionSpec,
} from "./options.js";
import { parseOptionValue } from "./parse-value.js";

export interface AdminUser {
  username: string;
  password: string;
}

export interface OidcAdminGroup {
  issuer: string;
  group: string;
}

/** The loaded configuration: typed sections plus values derived from them. */
export interface ImConfig {
  readonly im: Readonly<ImOptions>;
  readonly openNebula: Readonly<OpenNebulaOptions>;
  /** Files read, in order (later ones override earlier ones). */
  readonly files: readonly string[];
  /** Where each `[im]` option that is not a default came from (file path or `environment variable X`). */
  readonly origins: Readonly<Record<string, string>>;
  /** Unknown options, to be logged as warnings. */
  readonly warnings: readonly string[];
  /** DATA_DIR as an absolute path. */
  readonly dataDir: string;
  /** DATA_DB as a URL (`sqlite://<DATA_DIR>/im.db` when unset). */
  readonly dataDb: string;
  /** The Pulumi backend: `PULUMI_BACKEND_URL` env, then the option, then `file://<DATA_DIR>/state` (the same default as the CLI). */
  readonly pulumiBackendUrl: string;
  /** `PULUMI_CONFIG_PASSPHRASE` from the environment, when set (it wins over the file). */
  readonly pulumiPassphrase: string | undefined;
  readonly pulumiPassphraseFile: string;
  readonly dataKeyFile: string;
  /** ADMIN_USER normalised to a list. */
  readonly adminUsers: readonly AdminUser[];
  readonly oidcAdminGroups: readonly OidcAdminGroup[];
}

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The installation root when `IM_PATH` is not set; defaults to the package root. */
  installRoot?: string;
  /** Defaults to `/etc/im/im.cfg`. */
  systemFile?: string;
  /** Resolves a relative DATA_DIR; defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Loads im.cfg (im-api.md §5.1, §5.2): every existing candidate among `<root>/im.cfg`,
 * `<root>/etc/im.cfg` and `/etc/im/im.cfg` merged in that order, then `IM_CONFIG_FILE`, then
 * `IM_<OPTION>` environment variables; built-in defaults for the rest. Any bad value throws
 * `ConfigError` naming the option and its file.
 */
export function loadConfig(options: LoadConfigOptions = {}): ImConfig {
  const env = options.env ?? process.env;
  const root = env.IM_PATH || options.installRoot || packageRoot();
  const candidates = [
    join(root, "im.cfg"),
    join(root, "etc", "im.cfg"),
    options.systemFile ?? "/etc/im/im.cfg",
  ];
  const files = candidates.filter((f) => existsSync(f));
  if (env.IM_CONFIG_FILE) {
    if (!existsSync(env.IM_CONFIG_FILE)) {
      throw new ConfigError(
        "IM_CONFIG_FILE",
        "environment variable IM_CONFIG_FILE",
        `${env.IM_CONFIG_FILE} does not exist`,
      );
    }
    files.push(env.IM_CONFIG_FILE);
  }

  const im = new SectionBuilder("im", IM_OPTIONS, LEGACY_OPTIONS.im);
  const one = new SectionBuilder("OpenNebula", OPENNEBULA_OPTIONS, LEGACY_OPTIONS.OpenNebula);
  for (const file of files) {
    const sections: RawSections = readIniFile(file);
    for (const [name, values] of sections) {
      const lower = name.toLowerCase();
      const target = lower === "im" ? im : lower === "opennebula" ? one : undefined;
      if (!target) continue;
      for (const [key, raw] of values) target.set(key, raw, file);
    }
  }
  for (const spec of IM_OPTIONS as readonly OptionSpec[]) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const value = env[`IM_${name}`];
      if (value !== undefined) im.set(name, value, `environment variable IM_${name}`);
    }
  }

  const imValues = im.build() as unknown as ImOptions;
  const oneValues = one.build() as unknown as OpenNebulaOptions;
  const cwd = options.cwd ?? process.cwd();
  const dataDir = resolve(cwd, imValues.DATA_DIR);
  const origin = (name: string) => im.origins[name] ?? "built-in defaults";

  return {
    im: imValues,
    openNebula: oneValues,
    files,
    origins: im.origins,
    warnings: [...im.warnings, ...one.warnings],
    dataDir,
    dataDb: normaliseDataDb(imValues.DATA_DB, dataDir, origin("DATA_DB")),
    pulumiBackendUrl: env.PULUMI_BACKEND_URL || imValues.PULUMI_BACKEND_URL || defaultBackendUrl(dataDir),
    pulumiPassphrase: env.PULUMI_CONFIG_PASSPHRASE || undefined,
    pulumiPassphraseFile: resolveIn(dataDir, imValues.PULUMI_PASSPHRASE_FILE, "passphrase"),
    dataKeyFile: resolveIn(dataDir, imValues.DATA_KEY_FILE, "data.key"),
    adminUsers: adminUsers(imValues.ADMIN_USER, origin("ADMIN_USER")),
    oidcAdminGroups: oidcAdminGroups(
      imValues.OIDC_ADMIN_GROUPS,
      im.raw("OIDC_ADMIN_GROUPS"),
      origin("OIDC_ADMIN_GROUPS"),
    ),
  };
}

class SectionBuilder {
  readonly origins: Record<string, string> = {};
  readonly warnings: string[] = [];
  private readonly values = new Map<string, unknown>();
  private readonly raws = new Map<string, string>();
  private readonly byName = new Map<string, OptionSpec>();
  private readonly legacy: Set<string>;

  constructor(
    private readonly section: string,
    private readonly specs: readonly OptionSpec[],
    legacy: readonly string[],
  ) {
    for (const spec of specs) {
      this.byName.set(spec.name.toLowerCase(), spec);
      for (const alias of spec.aliases ?? []) this.byName.set(alias.toLowerCase(), spec);
    }
    this.legacy = new Set(legacy.map((l) => l.toLowerCase()));
  }

  set(key: string, raw: string, source: string): void {
    const spec = this.byName.get(key.toLowerCase());
    if (!spec) {
      if (!this.legacy.has(key.toLowerCase())) {
        this.warnings.push(`unknown option ${key} in [${this.section}] of ${source} (ignored)`);
      }
      return;
    }
    this.values.set(spec.name, parseOptionValue(spec, raw, source));
    this.raws.set(spec.name, raw);
    this.origins[spec.name] = source;
  }

  raw(name: string): string | undefined {
    return this.raws.get(name);
  }

  build(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const spec of this.specs) {
      const value = this.values.has(spec.name) ? this.values.get(spec.name) : spec.default;
      out[spec.name] = Array.isArray(value) ? [...value] : value;
    }
    return Object.freeze(out);
  }
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

function resolveIn(dataDir: string, configured: string | undefined, fallback: string): string {
  if (!configured) return join(dataDir, fallback);
  return isAbsolute(configured) ? configured : resolve(dataDir, configured);
}

/** DATA_DB forms of §6.2: sqlite:///abs, file://..., a bare path, mysql://..., mongodb://... */
function normaliseDataDb(value: string | undefined, dataDir: string, source: string): string {
  if (!value) return `sqlite://${join(dataDir, "im.db")}`;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return `sqlite://${resolve(dataDir, value)}`;
  if (scheme === "file") return `sqlite://${value.slice("file://".length)}`;
  if (["sqlite", "mysql", "mongodb", "mongodb+srv"].includes(scheme)) return value;
  throw new ConfigError(
    "DATA_DB",
    source,
    `unsupported scheme ${scheme}:// (use sqlite://, mysql:// or mongodb://)`,
  );
}

function adminUsers(value: unknown, source: string): AdminUser[] {
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? [value] : undefined;
  if (!list) throw new ConfigError("ADMIN_USER", source, "must be a JSON object or an array of objects");
  return list
    .filter((entry) => Object.keys(entry as object).length > 0)
    .map((entry) => {
      const { username, password } = entry as Record<string, unknown>;
      if (typeof username !== "string" || typeof password !== "string") {
        throw new ConfigError("ADMIN_USER", source, 'every entry needs string "username" and "password"');
      }
      return { username, password };
    });
}

function oidcAdminGroups(value: unknown, raw: string | undefined, source: string): OidcAdminGroup[] {
  if (!Array.isArray(value)) {
    throw new ConfigError("OIDC_ADMIN_GROUPS", source, 'must be a JSON array of {"issuer", "group"}');
  }
  return value.map((entry) => {
    const { issuer, group } = (entry ?? {}) as Record<string, unknown>;
    if (typeof issuer !== "string" || typeof group !== "string") {
      throw new ConfigError(
        "OIDC_ADMIN_GROUPS",
        source,
        `every entry needs string "issuer" and "group" (${raw ?? ""})`,
      );
    }
    return { issuer, group };
  });
}
