/**
 * The RADL intermediate representation (spec radl.md §3.1).
 *
 * Everything the reference object model can hold is representable here, because printing
 * and the JSON form are defined on it. Every node parsed from text keeps its source span.
 */

export type Comparator = "=" | "<" | ">" | "<=" | ">=";

export interface Span {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** 0-based offset into the source. */
  offset: number;
  length: number;
  /** For RADL-JSON input: the RFC 6901 pointer of the value (the line and column are in the JSON text). */
  pointer?: string;
}

/** A number as written: `value` is the parsed value, `text` the literal (e.g. "2."). */
export interface NumLiteral {
  value: number;
  isFloat: boolean;
  text: string;
}

/** One side of a numeric interval, keeping the original constraint (operator, literal, unit verbatim). */
export interface Bound {
  op: Comparator;
  num: NumLiteral;
  unit?: string;
  span?: Span;
}

export interface NumberValue {
  kind: "number";
  lower?: Bound;
  upper?: Bound;
  span?: Span;
}

export interface StringValue {
  kind: "string";
  op: Comparator;
  value: string;
  /** Set when the literal was exactly `'random(N)'`. */
  generated?: "random";
  span?: Span;
}

export interface ListValue {
  kind: "list";
  op: Comparator;
  value: string[];
  span?: Span;
}

export interface ContainsValue {
  kind: "contains";
  /** Keyed by the entry's `name` sub-feature (null for entries without one), in first-appearance order. */
  entries: Map<string | null, FeatureSet>;
  span?: Span;
}

export type FeatureValue = NumberValue | StringValue | ListValue | ContainsValue;

export interface FeatureSet {
  /** Feature names in first-appearance order (§6.3). */
  order: string[];
  features: Map<string, FeatureValue>;
  /** In source order. */
  softs: SoftBlock[];
  /** Index in `order` where the first soft block appeared (-1 when there is none). */
  softsPosition: number;
}

export interface SoftBlock {
  weight: NumLiteral;
  features: FeatureSet;
  span?: Span;
}

export interface Section {
  id: string;
  /** `system wn` without a body: the definition already stored in the infrastructure. */
  reference: boolean;
  span?: Span;
}

export interface DescriptionSec extends Section {
  features: FeatureSet;
}
export interface AnsibleSec extends Section {
  features: FeatureSet;
}
export interface NetworkSec extends Section {
  features: FeatureSet;
}
export interface SystemSec extends Section {
  features: FeatureSet;
}
export interface ConfigureSec extends Section {
  /** null = `configure X ()` (an empty configure that disables contextualization of X). */
  recipe: string | null;
}

export interface CtxItem {
  system: string;
  configure: string;
  /** 0 when no `step` was given. */
  step: NumLiteral | 0;
  /** The `with` tool, e.g. "cloud_init". */
  tool?: string;
  span?: Span;
}

export interface CtxOption {
  op: Comparator;
  value: string | NumLiteral;
  span?: Span;
}

export interface Contextualize {
  /** 0 when no time was given. */
  maxTime: NumLiteral | 0;
  /** key = system + "\u0000" + configure; null = no contextualize section seen. */
  items: Map<string, CtxItem> | null;
  options: Map<string, CtxOption> | null;
  span?: Span;
}

export interface DeploySec {
  system: string;
  count: NumLiteral;
  cloud?: string;
  span?: Span;
}

export interface RadlDocument {
  description?: DescriptionSec;
  ansible: AnsibleSec[];
  networks: NetworkSec[];
  systems: SystemSec[];
  configures: ConfigureSec[];
  deploys: DeploySec[];
  /** Always present; `items`/`options` null means no section was seen. */
  contextualize: Contextualize;
  /** Name of the source (file path, "<stdin>", "<api>") used in diagnostics. */
  source?: string;
}

export function ctxItemKey(system: string, configure: string): string {
  return `${system}\u0000${configure}`;
}

export function emptyFeatureSet(): FeatureSet {
  return { order: [], features: new Map(), softs: [], softsPosition: -1 };
}

export function emptyDocument(source?: string): RadlDocument {
  return {
    ansible: [],
    networks: [],
    systems: [],
    configures: [],
    deploys: [],
    contextualize: { maxTime: 0, items: null, options: null },
    ...(source === undefined ? {} : { source }),
  };
}
