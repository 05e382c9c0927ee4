import type {
  Contextualize,
  CtxOption,
  DeploySec,
  FeatureSet,
  FeatureValue,
  NumberValue,
  RadlDocument,
} from "../ir.js";
import { RadlUnrepresentableError } from "../print/unrepresentable.js";
import { scaledValue } from "../print/units.js";

type JsonObject = Record<string, unknown>;

/** Keys a feature-bearing section object reserves for itself (§5.2). */
const SECTION_KEYS = new Set(["class", "id", "reference"]);
const SOFTS = "softs";

/**
 * The RADL-JSON form of a document (spec radl.md §5), objects in REF's order (ansible, network,
 * system, configure, deploy, contextualize, description) and keys in the compact insertion order
 * of §5.7. Losses are those of §5.2 (string operators, strictness of `<`/`>`, units). A name the
 * JSON form would read back as something else (a numeric feature called `x_min`, a feature
 * called `class`, two features on one key) raises `RadlUnrepresentableError`.
 */
export function encodeRadlJson(doc: RadlDocument): JsonObject[] {
  const out: JsonObject[] = [];
  for (const sec of doc.ansible) out.push(featureSection("ansible", sec));
  for (const sec of doc.networks) out.push(featureSection("network", sec));
  for (const sec of doc.systems) out.push(featureSection("system", sec));
  for (const sec of doc.configures) {
    out.push(
      sec.reference
        ? { class: "configure", id: sec.id, reference: true }
        : { class: "configure", id: sec.id, recipes: sec.recipe },
    );
  }
  for (const dep of doc.deploys) out.push(deployObject(dep));
  const ctx = contextualizeObject(doc.contextualize);
  if (ctx) out.push(ctx);
  if (doc.description) out.push(featureSection("description", doc.description));
  return out;
}

export interface StringifyOptions {
  /** Indentation for people; the default is REF's compact form (no spaces), as the REST API sends. */
  indent?: number;
  /** Sort keys alphabetically, like REF's pretty mode. */
  sortKeys?: boolean;
}

/** `encodeRadlJson` as text: deterministic for one IR, compact and in insertion order by default. */
export function stringifyRadlJson(doc: RadlDocument, options: StringifyOptions = {}): string {
  const value: unknown = encodeRadlJson(doc);
  return JSON.stringify(options.sortKeys ? sortKeysDeep(value) : value, null, options.indent);
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep((value as JsonObject)[k])]),
    );
  }
  return value;
}

function featureSection(
  cls: "ansible" | "network" | "system" | "description",
  sec: { id: string; reference: boolean; features: FeatureSet },
): JsonObject {
  if (sec.reference) return { class: cls, id: sec.id, reference: true };
  const where = `${cls} '${sec.id}'`;
  return { class: cls, id: sec.id, ...featureSetObject(sec.features, where, SECTION_KEYS) };
}

/** §5.2 feature keys of a set, the `softs` key where the first soft block appeared (§6.3). */
export function featureSetObject(
  set: FeatureSet,
  where: string,
  reserved: ReadonlySet<string> = new Set(),
): JsonObject {
  const out: JsonObject = {};
  const put = (key: string, value: unknown, name: string) => {
    if (reserved.has(key) || key === SOFTS || Object.hasOwn(out, key)) {
      throw new RadlUnrepresentableError(
        `${where}, feature '${name}'`,
        `its JSON key ${JSON.stringify(key)} is already taken or has another meaning in RADL-JSON`,
      );
    }
    out[key] = value;
  };
  const putSofts = () => {
    if (set.softs.length === 0) return;
    out[SOFTS] = set.softs.map((soft, index) => ({
      weight: soft.weight.value,
      items: featureSetObject(soft.features, `${where}, soft block ${index + 1}`),
    }));
  };
  const softsAt = set.softsPosition < 0 ? set.order.length : Math.min(set.softsPosition, set.order.length);
  set.order.forEach((name, index) => {
    if (index === softsAt) putSofts();
    const value = set.features.get(name);
    if (value !== undefined) encodeFeature(name, value, `${where}, feature '${name}'`, put);
  });
  if (softsAt === set.order.length) putSofts();
  return out;
}

function encodeFeature(
  name: string,
  value: FeatureValue,
  where: string,
  put: (key: string, value: unknown, name: string) => void,
): void {
  switch (value.kind) {
    case "string":
      put(name, value.value, name);
      return;
    case "list":
      put(name, [...value.value], name);
      return;
    case "contains":
      put(
        name,
        [...value.entries].map(([key, entry]) =>
          featureSetObject(entry, key === null ? `${where}, entry without name` : `${where}, entry '${key}'`),
        ),
        name,
      );
      return;
    case "number":
      encodeNumber(name, value, where, put);
  }
}

function encodeNumber(
  name: string,
  value: NumberValue,
  where: string,
  put: (key: string, value: unknown, name: string) => void,
): void {
  if (/_(min|max)$/.test(name)) {
    throw new RadlUnrepresentableError(
      where,
      "a numeric feature whose name ends in _min or _max reads back as a bound",
    );
  }
  const { lower, upper } = value;
  const lowValue = lower && scaledValue(lower.num, lower.unit);
  const highValue = upper && scaledValue(upper.num, upper.unit);
  if (lower?.op === "=" && upper?.op === "=" && lowValue === highValue) {
    put(name, lowValue, name);
    return;
  }
  if (lowValue !== undefined) put(`${name}_min`, lowValue, name);
  if (highValue !== undefined) put(`${name}_max`, highValue, name);
}

function deployObject(dep: DeploySec): JsonObject {
  return {
    class: "deploy",
    system: dep.system,
    vm_number: dep.count.value,
    ...(dep.cloud === undefined ? {} : { cloud: dep.cloud }),
  };
}

function contextualizeObject(ctx: Contextualize): JsonObject | undefined {
  if (ctx.items === null && ctx.options === null) return undefined;
  const out: JsonObject = { class: "contextualize" };
  if (ctx.maxTime !== 0 && ctx.maxTime.value !== 0) out.max_time = ctx.maxTime.value;
  if (ctx.items && ctx.items.size > 0) {
    out.items = [...ctx.items.values()].map((item) => ({
      system: item.system,
      configure: item.configure,
      ...(item.step !== 0 && item.step.value !== 0 ? { step: item.step.value } : {}),
      ...(item.tool === undefined ? {} : { ctxt_tool: item.tool }),
    }));
  }
  if (ctx.options && ctx.options.size > 0) {
    const options: JsonObject = {};
    for (const [name, option] of ctx.options) {
      const key = optionKey(name, option);
      if (Object.hasOwn(options, key) || key === SOFTS) {
        throw new RadlUnrepresentableError(
          `contextualize option '${name}'`,
          `its JSON key ${JSON.stringify(key)} is already taken or has another meaning in RADL-JSON`,
        );
      }
      options[key] = typeof option.value === "string" ? option.value : option.value.value;
    }
    out.options = options;
  }
  return out;
}

/** Options use the feature encoding (§5.4): a numeric `>=` option `x` is `x_min`. */
function optionKey(name: string, option: CtxOption): string {
  if (typeof option.value === "string") return name;
  if (/_(min|max)$/.test(name)) {
    throw new RadlUnrepresentableError(
      `contextualize option '${name}'`,
      "a numeric option whose name ends in _min or _max reads back as a bound",
    );
  }
  if (option.op === ">" || option.op === ">=") return `${name}_min`;
  if (option.op === "<" || option.op === "<=") return `${name}_max`;
  return name;
}
