import { readFileSync } from "node:fs";
import { parse } from "ini";
import { ConfigError } from "./errors.js";

/** Raw option values of one file: section name → lower-case option name → value. */
export type RawSections = Map<string, Map<string, string>>;

/**
 * Reads an im.cfg file with the reference's INI dialect (im-api.md §5.1): `key = value` or
 * `key: value`, whole-line `#`/`;` comments only, indented continuation lines, case-insensitive
 * option names, and `%%` / `%(option)s` interpolation. The `ini` package does the section and
 * key splitting; its own quoting and inline-comment rules would change values (`8800 # port`
 * must stay a bad integer), so every value reaches it JSON-quoted.
 */
export function readIniFile(path: string): RawSections {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("(file)", path, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return parseIniText(text, path);
}

export function parseIniText(text: string, path: string): RawSections {
  const logical = logicalLines(text, path);
  const canonical: string[] = [];
  for (const entry of logical) {
    if (entry.kind === "section") canonical.push(`[${JSON.stringify(entry.name)}]`);
    else canonical.push(`${JSON.stringify(entry.key)} = ${JSON.stringify(entry.value)}`);
  }
  const decoded = parse(canonical.join("\n"), { bracketedArray: false });
  const sections: RawSections = new Map();
  for (const [name, body] of Object.entries(decoded)) {
    if (typeof body !== "object" || body === null) continue;
    const options = new Map<string, string>();
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const last = Array.isArray(value) ? value[value.length - 1] : value;
      options.set(key, String(last));
    }
    sections.set(name, options);
  }
  for (const [name, options] of sections) interpolateSection(options, sections.get("DEFAULT"), name, path);
  return sections;
}

type Logical = { kind: "section"; name: string } | { kind: "option"; key: string; value: string };

function logicalLines(text: string, path: string): Logical[] {
  const out: Logical[] = [];
  let current: { key: string; value: string } | undefined;
  let inSection = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    if (/^\s/.test(line) && current) {
      current.value += `\n${trimmed}`;
      return;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (section) {
      current = undefined;
      inSection = true;
      out.push({ kind: "section", name: section[1]!.trim() });
      return;
    }
    const sep = trimmed.search(/[=:]/);
    if (sep <= 0) {
      throw new ConfigError(
        "(syntax)",
        `${path}:${index + 1}`,
        `expected "option = value", found ${JSON.stringify(trimmed)}`,
      );
    }
    if (!inSection) {
      throw new ConfigError("(syntax)", `${path}:${index + 1}`, "option outside any [section]");
    }
    const entry = {
      kind: "option" as const,
      key: trimmed.slice(0, sep).trim().toLowerCase(),
      value: trimmed.slice(sep + 1).trim(),
    };
    current = entry;
    out.push(entry);
  });
  return out;
}

function interpolateSection(
  options: Map<string, string>,
  defaults: Map<string, string> | undefined,
  section: string,
  path: string,
): void {
  const raw = new Map(options);
  const lookup = (name: string) => raw.get(name) ?? defaults?.get(name);
  const expand = (key: string, value: string, depth: number): string => {
    if (depth > 10) throw new ConfigError(key.toUpperCase(), path, `interpolation too deep in [${section}]`);
    let out = "";
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (c !== "%") {
        out += c;
        continue;
      }
      const next = value[i + 1];
      if (next === "%") {
        out += "%";
        i++;
        continue;
      }
      const ref = /^\(([^)]+)\)s/.exec(value.slice(i + 1));
      if (!ref) {
        throw new ConfigError(
          key.toUpperCase(),
          path,
          `a lone "%" must be written "%%" (value ${JSON.stringify(value)})`,
        );
      }
      const name = ref[1]!.toLowerCase();
      const target = lookup(name);
      if (target === undefined) {
        throw new ConfigError(
          key.toUpperCase(),
          path,
          `refers to %(${ref[1]})s, which is not set in [${section}]`,
        );
      }
      out += expand(name, target, depth + 1);
      i += ref[0].length;
    }
    return out;
  };
  for (const [key, value] of options) {
    if (value.includes("%")) options.set(key, expand(key, value, 0));
  }
}
