import type { Diagnostic } from "../diagnostic.js";
import type { Comparator, NumLiteral } from "../ir.js";
import { jsonNumberLiteral } from "./number.js";
import { pointer } from "./pointer.js";

/**
 * RADL-JSON read into constraints, before they are combined (spec radl.md §5.1–§5.6). This is
 * the JSON counterpart of the parser's syntax tree: the builder then applies the same rules to
 * both (§0.3). Every node carries the JSON pointer of the value it came from.
 */
export type JsonFeature =
  | { kind: "number"; name: string; op: Comparator; num: NumLiteral; pointer: string }
  | { kind: "string"; name: string; value: string; pointer: string }
  | { kind: "list"; name: string; value: string[]; pointer: string }
  | { kind: "contains"; name: string; entry: JsonFeature[]; pointer: string }
  | { kind: "soft"; weight: NumLiteral; features: JsonFeature[]; pointer: string };

export type FeatureSectionClass = "description" | "ansible" | "network" | "system";

export interface JsonFeatureSection {
  class: FeatureSectionClass;
  id: string;
  reference: boolean;
  features: JsonFeature[];
  pointer: string;
}
export interface JsonConfigure {
  class: "configure";
  id: string;
  reference: boolean;
  recipe: string | null;
  pointer: string;
}
export interface JsonCtxItem {
  system: string;
  configure: string;
  step: NumLiteral | 0;
  tool?: string;
  pointer: string;
}
export interface JsonCtxOption {
  name: string;
  op: Comparator;
  value: string | NumLiteral;
  pointer: string;
}
export interface JsonContextualize {
  class: "contextualize";
  maxTime: NumLiteral | 0;
  items: JsonCtxItem[];
  options: JsonCtxOption[];
  pointer: string;
}
export interface JsonDeploy {
  class: "deploy";
  system: string;
  count: NumLiteral;
  cloud?: string;
  pointer: string;
}
export type JsonSection = JsonFeatureSection | JsonConfigure | JsonContextualize | JsonDeploy;

const FEATURE_CLASSES = new Set<string>(["description", "ansible", "network", "system"]);
const ALL_CLASSES = [...FEATURE_CLASSES, "configure", "contextualize", "deploy"];

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Reads the sections of a RADL-JSON document, reporting shape and value errors with pointers. */
export class JsonShapeReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly source: string | undefined) {}

  private report(code: string, at: string, message: string, severity: "error" | "warning" = "error"): void {
    this.diagnostics.push({
      code,
      severity,
      message,
      pointer: at,
      ...(this.source === undefined ? {} : { source: this.source }),
    });
  }

  document(input: unknown): JsonSection[] {
    if (!Array.isArray(input)) {
      this.report("E-JSON-SHAPE", "", `a RADL-JSON document is an array of objects, not ${describe(input)}`);
      return [];
    }
    const sections: JsonSection[] = [];
    input.forEach((item, index) => {
      const section = this.section(item, pointer("", index));
      if (section) sections.push(section);
    });
    return sections;
  }

  private section(item: unknown, at: string): JsonSection | undefined {
    if (!isObject(item)) {
      this.report("E-JSON-SHAPE", at, `each element must be an object with a "class", not ${describe(item)}`);
      return undefined;
    }
    const cls = item.class;
    if (cls === undefined) {
      this.report("E-JSON-SHAPE", at, `missing "class" (one of ${ALL_CLASSES.join(", ")})`);
      return undefined;
    }
    if (typeof cls !== "string" || !ALL_CLASSES.includes(cls)) {
      this.report(
        "E-JSON-SHAPE",
        pointer(at, "class"),
        `unknown class ${JSON.stringify(cls)}; expected one of ${ALL_CLASSES.join(", ")}`,
      );
      return undefined;
    }
    if (cls === "configure") return this.configure(item, at);
    if (cls === "contextualize") return this.contextualize(item, at);
    if (cls === "deploy") return this.deploy(item, at);
    return this.featureSection(cls as FeatureSectionClass, item, at);
  }

  /** `true` only; `false` or absent is a definition. */
  private reference(item: JsonObject, at: string, cls: string): boolean | undefined {
    const ref = item.reference;
    if (ref === undefined || ref === false) return false;
    if (ref !== true) {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "reference"),
        `"reference" must be true or false, not ${describe(ref)}`,
      );
      return undefined;
    }
    if (cls === "ansible" || cls === "contextualize" || cls === "deploy") {
      this.report(
        "E-JSON-REFERENCE-CLASS",
        pointer(at, "reference"),
        `a ${cls} object cannot be a reference`,
      );
      return undefined;
    }
    return true;
  }

  private id(item: JsonObject, at: string, cls: string): string | undefined {
    const id = item.id;
    if (id === undefined) {
      this.report("E-JSON-SHAPE", at, `a ${cls} object needs an "id"`);
      return undefined;
    }
    if (cls === "description" && typeof id === "number" && Number.isInteger(id)) {
      // REF's encoder writes an object identity here instead of the description id (§5.6).
      this.report(
        "W-JSON-DESCRIPTION-ID",
        pointer(at, "id"),
        `the description id is the number ${id}, read as the text "${id}" (old IM versions wrote a meaningless number here)`,
        "warning",
      );
      return String(id);
    }
    if (typeof id !== "string" || id === "") {
      this.report(
        "E-JSON-SHAPE",
        pointer(at, "id"),
        `the "id" of a ${cls} must be a non-empty string, not ${describe(id)}`,
      );
      return undefined;
    }
    return id;
  }

  private featureSection(
    cls: FeatureSectionClass,
    item: JsonObject,
    at: string,
  ): JsonFeatureSection | undefined {
    const id = this.id(item, at, cls);
    const reference = this.reference(item, at, cls);
    if (id === undefined || reference === undefined) return undefined;
    if (reference) return { class: cls, id, reference, features: [], pointer: at };
    const { class: _class, id: _id, reference: _reference, ...rest } = item;
    return { class: cls, id, reference, features: this.features(rest, at), pointer: at };
  }

  /** §5.2 feature decoding of every key of `object`. */
  features(object: JsonObject, at: string): JsonFeature[] {
    const out: JsonFeature[] = [];
    for (const [key, value] of Object.entries(object)) {
      const where = pointer(at, key);
      if (key === "softs") {
        out.push(...this.softs(value, where));
        continue;
      }
      const bound = /^(.*)_(min|max)$/.exec(key);
      if (bound && typeof value === "number") {
        out.push({
          kind: "number",
          name: bound[1] ?? "",
          op: bound[2] === "min" ? ">=" : "<=",
          num: jsonNumberLiteral(value),
          pointer: where,
        });
      } else if (typeof value === "number") {
        out.push({ kind: "number", name: key, op: "=", num: jsonNumberLiteral(value), pointer: where });
      } else if (typeof value === "string") {
        out.push({ kind: "string", name: key, value, pointer: where });
      } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        out.push({ kind: "list", name: key, value: [...value], pointer: where });
      } else if (Array.isArray(value) && value.every((v) => isObject(v) && !("class" in v))) {
        value.forEach((entry, index) => {
          out.push({
            kind: "contains",
            name: key,
            entry: this.features(entry as JsonObject, pointer(where, index)),
            pointer: pointer(where, index),
          });
        });
      } else {
        this.report("E-JSON-VALUE", where, `feature ${JSON.stringify(key)}: ${this.valueProblem(value)}`);
      }
    }
    return out;
  }

  private valueProblem(value: unknown): string {
    if (typeof value === "boolean")
      return `a boolean (${String(value)}) is not a RADL value; use 'yes'/'no' or a number`;
    if (value === null) return "null is not a RADL value";
    if (Array.isArray(value)) {
      return 'an array must hold only strings (a list) or only objects without "class" (a contains feature)';
    }
    if (isObject(value) && "class" in value) return "a section object is not a feature value";
    return "an object is not a feature value (a contains feature is an array of objects)";
  }

  private softs(value: unknown, at: string): JsonFeature[] {
    if (!Array.isArray(value)) {
      this.report(
        "E-JSON-VALUE",
        at,
        `"softs" must be an array of {"weight", "items"} objects, not ${describe(value)}`,
      );
      return [];
    }
    const out: JsonFeature[] = [];
    value.forEach((soft, index) => {
      const where = pointer(at, index);
      if (!isObject(soft)) {
        this.report(
          "E-JSON-VALUE",
          where,
          `a soft block must be an object {"weight", "items"}, not ${describe(soft)}`,
        );
        return;
      }
      const weight = soft.weight ?? 0;
      const items = soft.items ?? {};
      if (typeof weight !== "number") {
        this.report(
          "E-JSON-VALUE",
          pointer(where, "weight"),
          `a soft weight must be a number, not ${describe(weight)}`,
        );
        return;
      }
      if (!isObject(items)) {
        this.report(
          "E-JSON-VALUE",
          pointer(where, "items"),
          `soft "items" must be an object, not ${describe(items)}`,
        );
        return;
      }
      out.push({
        kind: "soft",
        weight: jsonNumberLiteral(weight),
        features: this.features(items, pointer(where, "items")),
        pointer: where,
      });
    });
    return out;
  }

  private configure(item: JsonObject, at: string): JsonConfigure | undefined {
    const id = this.id(item, at, "configure");
    const reference = this.reference(item, at, "configure");
    if (id === undefined || reference === undefined) return undefined;
    if (reference) return { class: "configure", id, reference, recipe: null, pointer: at };
    if (!("recipes" in item)) {
      this.report(
        "E-JSON-SHAPE",
        at,
        `configure "${id}" needs "recipes" (a string, or null for an empty configure)`,
      );
      return undefined;
    }
    const recipe = item.recipes;
    if (recipe !== null && typeof recipe !== "string") {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "recipes"),
        `"recipes" must be a string or null, not ${describe(recipe)}`,
      );
      return undefined;
    }
    return { class: "configure", id, reference, recipe, pointer: at };
  }

  private contextualize(item: JsonObject, at: string): JsonContextualize | undefined {
    if (this.reference(item, at, "contextualize") === undefined) return undefined;
    let ok = true;
    const maxTime = item.max_time ?? 0;
    if (typeof maxTime !== "number") {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "max_time"),
        `"max_time" must be a number, not ${describe(maxTime)}`,
      );
      ok = false;
    }
    const items: JsonCtxItem[] = [];
    const rawItems = item.items ?? [];
    if (!Array.isArray(rawItems)) {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "items"),
        `"items" must be an array, not ${describe(rawItems)}`,
      );
      ok = false;
    } else {
      rawItems.forEach((raw, index) => {
        const parsed = this.ctxItem(raw, pointer(pointer(at, "items"), index));
        if (parsed) items.push(parsed);
        else ok = false;
      });
    }
    const options: JsonCtxOption[] = [];
    const rawOptions = item.options ?? {};
    if (!isObject(rawOptions)) {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "options"),
        `"options" must be an object, not ${describe(rawOptions)}`,
      );
      ok = false;
    } else {
      for (const feature of this.features(rawOptions, pointer(at, "options"))) {
        if (feature.kind === "number") {
          options.push({ name: feature.name, op: feature.op, value: feature.num, pointer: feature.pointer });
        } else if (feature.kind === "string") {
          options.push({ name: feature.name, op: "=", value: feature.value, pointer: feature.pointer });
        } else {
          this.report("E-JSON-VALUE", feature.pointer, "a contextualize option is a string or a number");
          ok = false;
        }
      }
    }
    if (!ok || typeof maxTime !== "number") return undefined;
    return {
      class: "contextualize",
      maxTime: maxTime === 0 ? 0 : jsonNumberLiteral(maxTime),
      items,
      options,
      pointer: at,
    };
  }

  private ctxItem(raw: unknown, at: string): JsonCtxItem | undefined {
    if (!isObject(raw)) {
      this.report(
        "E-JSON-SHAPE",
        at,
        `a contextualize item is an object {"system", "configure"}, not ${describe(raw)}`,
      );
      return undefined;
    }
    const { system, configure } = raw;
    const step = raw.step ?? 0;
    // REF treats an empty tool like none (the default, Ansible)
    const tool = raw.ctxt_tool === "" ? undefined : (raw.ctxt_tool ?? undefined);
    for (const [key, value] of [
      ["system", system],
      ["configure", configure],
    ] as const) {
      if (value === undefined) {
        this.report("E-JSON-SHAPE", at, `a contextualize item needs "${key}"`);
        return undefined;
      }
      if (typeof value !== "string") {
        this.report("E-JSON-VALUE", pointer(at, key), `"${key}" must be a string, not ${describe(value)}`);
        return undefined;
      }
    }
    if (typeof step !== "number") {
      this.report("E-JSON-VALUE", pointer(at, "step"), `"step" must be a number, not ${describe(step)}`);
      return undefined;
    }
    if (tool !== undefined && typeof tool !== "string") {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "ctxt_tool"),
        `"ctxt_tool" must be a string, not ${describe(tool)}`,
      );
      return undefined;
    }
    return {
      system: system as string,
      configure: configure as string,
      step: step === 0 ? 0 : jsonNumberLiteral(step),
      ...(tool === undefined ? {} : { tool }),
      pointer: at,
    };
  }

  private deploy(item: JsonObject, at: string): JsonDeploy | undefined {
    if (this.reference(item, at, "deploy") === undefined) return undefined;
    const { system, vm_number: count, cloud } = item;
    if (system === undefined || count === undefined) {
      this.report("E-JSON-SHAPE", at, `a deploy object needs "system" and "vm_number"`);
      return undefined;
    }
    if (typeof system !== "string" || system === "") {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "system"),
        `"system" must be a system id, not ${describe(system)}`,
      );
      return undefined;
    }
    if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
      this.report(
        "E-JSON-VALUE",
        pointer(at, "vm_number"),
        `"vm_number" must be a non-negative integer, not ${describe(count)}`,
      );
      return undefined;
    }
    if (cloud !== undefined && cloud !== null && typeof cloud !== "string") {
      this.report("E-JSON-VALUE", pointer(at, "cloud"), `"cloud" must be a cloud id, not ${describe(cloud)}`);
      return undefined;
    }
    return {
      class: "deploy",
      system,
      count: jsonNumberLiteral(count),
      ...(typeof cloud === "string" && cloud !== "" ? { cloud } : {}),
      pointer: at,
    };
  }
}
