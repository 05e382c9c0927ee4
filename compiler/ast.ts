/**
 * The syntax tree the parser produces (spec radl.md §2.1), before the build rules of §3.2–§3.4
 * turn it into the IR. Plain data with a span on every node. Parts a syntax error cut short
 * may be missing (`undefined`); the builder only runs on trees without syntax errors.
 */
import type { Comparator, NumLiteral, Span } from "./ir.js";

export interface AstName {
  text: string;
  span: Span;
}

export interface AstNumber {
  num: NumLiteral;
  span: Span;
}

export type AstValue =
  | { kind: "number"; num: NumLiteral; unit?: AstName; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "list"; items: string[]; span: Span };

export type AstFeature =
  | { kind: "simple"; name: AstName; op: Comparator; value: AstValue; span: Span }
  | { kind: "contains"; name: AstName; features: AstFeature[]; span: Span }
  | { kind: "soft"; weight: AstNumber; features: AstFeature[]; span: Span };

export type FeatureSectionKind = "description" | "ansible" | "network" | "system";

export interface AstFeatureSection {
  kind: FeatureSectionKind;
  id: AstName;
  /** null = reference form (no body). */
  features: AstFeature[] | null;
  span: Span;
}

export interface AstConfigure {
  kind: "configure";
  id: AstName;
  /** false = reference form `configure X`. */
  hasBody: boolean;
  /** null = `configure X ()`. */
  recipe: { value: string; span: Span } | null;
  span: Span;
}

export interface AstCtxOption {
  kind: "option";
  name: AstName;
  op: Comparator;
  value: { kind: "string"; value: string } | { kind: "number"; num: NumLiteral };
  span: Span;
}

export interface AstCtxItem {
  kind: "item";
  system: AstName;
  configure: AstName;
  step?: AstNumber;
  tool?: AstName;
  span: Span;
}

export interface AstContextualize {
  kind: "contextualize";
  time?: AstNumber;
  entries: (AstCtxOption | AstCtxItem)[];
  span: Span;
}

export interface AstDeploy {
  kind: "deploy";
  system: AstName;
  count: AstNumber;
  cloud?: AstName;
  span: Span;
}

export type AstSection = AstFeatureSection | AstConfigure | AstContextualize | AstDeploy;

export interface AstDocument {
  sections: AstSection[];
}
