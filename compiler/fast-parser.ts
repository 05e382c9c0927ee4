/**
 * The fast path for well-formed RADL: a streaming scanner and a recursive-descent parser for the
 * grammar of spec radl.md §2.1 that builds the IR as it goes (through the same DocumentBuilder
 * the Chevrotain path uses), with no token objects, no syntax tree and one slice per recipe.
 *
 * It gives up (returns null) at the first thing that is not plainly valid — any lexical or
 * syntax error, a recipe that does not close, a number out of range — and parse.ts then runs
 * the Chevrotain lexer and parser, which own every diagnostic and error recovery. So this file
 * never decides what a lexical or syntax error is; it only has to accept the same documents and
 * give the same IR and build diagnostics (test/compiler/parse-fast-path.test.ts checks that on the
 * corpus, edge cases, generated documents and random token soup).
 */
import type {
  AstContextualize,
  AstCtxItem,
  AstCtxOption,
  AstName,
  AstNumber,
  FeatureSectionKind,
} from "./ast.js";
import { DocumentBuilder, type BuildOptions } from "./build.js";
import type { Diagnostic } from "./diagnostic.js";
import {
  emptyFeatureSet,
  type Comparator,
  type FeatureSet,
  type NumLiteral,
  type RadlDocument,
  type Span,
} from "./ir.js";
import { MAX_NESTING } from "./lexer.js";

const EOF: number = 0;
const IDENT: number = 1;
const NUMBER: number = 2;
const STRING: number = 3;
const LPAREN: number = 4;
const RPAREN: number = 5;
const LBRACK: number = 6;
const RBRACK: number = 7;
const COMMA: number = 8;
const CMP: number = 9;
const RECIPE_BEGIN: number = 10;
// Keywords
const K_DESCRIPTION: number = 20;
const K_ANSIBLE: number = 21;
const K_NETWORK: number = 22;
const K_SYSTEM: number = 23;
const K_CONFIGURE: number = 24;
const K_CONTEXTUALIZE: number = 25;
const K_DEPLOY: number = 26;
const K_SOFT: number = 27;
const K_AND: number = 28;
const K_CONTAINS: number = 29;
const K_STEP: number = 30;
const K_WITH: number = 31;
const K_OPTION: number = 32;

const KEYWORDS = new Map<string, number>([
  ["description", K_DESCRIPTION],
  ["ansible", K_ANSIBLE],
  ["network", K_NETWORK],
  ["system", K_SYSTEM],
  ["configure", K_CONFIGURE],
  ["contextualize", K_CONTEXTUALIZE],
  ["deploy", K_DEPLOY],
  ["soft", K_SOFT],
  ["and", K_AND],
  ["contains", K_CONTAINS],
  ["step", K_STEP],
  ["with", K_WITH],
  ["option", K_OPTION],
]);

const IDENT_REST = /[A-Za-z0-9_.\-\p{L}\p{N}]*/uy;

/** Thrown (once) to leave the fast path; never escapes this module. */
const GIVE_UP = Symbol("give up");

function isIdentAscii(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x2d
  );
}

function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

class FastParser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  // Current token.
  private type = EOF;
  private start = 0;
  private end = 0;
  private tLine = 1;
  private tCol = 1;
  private text_ = "";
  /** Offset just after the last consumed token. */
  private prevEnd = 0;
  /** Nesting of feature lists (soft / contains blocks). */
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly build: DocumentBuilder,
  ) {
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.next();
  }

  private fail(): never {
    throw GIVE_UP;
  }

  // ---- scanner ----

  private next(): void {
    this.prevEnd = this.end;
    const s = this.src;
    const n = s.length;
    let p = this.pos;
    for (;;) {
      if (p >= n) break;
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0c || c === 0x0b) p++;
      else if (c === 0x0a) {
        p++;
        this.line++;
        this.lineStart = p;
      } else if (c === 0x23 /* # */) {
        const lf = s.indexOf("\n", p);
        p = lf < 0 ? n : lf;
      } else if (c >= 0x80 && isUnicodeSpace(c)) p++;
      else break;
    }
    this.start = p;
    this.tLine = this.line;
    this.tCol = p - this.lineStart + 1;
    if (p >= n) {
      this.type = EOF;
      this.end = p;
      this.pos = p;
      return;
    }
    const c = s.charCodeAt(p);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x2e) {
      let q = p + 1;
      while (q < n && isIdentAscii(s.charCodeAt(q))) q++;
      if (q < n && s.charCodeAt(q) >= 0x80) {
        IDENT_REST.lastIndex = q;
        IDENT_REST.exec(s);
        q = IDENT_REST.lastIndex;
      }
      this.text_ = s.slice(p, q);
      this.type = (q - p <= 13 && KEYWORDS.get(this.text_)) || IDENT;
      this.end = q;
    } else if (c >= 0x30 && c <= 0x39) {
      let q = p + 1;
      while (q < n && isDigit(s.charCodeAt(q))) q++;
      if (q < n && s.charCodeAt(q) === 0x2e) {
        q++;
        while (q < n && isDigit(s.charCodeAt(q))) q++;
      } else if (q - p > 15 && Number(s.slice(p, q)) > Number.MAX_SAFE_INTEGER) {
        this.fail();
      }
      this.text_ = s.slice(p, q);
      this.type = NUMBER;
      this.end = q;
    } else if (c === 0x27 || c === 0x22) {
      this.scanString(c);
    } else {
      let len = 1;
      switch (c) {
        case 0x28:
          this.type = LPAREN;
          break;
        case 0x29:
          this.type = RPAREN;
          break;
        case 0x5b:
          this.type = LBRACK;
          break;
        case 0x5d:
          this.type = RBRACK;
          break;
        case 0x2c:
          this.type = COMMA;
          break;
        case 0x3d:
          this.type = CMP;
          break;
        case 0x3c:
        case 0x3e:
          this.type = CMP;
          if (s.charCodeAt(p + 1) === 0x3d) len = 2;
          break;
        case 0x40:
          if (!s.startsWith("@begin", p)) this.fail();
          this.type = RECIPE_BEGIN;
          len = 6;
          break;
        default:
          this.fail();
      }
      this.text_ = s.slice(p, p + len);
      this.end = p + len;
    }
    this.pos = this.end;
  }

  private scanString(q: number): void {
    const s = this.src;
    const n = s.length;
    let i = this.start + 1;
    let escapedQuote = false;
    let line = this.line;
    let lineStart = this.lineStart;
    for (;;) {
      if (i >= n) this.fail();
      const c = s.charCodeAt(i);
      if (c === q) break;
      if (c === 0x5c) {
        const d = s.charCodeAt(i + 1);
        if (i + 1 >= n || d === 0x0a || (d === 0x0d && s.charCodeAt(i + 2) === 0x0a)) this.fail();
        if (d === q) escapedQuote = true;
        i += 2;
        continue;
      }
      if (c === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
    let value = s.slice(this.start + 1, i);
    if (escapedQuote) {
      const quote = q === 0x27 ? "'" : '"';
      value = value.split(`\\${quote}`).join(quote);
    }
    this.text_ = value;
    this.type = STRING;
    this.end = i + 1;
    this.line = line;
    this.lineStart = lineStart;
  }

  // ---- helpers ----

  private tokenSpan(): Span {
    return { line: this.tLine, column: this.tCol, offset: this.start, length: this.end - this.start };
  }

  /** The span from a start span to the end of the last consumed token. */
  private spanFrom(start: Span): Span {
    return {
      line: start.line,
      column: start.column,
      offset: start.offset,
      length: this.prevEnd - start.offset,
    };
  }

  private expect(type: number): void {
    if (this.type !== type) this.fail();
    this.next();
  }

  private ident(): string {
    if (this.type !== IDENT) this.fail();
    const text = this.text_;
    this.next();
    return text;
  }

  private name(): AstName {
    if (this.type !== IDENT) this.fail();
    const n = { text: this.text_, span: this.tokenSpan() };
    this.next();
    return n;
  }

  private number(): AstNumber {
    if (this.type !== NUMBER) this.fail();
    const n = { num: numLiteral(this.text_), span: this.tokenSpan() };
    this.next();
    return n;
  }

  // ---- grammar ----

  document(): void {
    while (this.type !== EOF) this.section();
  }

  private section(): void {
    switch (this.type) {
      case K_DESCRIPTION:
      case K_NETWORK:
      case K_SYSTEM:
      case K_ANSIBLE:
        return this.featureSection();
      case K_CONFIGURE:
        return this.configure();
      case K_CONTEXTUALIZE:
        return this.contextualize();
      case K_DEPLOY:
        return this.deploy();
      default:
        this.fail();
    }
  }

  private featureSection(): void {
    const kind = this.text_ as FeatureSectionKind;
    const start = this.tokenSpan();
    this.next();
    const id = this.name();
    let features: FeatureSet | null = null;
    if (this.type === LPAREN) {
      this.next();
      features = this.featureList();
      this.expect(RPAREN);
    } else if (kind === "ansible") {
      this.fail();
    }
    this.build.featureSection(kind, id.text, id.span, features, this.spanFrom(start));
  }

  private configure(): void {
    const start = this.tokenSpan();
    this.next();
    const id = this.name();
    let hasBody = false;
    let recipe: string | null = null;
    if (this.type === LPAREN) {
      hasBody = true;
      this.next();
      if (this.type === RECIPE_BEGIN) recipe = this.recipe();
      this.expect(RPAREN);
    }
    this.build.configure(id.text, id.span, hasBody, recipe, this.spanFrom(start));
  }

  /** `@begin` is the current token; its lines run to `@end` at the start of a line. */
  private recipe(): string {
    const s = this.src;
    const first = this.end;
    let p = first;
    let lines = 0;
    while (!s.startsWith("@end", p)) {
      const lf = s.indexOf("\n", p);
      if (lf < 0) this.fail();
      p = lf + 1;
      lines++;
      this.line++;
      this.lineStart = p;
    }
    if (lines === 0) this.fail();
    const value = s.slice(first, p);
    this.start = p;
    this.end = p + 4;
    this.pos = this.end;
    this.next();
    return value;
  }

  private contextualize(): void {
    const start = this.tokenSpan();
    this.next();
    let time: AstNumber | undefined;
    if (this.type === NUMBER) time = this.number();
    this.expect(LPAREN);
    const entries: (AstCtxOption | AstCtxItem)[] = [];
    for (;;) {
      if (this.type === K_OPTION) entries.push(this.ctxOption());
      else if (this.type === K_SYSTEM) entries.push(this.ctxItem());
      else break;
    }
    this.expect(RPAREN);
    const sec: AstContextualize = { kind: "contextualize", entries, span: this.spanFrom(start) };
    if (time) sec.time = time;
    this.build.contextualize(sec);
  }

  private ctxOption(): AstCtxOption {
    const start = this.tokenSpan();
    this.next();
    const name = this.name();
    const op = this.comparator();
    let value: AstCtxOption["value"];
    if (this.type === STRING) value = { kind: "string", value: this.text_ };
    else if (this.type === NUMBER) value = { kind: "number", num: numLiteral(this.text_) };
    else this.fail();
    this.next();
    return { kind: "option", name, op, value, span: this.spanFrom(start) };
  }

  private ctxItem(): AstCtxItem {
    const start = this.tokenSpan();
    this.next();
    const system = this.name();
    this.expect(K_CONFIGURE);
    const configure = this.name();
    const item: AstCtxItem = { kind: "item", system, configure, span: start };
    if (this.type === K_STEP) {
      this.next();
      item.step = this.number();
    }
    if (this.type === K_WITH) {
      this.next();
      item.tool = this.name();
    }
    item.span = this.spanFrom(start);
    return item;
  }

  private deploy(): void {
    const start = this.tokenSpan();
    this.next();
    const system = this.ident();
    if (this.type !== NUMBER) this.fail();
    const count = numLiteral(this.text_);
    this.next();
    const cloud = this.type === IDENT ? this.ident() : undefined;
    this.build.deploy(system, count, cloud, this.spanFrom(start));
  }

  private featureList(): FeatureSet {
    // Deep nesting is left to the Chevrotain path, which reports it (lexer.ts MAX_NESTING).
    if (++this.depth > MAX_NESTING) this.fail();
    const set = emptyFeatureSet();
    if (this.type === IDENT || this.type === K_SOFT) {
      this.feature(set);
      while (this.type === K_AND) {
        this.next();
        this.feature(set);
      }
    }
    this.depth--;
    return set;
  }

  private feature(set: FeatureSet): void {
    const start = this.tokenSpan();
    if (this.type === K_SOFT) {
      this.next();
      if (this.type !== NUMBER) this.fail();
      const weight = numLiteral(this.text_);
      this.next();
      this.expect(LPAREN);
      const features = this.featureList();
      this.expect(RPAREN);
      this.build.addSoft(set, weight, features, this.spanFrom(start));
      return;
    }
    const name = this.ident();
    if (this.type === K_CONTAINS) {
      this.next();
      this.expect(LPAREN);
      const features = this.featureList();
      this.expect(RPAREN);
      this.build.addContains(set, name, features, this.spanFrom(start));
      return;
    }
    const op = this.comparator();
    if (this.type === NUMBER) {
      const num = numLiteral(this.text_);
      this.next();
      const unit = this.type === IDENT ? this.ident() : undefined;
      this.build.addNumber(set, name, op, num, unit, this.spanFrom(start));
    } else if (this.type === STRING) {
      const value = this.text_;
      const valueSpan = this.tokenSpan();
      this.next();
      this.build.addString(set, name, op, value, valueSpan, this.spanFrom(start));
    } else {
      if (this.type !== LBRACK) this.fail();
      this.next();
      const items: string[] = [];
      if (this.type === STRING) {
        items.push(this.text_);
        this.next();
        while (this.type === COMMA) {
          this.next();
          if (this.type !== STRING) this.fail();
          items.push(this.text_);
          this.next();
        }
      }
      this.expect(RBRACK);
      this.build.addList(set, name, op, items, this.spanFrom(start));
    }
  }

  private comparator(): Comparator {
    if (this.type !== CMP) this.fail();
    const op = this.text_ as Comparator;
    this.next();
    return op;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function numLiteral(image: string): NumLiteral {
  return { value: Number(image), isFloat: image.includes("."), text: image };
}

/**
 * The IR of a document without lexical or syntax errors (build diagnostics included), or null
 * when the Chevrotain path must take over.
 */
export function fastParse(
  text: string,
  options: BuildOptions = {},
): { document: RadlDocument; diagnostics: Diagnostic[] } | null {
  const build = new DocumentBuilder(options);
  try {
    new FastParser(text, build).document();
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
  return { document: build.document, diagnostics: build.diagnostics };
}
