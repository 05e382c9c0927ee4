/** GraphValue → a TypeScript expression of the emitted program (the same values registerGraph resolves). */
import { isAsset, isInterpolation, isRef, isSecret } from "../graph/values.js";
import type { GraphAsset, GraphInterpolation, GraphRef, GraphValue } from "../graph/types.js";
import { configKeyName, configKind, configText, type ConfigKey } from "./config-keys.js";
import { IDENTIFIER, NameAllocator } from "./identifiers.js";

/** A config read hoisted to the top of the program: `const <variable> = config.<getter>("<key>");`. */
export interface ConfigRead extends ConfigKey {
  variable: string;
}

/** A key's description names this many of the places it is used in (a password of 500 VMs is one key). */
const DESCRIBED_USES = 3;

/** Strings longer than this in string assets go to files under `files/` instead of the program. */
const INLINE_ASSET_LIMIT = 120;

/** State shared while printing one program: variable names, config reads, asset files. */
export class PrintContext {
  readonly configReads: ConfigRead[] = [];
  /** Project-relative path → content, for string assets too long to inline. */
  readonly files = new Map<string, string>();
  /** Whether the program needs its `secretText` helper (see printSecretInterpolation). */
  usesSecretText = false;
  private readonly configKeys = new Set<string>();
  /** Secret reads by kind + value: one secret used in many places is one key. */
  private readonly secretByValue = new Map<string, ConfigRead>();
  private readonly uses = new Map<ConfigRead, number>();

  constructor(
    readonly names: NameAllocator,
    /** Node id → its variable. */
    readonly variables: Map<string, string>,
  ) {}

  /**
   * The variable holding a config value. One secret used in several places (a VM password in the
   * connection, the user data and the outputs) is one key, so it is set once.
   */
  readConfig(
    owner: string,
    path: (string | number)[],
    value: GraphValue,
    secret: boolean,
    what: string,
  ): string {
    const kind = configKind(value);
    const text = configText(value);
    const same = secret ? this.secretByValue.get(`${kind}\0${text}`) : undefined;
    if (same !== undefined) {
      const uses = (this.uses.get(same) ?? 1) + 1;
      this.uses.set(same, uses);
      if (uses <= DESCRIBED_USES) same.description += `; ${what}`;
      return same.variable;
    }
    let key = configKeyName(owner, path);
    const base = key;
    for (let i = 2; this.configKeys.has(key); i++) key = `${base}-${i}`;
    this.configKeys.add(key);
    const variable = this.names.allocate(key);
    const read: ConfigRead = { key, secret, kind, description: what, value: text, variable };
    this.configReads.push(read);
    if (secret) this.secretByValue.set(`${kind}\0${text}`, read);
    return variable;
  }

  /** Ends the descriptions of keys used in more places than are listed. Call once, after printing. */
  finishDescriptions(): void {
    for (const [read, uses] of this.uses) {
      if (uses > DESCRIBED_USES) read.description += `; and ${uses - DESCRIBED_USES} more`;
    }
  }

  addFile(owner: string, path: (string | number)[], text: string): string {
    const segments = [owner, ...path.map(String)].map((s) => {
      const clean = s.replace(/[^A-Za-z0-9._-]+/g, "_");
      return clean === "" || /^\.+$/.test(clean) ? `_${clean}` : clean;
    });
    const base = `files/${segments.join("/")}`;
    let file = base;
    for (let i = 2; this.files.has(file); i++) file = `${base}-${i}`;
    this.files.set(file, text);
    return file;
  }
}

/** Where a value sits, for config key names and descriptions. */
export interface ValueSite {
  /** Node id (or `vmSecrets`, an output name…). */
  owner: string;
  /** Shown in README: e.g. "cloud-EC2-0 (pulumi:providers:aws)". */
  ownerText: string;
  path: (string | number)[];
}

const indentOf = (level: number) => "  ".repeat(level);

export function printString(text: string): string {
  return JSON.stringify(text);
}

/** Text for the inside of a template literal (cooked value = `text`; CR is escaped because source CRLF would read as LF). */
export function templateText(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === "\\") out += "\\\\";
    else if (c === "`") out += "\\`";
    else if (c === "$" && text[i + 1] === "{") out += "\\$";
    else if (c === "\n" || c === "\t") out += c;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return out;
}

export function printKey(key: string): string {
  if (key === "__proto__") return `["__proto__"]`;
  return IDENTIFIER.test(key) ? key : printString(key);
}

/** `vm1Server.networks.apply((v) => v?.[0]?.fixedIpV4)` for a dotted prop; registerGraph digs the same way. */
export function printRef(r: GraphRef, ctx: PrintContext): string {
  const variable = ctx.variables.get(r.ref)!;
  if (r.prop === undefined) return variable;
  const [head, ...rest] = r.prop.split(".");
  const first = IDENTIFIER.test(head!) ? `${variable}.${head}` : `${variable}[${printString(head!)}]`;
  if (rest.length === 0) return first;
  const path = rest
    .map((s) =>
      /^(0|[1-9][0-9]*)$/.test(s) ? `?.[${s}]` : IDENTIFIER.test(s) ? `?.${s}` : `?.[${printString(s)}]`,
    )
    .join("");
  return `${first}.apply((v) => v${path})`;
}

export function printValue(value: GraphValue, site: ValueSite, ctx: PrintContext, level: number): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string" && value.includes("\n") && value.length > 40)
      return `\`${templateText(value)}\``;
    return value === null ? "null" : typeof value === "string" ? printString(value) : JSON.stringify(value);
  }
  if (isRef(value)) return printRef(value, ctx);
  if (isInterpolation(value)) {
    let body = "";
    value.interpolate.forEach((part, i) => {
      if (typeof part === "string") body += templateText(part);
      else if (typeof part === "number") body += templateText(String(part));
      else body += `\${${printValue(part as GraphValue, { ...site, path: [...site.path, i] }, ctx, level)}}`;
    });
    return `pulumi.interpolate\`${body}\``;
  }
  if (isSecret(value)) {
    if (isPlainData(value.secret)) {
      return ctx.readConfig(site.owner, site.path, value.secret, true, describe(site));
    }
    if (isInterpolation(value.secret)) return printSecretInterpolation(value.secret, site, ctx, level);
    return `pulumi.secret(${printValue(value.secret, site, ctx, level)})`;
  }
  if (isAsset(value)) return printAsset(value.asset, site, ctx, level);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v, i) => printValue(v, { ...site, path: [...site.path, i] }, ctx, level + 1));
    const inline = `[${items.join(", ")}]`;
    if (!inline.includes("\n") && inline.length <= 80) return inline;
    return `[\n${items.map((s) => `${indentOf(level + 1)}${s},\n`).join("")}${indentOf(level)}]`;
  }
  return printObject(value as Record<string, GraphValue>, site, ctx, level);
}

export function printObject(
  record: Record<string, GraphValue | undefined>,
  site: ValueSite,
  ctx: PrintContext,
  level: number,
  override?: (key: string, value: GraphValue) => string | undefined,
): string {
  const entries = Object.entries(record).filter(([, v]) => v !== undefined) as [string, GraphValue][];
  if (entries.length === 0) return "{}";
  const lines = entries.map(([k, v]) => {
    const text = override?.(k, v) ?? printValue(v, { ...site, path: [...site.path, k] }, ctx, level + 1);
    return `${indentOf(level + 1)}${printKey(k)}: ${text},\n`;
  });
  return `{\n${lines.join("")}${indentOf(level)}}`;
}

/**
 * A secret text with values known only after launch in it (an inventory with addresses, a payload of
 * keys): its constant parts are a secret config key (a JSON list), so nothing of it is written into
 * the program; `secretText(parts, ...gaps)` joins them as registerGraph's pulumi.concat does.
 */
function printSecretInterpolation(
  value: GraphInterpolation,
  site: ValueSite,
  ctx: PrintContext,
  level: number,
): string {
  const texts: string[] = [""];
  const gaps: string[] = [];
  value.interpolate.forEach((part, i) => {
    if (typeof part === "string" || typeof part === "number") texts[texts.length - 1] += String(part);
    else {
      gaps.push(printValue(part as GraphValue, { ...site, path: [...site.path, i] }, ctx, level));
      texts.push("");
    }
  });
  const parts = ctx.readConfig(
    site.owner,
    site.path,
    texts,
    true,
    `${describe(site)} (text around the values)`,
  );
  ctx.usesSecretText = true;
  return `secretText(${[parts, ...gaps].join(", ")})`;
}

function printAsset(asset: GraphAsset["asset"], site: ValueSite, ctx: PrintContext, level: number): string {
  switch (asset.kind) {
    case "file":
      return `new pulumi.asset.FileAsset(${printString(asset.path)})`;
    case "fileArchive":
      return `new pulumi.asset.FileArchive(${printString(asset.path)})`;
    case "string": {
      if (asset.text.length <= INLINE_ASSET_LIMIT && !asset.text.includes("\n")) {
        return `new pulumi.asset.StringAsset(${printString(asset.text)})`;
      }
      const file = ctx.addFile(site.owner, site.path, asset.text);
      return `new pulumi.asset.StringAsset(readText(${printString(file)}))`;
    }
    case "assetArchive": {
      const entries = Object.entries(asset.assets).map(
        ([k, a]) =>
          `${indentOf(level + 1)}${printKey(k)}: ${printAsset(a.asset, { ...site, path: [...site.path, k] }, ctx, level + 1)},\n`,
      );
      return `new pulumi.asset.AssetArchive({\n${entries.join("")}${indentOf(level)}})`;
    }
  }
}

export function describe(site: ValueSite): string {
  return site.path.length === 0 ? site.ownerText : `${site.path.join(".")} of ${site.ownerText}`;
}

/** JSON with none of the special forms: what a config value can hold. */
export function isPlainData(value: GraphValue): boolean {
  if (value === null || typeof value !== "object") return true;
  if (isRef(value) || isInterpolation(value) || isSecret(value) || isAsset(value)) return false;
  if (Array.isArray(value)) return value.every(isPlainData);
  return Object.values(value).every(isPlainData);
}
