/**
 * Syntax tree → IR (spec radl.md §3.2–§3.4): feature sets through the shared feature-set
 * builder, `'random(N)'` expansion, unique ids per section class, one description, merged
 * contextualize sections. Every problem is a diagnostic; building goes on after one.
 */
import { randomInt } from "node:crypto";
import type { AstContextualize, AstFeature, AstSection, FeatureSectionKind } from "./ast.js";
import type { Diagnostic } from "./diagnostic.js";
import {
  ctxItemKey,
  emptyDocument,
  emptyFeatureSet,
  type Comparator,
  type ConfigureSec,
  type CtxItem,
  type CtxOption,
  type DeploySec,
  type FeatureSet,
  type NumLiteral,
  type RadlDocument,
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

/**
 * Builds one document section by section; the syntax-tree builder below and the fast parser
 * (fast-parser.ts, which builds while it parses) both drive it, so the rules exist once.
 */
export class DocumentBuilder {
  readonly diagnostics: Diagnostic[] = [];
  readonly document: RadlDocument;
  private readonly pick: (max: number) => number;
  private readonly ids = {
    ansible: new Map<string, Span>(),
    network: new Map<string, Span>(),
    system: new Map<string, Span>(),
    configure: new Map<string, Span>(),
  };

  constructor(options: BuildOptions = {}) {
    this.document = emptyDocument(options.source);
    this.pick = options.randomInt ?? randomInt;
  }

  addNumber(
    set: FeatureSet,
    name: string,
    op: Comparator,
    num: NumLiteral,
    unit: string | undefined,
    span: Span,
  ): void {
    const c: Constraint = { kind: "number", op, num };
    if (unit !== undefined) c.unit = unit;
    addFeature(set, name, c, span, this.diagnostics);
  }

  /** A string value; exactly `random(N)` is replaced by N random alphanumerics (§1.9). */
  addString(set: FeatureSet, name: string, op: Comparator, value: string, valueSpan: Span, span: Span): void {
    let c: Constraint = { kind: "string", op, value };
    if (value.startsWith("random(")) {
      const random = RANDOM_LITERAL.exec(value);
      if (random) {
        const n = Number(random[1]);
        if (n > MAX_RANDOM_LENGTH) {
          this.diagnostics.push({
            code: "E-LEX-NUMBER-RANGE",
            severity: "error",
            message: `'random(${random[1]})' asks for more than ${MAX_RANDOM_LENGTH} characters`,
            span: valueSpan,
          });
          return;
        }
        c = { kind: "string", op, value: randomString(n, this.pick), generated: "random" };
      }
    }
    addFeature(set, name, c, span, this.diagnostics);
  }

  addList(set: FeatureSet, name: string, op: Comparator, items: string[], span: Span): void {
    addFeature(set, name, { kind: "list", op, value: items }, span, this.diagnostics);
  }

  addContains(set: FeatureSet, name: string, features: FeatureSet, span: Span): void {
    addFeature(set, name, { kind: "contains", features }, span, this.diagnostics);
  }

  addSoft(set: FeatureSet, weight: NumLiteral, features: FeatureSet, span: Span): void {
    addSoft(set, weight, features, span);
  }

  /** `features` null = reference form. A duplicate is reported and left out (its body was still checked). */
  featureSection(
    kind: FeatureSectionKind,
    id: string,
    idSpan: Span,
    features: FeatureSet | null,
    span: Span,
  ): void {
    const doc = this.document;
    const sec = { id, reference: features === null, span, features: features ?? emptyFeatureSet() };
    if (kind === "description") {
      if (doc.description) {
        this.diagnostics.push({
          code: "E-BUILD-DUPLICATE-DESCRIPTION",
          severity: "error",
          message: `a document has at most one description ('${doc.description.id}' is at line ${doc.description.span?.line ?? "?"})`,
          span: idSpan,
        });
        return;
      }
      doc.description = sec;
      return;
    }
    if (!this.uniqueId(kind, id, idSpan)) return;
    if (kind === "ansible") doc.ansible.push(sec);
    else if (kind === "network") doc.networks.push(sec);
    else doc.systems.push(sec);
  }

  configure(id: string, idSpan: Span, hasBody: boolean, recipe: string | null, span: Span): void {
    if (!this.uniqueId("configure", id, idSpan)) return;
    const sec: ConfigureSec = { id, reference: !hasBody, span, recipe };
    this.document.configures.push(sec);
  }

  deploy(system: string, count: NumLiteral, cloud: string | undefined, span: Span): void {
    const d: DeploySec = { system, count, span };
    if (cloud !== undefined) d.cloud = cloud;
    this.document.deploys.push(d);
  }

  /** All contextualize sections merge into one (§3.3): max time, items and options by key, later wins. */
  contextualize(s: AstContextualize): void {
    const target = this.document.contextualize;
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
        this.diagnostics.push({
          code: "W-CTX-DUPLICATE-ITEM",
          severity: "warning",
          message: `contextualize item 'system ${item.system} configure ${item.configure}' replaces the one at line ${previous.span?.line ?? "?"}`,
          span: e.span,
        });
      }
      target.items.set(key, item);
    }
  }

  private uniqueId(cls: keyof DocumentBuilder["ids"], id: string, span: Span): boolean {
    const seen = this.ids[cls];
    const first = seen.get(id);
    if (first !== undefined) {
      this.diagnostics.push({
        code: "E-BUILD-DUPLICATE-ID",
        severity: "error",
        message: `${cls} '${id}' is already defined at line ${first.line}:${first.column}`,
        span,
      });
      return false;
    }
    seen.set(id, span);
    return true;
  }
}

/** Builds the IR from a syntax tree (the Chevrotain path). */
export function buildDocument(
  sections: AstSection[],
  options: BuildOptions = {},
): { document: RadlDocument; diagnostics: Diagnostic[] } {
  const b = new DocumentBuilder(options);
  for (const s of sections) {
    switch (s.kind) {
      case "description":
      case "ansible":
      case "network":
      case "system":
        b.featureSection(
          s.kind,
          s.id.text,
          s.id.span,
          s.features === null ? null : featureSet(s.features, b),
          s.span,
        );
        break;
      case "configure":
        b.configure(s.id.text, s.id.span, s.hasBody, s.recipe?.value ?? null, s.span);
        break;
      case "contextualize":
        b.contextualize(s);
        break;
      case "deploy":
        b.deploy(s.system.text, s.count.num, s.cloud?.text, s.span);
        break;
    }
  }
  return { document: b.document, diagnostics: b.diagnostics };
}

function featureSet(features: AstFeature[], b: DocumentBuilder): FeatureSet {
  const set = emptyFeatureSet();
  for (const f of features) {
    switch (f.kind) {
      case "soft":
        b.addSoft(set, f.weight.num, featureSet(f.features, b), f.span);
        break;
      case "contains":
        b.addContains(set, f.name.text, featureSet(f.features, b), f.span);
        break;
      case "simple": {
        const v = f.value;
        if (v.kind === "number") b.addNumber(set, f.name.text, f.op, v.num, v.unit?.text, f.span);
        else if (v.kind === "list") b.addList(set, f.name.text, f.op, v.items, f.span);
        else b.addString(set, f.name.text, f.op, v.value, v.span, f.span);
        break;
      }
    }
  }
  return set;
}

function randomString(n: number, pick: (max: number) => number): string {
  const chars: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) chars[i] = RANDOM_ALPHABET[pick(RANDOM_ALPHABET.length)] ?? "A";
  return chars.join("");
}
