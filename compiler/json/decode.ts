import type { Diagnostic } from "../diagnostic.js";
import { addFeature, addSoft, type FeatureLocation } from "../feature-set-builder.js";
import {
  ctxItemKey,
  emptyDocument,
  emptyFeatureSet,
  type Contextualize,
  type CtxItem,
  type CtxOption,
  type FeatureSet,
  type Span,
} from "../ir.js";
import { mergeContextualize } from "../merge.js";
import type { ParseResult } from "../parse.js";
import { locateJson, type JsonLocations } from "./locate.js";
import { JsonShapeReader, type JsonContextualize, type JsonFeature } from "./shape.js";

export interface DecodeOptions {
  /** File name, "<stdin>" or "<api>", copied into the document and every diagnostic. */
  source?: string;
}

/** The text parser's result type: `document` is null iff a diagnostic is an error. */
export type { ParseResult };

/**
 * RADL-JSON (spec radl.md §5) → IR. `input` is the JSON text or the value `JSON.parse` gave.
 * Features combine through the text builder's feature-set rules (§0.3, §3.2) and sections
 * through the document rules of §3.3 (unique ids per class, one description, contextualize
 * objects merged, deploys appended). Diagnostics carry JSON pointers; it never throws.
 */
export function decodeRadlJson(input: unknown, options: DecodeOptions = {}): ParseResult {
  const reader = new JsonShapeReader(options.source);
  let value: unknown = input;
  let locations: JsonLocations | undefined;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
      locations = locateJson(input);
    } catch (cause) {
      const diagnostic: Diagnostic = {
        code: "E-JSON-SHAPE",
        severity: "error",
        message: `not JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
        pointer: "",
        ...(options.source === undefined ? {} : { source: options.source }),
      };
      return { document: null, diagnostics: [diagnostic] };
    }
  }
  /** The value's span in the JSON text (with its pointer), or the pointer alone for a parsed value. */
  const at = (p: string): FeatureLocation => locations?.get(p) ?? { pointer: p };
  const spanOf = (p: string): { span?: Span } => {
    const span = locations?.get(p);
    return span === undefined ? {} : { span };
  };
  const featureSet = (features: JsonFeature[], diagnostics: Diagnostic[]) =>
    buildFeatureSet(features, diagnostics, at);
  const sections = reader.document(value);
  const diagnostics = reader.diagnostics;
  const built: Diagnostic[] = [];
  const doc = emptyDocument(options.source);
  const seen = {
    ansible: new Map<string, string>(),
    network: new Map<string, string>(),
    system: new Map<string, string>(),
    configure: new Map<string, string>(),
  };
  const uniqueId = (cls: keyof typeof seen, id: string, pointer: string): boolean => {
    const first = seen[cls].get(id);
    if (first !== undefined) {
      built.push({
        code: "E-BUILD-DUPLICATE-ID",
        severity: "error",
        message: `${cls} '${id}' is already defined at ${first === "" ? "the root" : first}`,
        pointer,
      });
      return false;
    }
    seen[cls].set(id, pointer);
    return true;
  };
  let descriptionAt = "";

  for (const s of sections) {
    switch (s.class) {
      case "description":
        if (doc.description) {
          built.push({
            code: "E-BUILD-DUPLICATE-DESCRIPTION",
            severity: "error",
            message: `a document has at most one description ('${doc.description.id}' is at ${descriptionAt})`,
            pointer: s.pointer,
          });
          break;
        }
        descriptionAt = s.pointer;
        doc.description = {
          id: s.id,
          reference: s.reference,
          features: featureSet(s.features, built),
          ...spanOf(s.pointer),
        };
        break;
      case "ansible":
      case "network":
      case "system": {
        if (!uniqueId(s.class, s.id, s.pointer)) break;
        const sec = {
          id: s.id,
          reference: s.reference,
          features: featureSet(s.features, built),
          ...spanOf(s.pointer),
        };
        if (s.class === "ansible") doc.ansible.push(sec);
        else if (s.class === "network") doc.networks.push(sec);
        else doc.systems.push(sec);
        break;
      }
      case "configure":
        if (!uniqueId("configure", s.id, s.pointer)) break;
        doc.configures.push({ id: s.id, reference: s.reference, recipe: s.recipe, ...spanOf(s.pointer) });
        break;
      case "contextualize":
        doc.contextualize = mergeWithWarnings(doc.contextualize, contextualize(s, built, spanOf), s, built);
        break;
      case "deploy":
        doc.deploys.push({
          system: s.system,
          count: s.count,
          ...(s.cloud === undefined ? {} : { cloud: s.cloud }),
          ...spanOf(s.pointer),
        });
        break;
    }
  }

  for (const d of built) {
    if (options.source !== undefined) d.source ??= options.source;
    diagnostics.push(d);
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return { document: failed ? null : doc, diagnostics };
}

function buildFeatureSet(
  features: JsonFeature[],
  diagnostics: Diagnostic[],
  locate: (pointer: string) => FeatureLocation,
): FeatureSet {
  const featureSet = (inner: JsonFeature[], d: Diagnostic[]) => buildFeatureSet(inner, d, locate);
  const set = emptyFeatureSet();
  for (const f of features) {
    const at = locate(f.pointer);
    switch (f.kind) {
      case "number":
        addFeature(set, f.name, { kind: "number", op: f.op, num: f.num }, at, diagnostics);
        break;
      case "string":
        addFeature(set, f.name, { kind: "string", op: "=", value: f.value }, at, diagnostics);
        break;
      case "list":
        addFeature(set, f.name, { kind: "list", op: "=", value: f.value }, at, diagnostics);
        break;
      case "contains":
        addFeature(
          set,
          f.name,
          { kind: "contains", features: featureSet(f.entry, diagnostics) },
          at,
          diagnostics,
        );
        break;
      case "soft":
        addSoft(set, f.weight, featureSet(f.features, diagnostics));
        break;
    }
  }
  return set;
}

/** One contextualize object; any object, even without items, is an explicit (possibly empty) plan (§5.4). */
function contextualize(
  s: JsonContextualize,
  diagnostics: Diagnostic[],
  spanOf: (pointer: string) => { span?: Span },
): Contextualize {
  const items = new Map<string, CtxItem>();
  for (const item of s.items) {
    const key = ctxItemKey(item.system, item.configure);
    if (items.has(key)) duplicateItem(item, diagnostics);
    items.set(key, {
      system: item.system,
      configure: item.configure,
      step: item.step,
      ...(item.tool === undefined ? {} : { tool: item.tool }),
      ...spanOf(item.pointer),
    });
  }
  const options = new Map<string, CtxOption>();
  for (const option of s.options)
    options.set(option.name, { op: option.op, value: option.value, ...spanOf(option.pointer) });
  return { maxTime: s.maxTime, items, options, ...spanOf(s.pointer) };
}

function mergeWithWarnings(
  base: Contextualize,
  added: Contextualize,
  s: JsonContextualize,
  diagnostics: Diagnostic[],
): Contextualize {
  for (const item of s.items) {
    if (base.items?.has(ctxItemKey(item.system, item.configure))) duplicateItem(item, diagnostics);
  }
  return mergeContextualize(base, added);
}

function duplicateItem(
  item: { system: string; configure: string; pointer: string },
  diagnostics: Diagnostic[],
): void {
  diagnostics.push({
    code: "W-CTX-DUPLICATE-ITEM",
    severity: "warning",
    message: `contextualize item 'system ${item.system} configure ${item.configure}' replaces an earlier one`,
    pointer: item.pointer,
  });
}
