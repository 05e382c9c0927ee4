import { AuthFormatError, AuthIdError } from "./errors.js";
import { parseAuthLine } from "./line.js";
import type { AuthItem } from "./types.js";

export interface AuthParseOptions {
  /** See LineParseOptions.strict; default true. The API passes false to behave as the reference. */
  strict?: boolean;
  source?: string;
}

const ID_PATTERN = /^[A-Za-z_.][\p{L}\p{N}_.-]*$/u;

/** im-api.md §3.1: a non-empty id must look like an identifier; the whole request fails otherwise. */
export function validateAuthItems(items: AuthItem[]): AuthItem[] {
  for (const item of items) {
    const id = item.id;
    if (id !== undefined && id !== "" && !ID_PATTERN.test(id)) throw new AuthIdError(id);
  }
  return items;
}

/** The JSON form: an array of objects with string values (numbers and booleans are written as text). */
export function authItemsFromJson(value: unknown, what = "auth data"): AuthItem[] {
  if (!Array.isArray(value)) throw new AuthFormatError(`${what} is not a list of items`);
  return validateAuthItems(
    value.map((entry, index) => {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new AuthFormatError(`${what}: item ${index} is not a map of keys to values`);
      }
      const item: AuthItem = {};
      for (const [key, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v === "string") item[key] = v;
        else if (typeof v === "number" || typeof v === "boolean") item[key] = String(v);
        else throw new AuthFormatError(`${what}: item ${index}, key '${key}' is not a string`);
      }
      return item;
    }),
  );
}

/** The XML-RPC form (im-api.md §3.4): an array of structs; values are used as they are. */
export function authItemsFromXmlRpc(value: unknown): AuthItem[] {
  return authItemsFromJson(value, "XML-RPC auth data");
}

function tryJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** Lines of the text format (an auth file), or the JSON form when the whole text is a JSON array. */
export function parseAuthText(text: string, options: AuthParseOptions = {}): AuthItem[] {
  const json = tryJson(text);
  if (json !== undefined) return authItemsFromJson(json);
  return parseAuthLines(text.split(/\r\n|\n|\r/), options);
}

/** Already-split lines (numbered from 1 in errors). */
export function parseAuthLines(lines: string[], options: AuthParseOptions = {}): AuthItem[] {
  const items: AuthItem[] = [];
  lines.forEach((line, i) => {
    const item = parseAuthLine(line, { strict: options.strict, line: i + 1, source: options.source });
    if (item !== null) items.push(item);
  });
  return validateAuthItems(items);
}

/**
 * The REST `Authorization` header value (im-api.md §3.3 steps 2-3). Vault mode (a `Bearer` value
 * with VAULT_URL configured) is the caller's to check first. Defaults to the reference's lenient
 * line parsing.
 */
export function parseAuthHeader(value: string, options: AuthParseOptions = {}): AuthItem[] {
  const v = value.trim();
  if (v === "") throw new AuthFormatError("No authentication data provided");
  if (v.startsWith("Bearer ")) {
    return [{ type: "InfrastructureManager", token: v.slice("Bearer ".length).trim() }];
  }
  if (v.startsWith("Basic ")) {
    const decoded = Buffer.from(v.slice("Basic ".length).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new AuthFormatError("Basic credentials are not 'user:password'");
    return [
      {
        type: "InfrastructureManager",
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
      },
    ];
  }
  const pieces = v.replaceAll("\\\\n", "\n").split("\\n");
  if (pieces.length === 1) {
    const json = tryJson(pieces[0]!);
    if (json !== undefined) return authItemsFromJson(json);
  }
  return parseAuthLines(pieces, { strict: options.strict ?? false, source: options.source ?? "<header>" });
}
