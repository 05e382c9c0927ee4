/**
 * Syntax tree → IR (spec radl.md §3.2–§3.4): feature sets through the shared feature-set
 * builder, `'random(N)'` expansion, unique ids per section class, one description, merged
 * contextualize sections. Every problem is a diagnostic; building goes on after one.
 */
import { randomInt } from "node:crypto";
import type { AstContextualize, AstFeature, AstSection } from "./ast.js";
import type { Diagnostic } from "./diagnostic.js";
import {
  ctxItemKey,
  emptyDocument,
  emptyFeatureSet,
  type ConfigureSec,
  type CtxItem,
  type CtxOption,
  type DeploySec,
  type FeatureSet,
  type RadlDocument,
  type Section,
  type Span,
} from "./ir.js";
import { addFeature, addSoft, type Constraint } from "./feature-set-builder.js";

export interface BuildOptions {
  source?: string;
  /** Uniform integer in [0, max): the source of `'random(N)'` characters (tests inject one). */
  randomInt?: (max: number) => number;
}

/** Largest N accepted in `'random(N)'` (§1.9). */
export const MAX_RANDOM_LENGTH = 1024;
const RANDOM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const RANDOM_LITERAL = /^random\(([0-9]+)\)$/;

interface BuildContext {
  diagnostics: Diagnostic[];
  randomInt: (max: number) => number;
}

export function buildDocument(
  sections: AstSection[],
  options: BuildOptions = {},
): { document: RadlDocument; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ctx: BuildContext = { diagnostics, randomInt: options.randomInt ?? randomInt };
  const doc = emptyDocument(options.source);
  const ids = {
    ansible: new Map<string, Span>(),
    network: new Map<string, Span>(),
    system: new Map<string, Span>(),
    configure: new Map<string, Span>(),
  };
  const uniqueId = (cls: keyof typeof ids, id: string, span: Span): boolean => {
    const first = ids[cls].get(id);
    if (first !== undefined) {
      diagnostics.push({
        code: "E-BUILD-DUPLICATE-ID",
        severity: "error",
        message: `${cls} '${id}' is already defined at line ${first.line}:${first.column}`,
        span,
      });
      return false;
    }
    ids[cls].set(id, span);
    return true;
  };

  for (const s of sections) {
    switch (s.kind) {
      case "description": {
        if (doc.description) {
          diagnostics.push({
            code: "E-BUILD-DUPLICATE-DESCRIPTION",
            severity: "error",
            message: `a document has at most one description ('${doc.description.id}' is at line ${doc.description.span?.line ?? "?"})`,
            span: s.id.span,
          });
          break;
        }
        doc.description = {
          ...section(s.id.text, s.features === null, s.span),
          features: featureSet(s.features, ctx),
        };
        break;
      }
      case "ansible":
      case "network":
      case "system": {
        if (!uniqueId(s.kind, s.id.text, s.id.span)) break;
        const sec = {
          ...section(s.id.text, s.features === null, s.span),
          features: featureSet(s.features, ctx),
        };
        if (s.kind === "ansible") doc.ansible.push(sec);
        else if (s.kind === "network") doc.networks.push(sec);
        else doc.systems.push(sec);
        break;
      }
      case "configure": {
        if (!uniqueId("configure", s.id.text, s.id.span)) break;
        const sec: ConfigureSec = {
          ...section(s.id.text, !s.hasBody, s.span),
          recipe: s.recipe?.value ?? null,
        };
        doc.configures.push(sec);
        break;
      }
      case "contextualize":
        mergeContextualize(doc, s, diagnostics);
        break;
      case "deploy": {
        const d: DeploySec = { system: s.system.text, count: s.count.num, span: s.span };
        if (s.cloud) d.cloud = s.cloud.text;
        doc.deploys.push(d);
        break;
      }
    }
  }
  return { document: doc, diagnostics };
}

function section(id: string, reference: boolean, span: Span): Section {
  return { id, reference, span };
}

function featureSet(features: AstFeature[] | null, ctx: BuildContext): FeatureSet {
  const set = emptyFeatureSet();
  if (features) for (const f of features) addAstFeature(set, f, ctx);
  return set;
}

function addAstFeature(set: FeatureSet, f: AstFeature, ctx: BuildContext): void {
  switch (f.kind) {
    case "soft":
      addSoft(set, f.weight.num, featureSet(f.features, ctx), f.span);
      return;
    case "contains":
      addFeature(
        set,
        f.name.text,
        { kind: "contains", features: featureSet(f.features, ctx) },
        f.span,
        ctx.diagnostics,
      );
      return;
    case "simple": {
      const v = f.value;
      let c: Constraint;
      if (v.kind === "number") {
        c = { kind: "number", op: f.op, num: v.num };
        if (v.unit) c.unit = v.unit.text;
      } else if (v.kind === "list") {
        c = { kind: "list", op: f.op, value: v.items };
      } else {
        c = { kind: "string", op: f.op, value: v.value };
        const random = RANDOM_LITERAL.exec(v.value);
        if (random) {
          const n = Number(random[1]);
          if (n > MAX_RANDOM_LENGTH) {
            ctx.diagnostics.push({
              code: "E-LEX-NUMBER-RANGE",
              severity: "error",
              message: `'random(${random[1]})' asks for more than ${MAX_RANDOM_LENGTH} characters`,
              span: v.span,
            });
            return;
          }
          c = { kind: "string", op: f.op, value: randomString(n, ctx.randomInt), generated: "random" };
        }
      }
      addFeature(set, f.name.text, c, f.span, ctx.diagnostics);
      return;
    }
  }
}

function randomString(n: number, pick: (max: number) => number): string {
  const chars: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) chars[i] = RANDOM_ALPHABET[pick(RANDOM_ALPHABET.length)] ?? "A";
  return chars.join("");
}

/** All contextualize sections merge into one (§3.3): max time, items and options by key, later wins. */
function mergeContextualize(doc: RadlDocument, s: AstContextualize, diagnostics: Diagnostic[]): void {
  const target = doc.contextualize;
  target.span ??= s.span;
  if (s.time && (target.maxTime === 0 || s.time.num.value > target.maxTime.value))
    target.maxTime = s.time.num;
  // A section with a body always turns "never specified" (null) into an empty map.
  target.items ??= new Map<string, CtxItem>();
  target.options ??= new Map<string, CtxOption>();
  for (const e of s.entries) {
    if (e.kind === "option") {
      const opt: CtxOption = {
        op: e.op,
        value: e.value.kind === "number" ? e.value.num : e.value.value,
        span: e.span,
      };
      target.options.set(e.name.text, opt);
      continue;
    }
    const item: CtxItem = {
      system: e.system.text,
      configure: e.configure.text,
      step: e.step?.num ?? 0,
      span: e.span,
    };
    if (e.tool) item.tool = e.tool.text;
    const key = ctxItemKey(item.system, item.configure);
    const previous = target.items.get(key);
    if (previous) {
      diagnostics.push({
        code: "W-CTX-DUPLICATE-ITEM",
        severity: "warning",
        message: `contextualize item 'system ${item.system} configure ${item.configure}' replaces the one at line ${previous.span?.line ?? "?"}`,
        span: e.span,
      });
    }
    target.items.set(key, item);
  }
}
