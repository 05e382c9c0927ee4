/**
 * RADL parser (spec radl.md §2.1, LL(2)) on Chevrotain's EmbeddedActionsParser: tokens → syntax
 * tree (ast.ts) with a span on every node. Error recovery is on, so one pass reports several
 * syntax errors; and when a section cannot be resynchronised the document is parsed again from
 * the next section keyword, so errors in later sections are found too.
 */
import {
  EmbeddedActionsParser,
  EOF,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from "chevrotain";
import type {
  AstConfigure,
  AstContextualize,
  AstCtxItem,
  AstCtxOption,
  AstDeploy,
  AstFeature,
  AstFeatureSection,
  AstName,
  AstNumber,
  AstSection,
  AstValue,
  FeatureSectionKind,
} from "./ast.js";
import type { Diagnostic } from "./diagnostic.js";
import type { Comparator, NumLiteral, Span } from "./ir.js";
import { spanAt, tokenSpan } from "./lexer.js";
import {
  ALL_TOKENS,
  And,
  Ansible,
  Comma,
  Configure,
  Contains,
  Contextualize,
  Deploy,
  Description,
  EQ,
  GE,
  GT,
  Identifier,
  KEYWORDS,
  LBrack,
  LE,
  LParen,
  LT,
  Network,
  NumberLit,
  Option,
  RBrack,
  RecipeBegin,
  RecipeEnd,
  RecipeLine,
  RParen,
  Soft,
  Step,
  StringLit,
  System,
  With,
  type StringPayload,
} from "./tokens.js";

export function numLiteral(image: string): NumLiteral {
  return { value: Number(image), isFloat: image.includes("."), text: image };
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

const KEYWORD_SET = new Set<TokenType>(KEYWORDS);

function describeToken(tok: IToken | undefined): string {
  if (tok === undefined || tok.tokenType === EOF) return "end of input";
  if (tok.tokenType === RecipeLine) return "recipe text";
  const image = tok.image.length > 40 ? `${tok.image.slice(0, 37)}...` : tok.image;
  if (KEYWORD_SET.has(tok.tokenType)) return `the reserved word '${image}'`;
  return `${label(tok.tokenType)} ${JSON.stringify(image)}`;
}

/**
 * Error messages carry the expected token labels; `expectedByMessage` maps a message back to
 * them (the message is a function of the expected set, so the mapping is exact).
 */
const expectedByMessage = new Map<string, string[]>();

function expectation(expected: string[], actual: IToken | undefined): string {
  const unique = [...new Set(expected)];
  let message =
    unique.length === 1
      ? `expected ${unique[0]} but found ${describeToken(actual)}`
      : `expected one of ${unique.join(", ")} but found ${describeToken(actual)}`;
  if (actual && KEYWORD_SET.has(actual.tokenType) && unique.includes("identifier")) {
    message += ` (reserved words cannot be used as names)`;
  }
  if (expectedByMessage.size > 10_000) expectedByMessage.clear();
  expectedByMessage.set(message, unique);
  return message;
}

function firstTokens(paths: TokenType[][]): string[] {
  const out: string[] = [];
  for (const path of paths) if (path[0]) out.push(label(path[0]));
  return out;
}

const SECTION_KEYWORDS = [Description, Ansible, Network, System, Configure, Contextualize, Deploy];
const SECTION_START = new Set<TokenType>(SECTION_KEYWORDS);

const FEATURE_BODIES = new Set(["featureSection", "ansibleSection", "softFeature", "containsFeature"]);

function continuations(ruleName: string, previous: IToken | undefined): string[] {
  const afterOpen = previous?.tokenType === LParen;
  if (FEATURE_BODIES.has(ruleName)) return afterOpen ? [label(Identifier), label(Soft)] : [label(And)];
  if (ruleName === "contextualizeSection") return [label(Option), label(System)];
  if (ruleName === "configureSection" && afterOpen) return [label(RecipeBegin)];
  return [];
}

const errorMessageProvider = {
  buildMismatchTokenMessage(o: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }) {
    // Repetition recovery at the top level reports "expected EOF": what fits there is a section.
    if (o.expected === EOF) return expectation(SECTION_KEYWORDS.map(label), o.actual);
    // Chevrotain names only the closing ')' after an optional or repeated part that was skipped;
    // the parts that could have continued there belong to the expected set too.
    if (o.expected === RParen) {
      const more = continuations(o.ruleName, o.previous);
      if (more.length > 0) return expectation([...more, label(RParen)], o.actual);
    }
    return expectation([label(o.expected)], o.actual);
  },
  buildNotAllInputParsedMessage(o: { firstRedundant: IToken; ruleName: string }) {
    return expectation(SECTION_KEYWORDS.map(label), o.firstRedundant);
  },
  buildNoViableAltMessage(o: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; ruleName: string }) {
    return expectation(o.expectedPathsPerAlt.flatMap(firstTokens), o.actual[0]);
  },
  buildEarlyExitMessage(o: { expectedIterationPaths: TokenType[][]; actual: IToken[]; ruleName: string }) {
    return expectation(firstTokens(o.expectedIterationPaths), o.actual[0]);
  },
};

/** A sub-rule that recovered from an error returns undefined; the tree is discarded then anyway. */
function comparatorOf(tok: IToken | undefined): Comparator {
  return (tok?.image ?? "=") as Comparator;
}

class RadlParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { maxLookahead: 2, recoveryEnabled: true, errorMessageProvider });
    this.performSelfAnalysis();
  }

  private spanFrom(start: IToken): Span {
    const end = this.LA(0);
    const s = tokenSpan(start);
    const endOffset = end.endOffset ?? end.startOffset + end.image.length - 1;
    if (Number.isFinite(endOffset) && endOffset >= start.startOffset)
      s.length = endOffset + 1 - start.startOffset;
    return s;
  }

  private name(tok: IToken): AstName {
    return { text: tok.image, span: tokenSpan(tok) };
  }

  private number(tok: IToken): AstNumber {
    return { num: numLiteral(tok.image), span: tokenSpan(tok) };
  }

  public document = this.RULE("document", (): AstSection[] => {
    const sections: AstSection[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.section);
      this.ACTION(() => {
        if (s) sections.push(s);
      });
    });
    return sections;
  });

  private section = this.RULE("section", (): AstSection | undefined =>
    this.OR([
      { ALT: () => this.SUBRULE(this.featureSection) },
      { ALT: () => this.SUBRULE(this.ansibleSection) },
      { ALT: () => this.SUBRULE(this.configureSection) },
      { ALT: () => this.SUBRULE(this.contextualizeSection) },
      { ALT: () => this.SUBRULE(this.deploySection) },
    ]),
  );

  private featureSection = this.RULE("featureSection", (): AstFeatureSection | undefined => {
    const kw = this.OR([
      { ALT: () => this.CONSUME(Description) },
      { ALT: () => this.CONSUME(Network) },
      { ALT: () => this.CONSUME(System) },
    ]);
    const id = this.CONSUME(Identifier);
    let features: AstFeature[] | null = null;
    this.OPTION(() => {
      this.CONSUME(LParen);
      features = this.SUBRULE(this.featureList);
      this.CONSUME(RParen);
    });
    return this.ACTION(() => ({
      kind: kw.image as FeatureSectionKind,
      id: this.name(id),
      features: features ?? (null as AstFeature[] | null),
      span: this.spanFrom(kw),
    }));
  });

  private ansibleSection = this.RULE("ansibleSection", (): AstFeatureSection | undefined => {
    const kw = this.CONSUME(Ansible);
    const id = this.CONSUME(Identifier);
    this.CONSUME(LParen);
    const features = this.SUBRULE(this.featureList);
    this.CONSUME(RParen);
    return this.ACTION(() => ({
      kind: "ansible" as const,
      id: this.name(id),
      features: features ?? [],
      span: this.spanFrom(kw),
    }));
  });

  private configureSection = this.RULE("configureSection", (): AstConfigure | undefined => {
    const kw = this.CONSUME(Configure);
    const id = this.CONSUME(Identifier);
    let hasBody = false;
    let recipe: { value: string; span: Span } | null = null;
    this.OPTION(() => {
      this.CONSUME(LParen);
      hasBody = true;
      this.OPTION2(() => {
        recipe = this.SUBRULE(this.recipe) ?? null;
      });
      this.CONSUME(RParen);
    });
    return this.ACTION(() => ({
      kind: "configure" as const,
      id: this.name(id),
      hasBody,
      recipe,
      span: this.spanFrom(kw),
    }));
  });

  private recipe = this.RULE("recipe", (): { value: string; span: Span } | undefined => {
    const begin = this.CONSUME(RecipeBegin);
    const lines: string[] = [];
    this.AT_LEAST_ONE(() => {
      const line = this.CONSUME(RecipeLine);
      this.ACTION(() => lines.push(line.image));
    });
    this.CONSUME(RecipeEnd);
    return this.ACTION(() => ({ value: lines.join(""), span: this.spanFrom(begin) }));
  });

  private contextualizeSection = this.RULE("contextualizeSection", (): AstContextualize | undefined => {
    const kw = this.CONSUME(Contextualize);
    let time: AstNumber | undefined;
    this.OPTION(() => {
      const t = this.CONSUME(NumberLit);
      this.ACTION(() => (time = this.number(t)));
    });
    this.CONSUME(LParen);
    const entries: (AstCtxOption | AstCtxItem)[] = [];
    this.MANY(() => {
      const e = this.OR([
        { ALT: () => this.SUBRULE(this.ctxOption) },
        { ALT: () => this.SUBRULE(this.ctxItem) },
      ]);
      this.ACTION(() => {
        if (e) entries.push(e);
      });
    });
    this.CONSUME(RParen);
    return this.ACTION(() => {
      const s: AstContextualize = { kind: "contextualize", entries, span: this.spanFrom(kw) };
      if (time) s.time = time;
      return s;
    });
  });

  private ctxOption = this.RULE("ctxOption", (): AstCtxOption | undefined => {
    const kw = this.CONSUME(Option);
    const name = this.CONSUME(Identifier);
    const op = this.SUBRULE(this.comparator);
    const value = this.OR([{ ALT: () => this.CONSUME(StringLit) }, { ALT: () => this.CONSUME(NumberLit) }]);
    return this.ACTION(() => ({
      kind: "option" as const,
      name: this.name(name),
      op: comparatorOf(op),
      value:
        value?.tokenType === NumberLit
          ? { kind: "number" as const, num: numLiteral(value.image) }
          : { kind: "string" as const, value: (value?.payload as StringPayload | undefined)?.value ?? "" },
      span: this.spanFrom(kw),
    }));
  });

  private ctxItem = this.RULE("ctxItem", (): AstCtxItem | undefined => {
    const kw = this.CONSUME(System);
    const system = this.CONSUME(Identifier);
    this.CONSUME(Configure);
    const configure = this.CONSUME2(Identifier);
    let step: IToken | undefined;
    let tool: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(Step);
      step = this.CONSUME(NumberLit);
    });
    this.OPTION2(() => {
      this.CONSUME(With);
      tool = this.CONSUME3(Identifier);
    });
    return this.ACTION(() => {
      const item: AstCtxItem = {
        kind: "item",
        system: this.name(system),
        configure: this.name(configure),
        span: this.spanFrom(kw),
      };
      if (step) item.step = this.number(step);
      if (tool) item.tool = this.name(tool);
      return item;
    });
  });

  private deploySection = this.RULE("deploySection", (): AstDeploy | undefined => {
    const kw = this.CONSUME(Deploy);
    const system = this.CONSUME(Identifier);
    const count = this.CONSUME(NumberLit);
    let cloud: IToken | undefined;
    this.OPTION(() => {
      cloud = this.CONSUME2(Identifier);
    });
    return this.ACTION(() => {
      const d: AstDeploy = {
        kind: "deploy",
        system: this.name(system),
        count: this.number(count),
        span: this.spanFrom(kw),
      };
      if (cloud) d.cloud = this.name(cloud);
      return d;
    });
  });

  private featureList = this.RULE("featureList", (): AstFeature[] => {
    const features: AstFeature[] = [];
    this.OPTION(() => {
      const first = this.SUBRULE(this.feature);
      this.ACTION(() => {
        if (first) features.push(first);
      });
      this.MANY(() => {
        this.CONSUME(And);
        const next = this.SUBRULE2(this.feature);
        this.ACTION(() => {
          if (next) features.push(next);
        });
      });
    });
    return features;
  });

  private feature = this.RULE("feature", (): AstFeature | undefined =>
    this.OR([
      { ALT: () => this.SUBRULE(this.softFeature) },
      { ALT: () => this.SUBRULE(this.containsFeature) },
      { ALT: () => this.SUBRULE(this.simpleFeature) },
    ]),
  );

  private softFeature = this.RULE("softFeature", (): AstFeature | undefined => {
    const kw = this.CONSUME(Soft);
    const weight = this.CONSUME(NumberLit);
    this.CONSUME(LParen);
    const features = this.SUBRULE(this.featureList);
    this.CONSUME(RParen);
    return this.ACTION(() => ({
      kind: "soft" as const,
      weight: this.number(weight),
      features: features ?? [],
      span: this.spanFrom(kw),
    }));
  });

  private containsFeature = this.RULE("containsFeature", (): AstFeature | undefined => {
    const name = this.CONSUME(Identifier);
    this.CONSUME(Contains);
    this.CONSUME(LParen);
    const features = this.SUBRULE(this.featureList);
    this.CONSUME(RParen);
    return this.ACTION(() => ({
      kind: "contains" as const,
      name: this.name(name),
      features: features ?? [],
      span: this.spanFrom(name),
    }));
  });

  private simpleFeature = this.RULE("simpleFeature", (): AstFeature | undefined => {
    const name = this.CONSUME(Identifier);
    const op = this.SUBRULE(this.comparator);
    const value = this.SUBRULE(this.value);
    return this.ACTION(() =>
      value
        ? {
            kind: "simple" as const,
            name: this.name(name),
            op: comparatorOf(op),
            value,
            span: this.spanFrom(name),
          }
        : undefined,
    );
  });

  private comparator = this.RULE("comparator", (): IToken =>
    this.OR([
      { ALT: () => this.CONSUME(EQ) },
      { ALT: () => this.CONSUME(LE) },
      { ALT: () => this.CONSUME(GE) },
      { ALT: () => this.CONSUME(LT) },
      { ALT: () => this.CONSUME(GT) },
    ]),
  );

  private value = this.RULE("value", (): AstValue | undefined =>
    this.OR([
      {
        ALT: () => {
          const n = this.CONSUME(NumberLit);
          let unit: IToken | undefined;
          this.OPTION(() => {
            unit = this.CONSUME(Identifier);
          });
          return this.ACTION(() => {
            const v: AstValue = { kind: "number", num: numLiteral(n.image), span: this.spanFrom(n) };
            if (unit) v.unit = this.name(unit);
            return v;
          });
        },
      },
      {
        ALT: () => {
          const s = this.CONSUME2(StringLit);
          return this.ACTION(() => ({
            kind: "string" as const,
            value: (s.payload as StringPayload | undefined)?.value ?? "",
            span: tokenSpan(s),
          }));
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(LBrack);
          const items: string[] = [];
          this.OPTION2(() => {
            const first = this.CONSUME3(StringLit);
            this.ACTION(() => items.push((first.payload as StringPayload | undefined)?.value ?? ""));
            this.MANY(() => {
              this.CONSUME(Comma);
              const next = this.CONSUME4(StringLit);
              this.ACTION(() => items.push((next.payload as StringPayload | undefined)?.value ?? ""));
            });
          });
          this.CONSUME(RBrack);
          return this.ACTION(() => ({ kind: "list" as const, items, span: this.spanFrom(open) }));
        },
      },
    ]),
  );
}

let parserInstance: RadlParser | undefined;

function parser(): RadlParser {
  parserInstance ??= new RadlParser();
  return parserInstance;
}

export interface ParseTokensResult {
  sections: AstSection[];
  diagnostics: Diagnostic[];
}

/** Stop looking for more syntax errors after this many restarts (keeps garbage input linear). */
const MAX_RESTARTS = 50;

/** Parses a token list (from lexRadl) into sections; `text` only serves positions at end of input. */
export function parseTokens(tokens: IToken[], text: string): ParseTokensResult {
  const p = parser();
  const sections: AstSection[] = [];
  const diagnostics: Diagnostic[] = [];
  let start = 0;
  for (let restarts = 0; ; restarts++) {
    p.input = start === 0 ? tokens : tokens.slice(start);
    const got = p.document();
    if (Array.isArray(got)) for (const s of got) sections.push(s);
    const errors = p.errors;
    let resumeAfter = -1;
    for (const e of errors) {
      diagnostics.push(syntaxDiagnostic(e, text));
      if (e.name === "NotAllInputParsedException") {
        resumeAfter = tokens.indexOf(e.token, start);
      }
    }
    if (resumeAfter < 0 || restarts >= MAX_RESTARTS) break;
    let next = resumeAfter + 1;
    while (next < tokens.length && !SECTION_START.has(tokens[next]!.tokenType)) next++;
    if (next >= tokens.length) break;
    start = next;
  }
  return { sections, diagnostics };
}

function syntaxDiagnostic(e: IRecognitionException, text: string): Diagnostic {
  const tok = e.token;
  const atEof = tok === undefined || tok.tokenType === EOF || !Number.isFinite(tok.startOffset);
  const span = atEof ? spanAt(text, text.length) : tokenSpan(tok);
  const d: Diagnostic = { code: "E-PARSE-SYNTAX", severity: "error", message: e.message, span };
  const expected = expectedByMessage.get(e.message);
  if (expected) d.expected = expected;
  return d;
}
