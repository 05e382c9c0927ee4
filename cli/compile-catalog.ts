/**
 * `radl compile --catalog FILE`: what discovery would look up, per auth item id, given as a file
 * (JSON or YAML) so a compile needs no cloud. Each value's shape is the driver's
 * (docs/catalog-<cloud>.md); here only the outer mapping is checked.
 */
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { AuthItem } from "../compiler/auth/types.js";
import type { CloudCatalog } from "../compiler/plan/driver.js";
import type { JsonValue } from "../compiler/plan/types.js";
import { UsageError } from "./errors.js";

function isObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The catalogues of `text` (the file `source`), keyed by auth item id. Every key must be the id of an
 * item in `auth`, and every value a mapping; anything else is a usage error naming the file, the line
 * and the field.
 */
export function parseCatalogFile(
  text: string,
  source: string,
  auth: readonly AuthItem[],
): Record<string, CloudCatalog> {
  const fail = (message: string, line?: number): UsageError =>
    new UsageError(`--catalog ${source}${line === undefined ? "" : `:${line}`}: ${message}`, "compile");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    throw fail(`not valid JSON or YAML: ${error.message.split("\n")[0]}`, error.linePos?.[0].line);
  }
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const root = doc.contents;
  if (!isMap(root)) {
    throw fail("must be a mapping from auth item id to that cloud's catalogue", lineOf(root?.range?.[0]));
  }
  const ids = new Set(auth.map((a) => a.id).filter((id): id is string => id !== undefined));
  const known = [...ids].sort();
  const value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const catalogs: Record<string, CloudCatalog> = {};
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const line = lineOf((pair.key as { range?: [number, number, number] } | null)?.range?.[0]);
    if (key === undefined) throw fail("keys must be auth item ids", line);
    if (!ids.has(key)) {
      throw fail(
        `"${key}" is not the id of an auth item` +
          (known.length > 0 ? ` (ids: ${known.join(", ")})` : " (no auth item has an id)"),
        line,
      );
    }
    const catalog = value[key];
    if (!isObject(catalog)) throw fail(`"${key}" must be a mapping (that cloud's catalogue)`, line);
    catalogs[key] = catalog;
  }
  return catalogs;
}
