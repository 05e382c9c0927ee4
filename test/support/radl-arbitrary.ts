/**
 * RADL IRs for tests: small constructors for hand-written documents, a fast-check generator of
 * documents the builder can produce (so printing and reading back must give them exactly), and a
 * plain form of a document for deep comparison (spans, random markers and Map identity dropped,
 * order kept).
 */
import fc from "fast-check";
import type {
  Bound,
  Comparator,
  ConfigureSec,
  Contextualize,
  CtxItem,
  CtxOption,
  DeploySec,
  FeatureSet,
  FeatureValue,
  NumLiteral,
  NumberValue,
  RadlDocument,
  SoftBlock,
} from "../../compiler/ir.js";
import { ctxItemKey, emptyDocument } from "../../compiler/ir.js";
import { jsonNumberLiteral } from "../../compiler/json/number.js";
import { scaledValue } from "../../compiler/print/units.js";

// ---------------------------------------------------------------- constructors

/** A literal from its RADL text: `lit("2.")` is the float 2 written `2.`. */
export function lit(text: string): NumLiteral {
  return { value: Number(text), isFloat: text.includes("."), text };
}

export function bound(op: Comparator, text: string, unit?: string): Bound {
  return { op, num: lit(text), ...(unit === undefined ? {} : { unit }) };
}

/** `name = 2G`: both bounds are the same `=` constraint. */
export function eq(text: string, unit?: string): NumberValue {
  const b = bound("=", text, unit);
  return { kind: "number", lower: b, upper: b };
}

export function range(lower?: Bound, upper?: Bound): NumberValue {
  return { kind: "number", ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
}

export function str(value: string, op: Comparator = "="): FeatureValue {
  return { kind: "string", op, value };
}

export function list(value: string[], op: Comparator = "="): FeatureValue {
  return { kind: "list", op, value };
}

export function contains(...entries: FeatureSet[]): FeatureValue {
  const map = new Map<string | null, FeatureSet>();
  for (const entry of entries) {
    const name = entry.features.get("name");
    map.set(name?.kind === "string" ? name.value : null, entry);
  }
  return { kind: "contains", entries: map };
}

export function soft(weight: string, features: FeatureSet): SoftBlock {
  return { weight: lit(weight), features };
}

/** A feature set from `[name, value]` pairs and soft blocks, in the order given. */
export function features(...items: Array<[string, FeatureValue] | SoftBlock>): FeatureSet {
  const set: FeatureSet = { order: [], features: new Map(), softs: [], softsPosition: -1 };
  for (const item of items) {
    if (Array.isArray(item)) {
      set.order.push(item[0]);
      set.features.set(item[0], item[1]);
    } else {
      if (set.softs.length === 0) set.softsPosition = set.order.length;
      set.softs.push(item);
    }
  }
  return set;
}

export function ctxItem(system: string, configure: string, step?: string, tool?: string): CtxItem {
  return {
    system,
    configure,
    step: step === undefined ? 0 : lit(step),
    ...(tool === undefined ? {} : { tool }),
  };
}

export function contextualize(
  maxTime: string | undefined,
  items: CtxItem[],
  options: Array<[string, CtxOption]> = [],
): Contextualize {
  return {
    maxTime: maxTime === undefined ? 0 : lit(maxTime),
    items: new Map(items.map((i) => [ctxItemKey(i.system, i.configure), i])),
    options: new Map(options),
  };
}

export function doc(parts: Partial<RadlDocument>): RadlDocument {
  return { ...emptyDocument(), ...parts };
}

/** The document of spec radl.md §5.8, as the builder represents it. */
export function specExampleDocument(): RadlDocument {
  return doc({
    description: { id: "lab", reference: false, features: features(["name", str("demo-lab")]) },
    networks: [
      {
        id: "pub",
        reference: false,
        features: features(["outbound", str("yes")], ["outports", str("22,8080-80")]),
      },
      { id: "lan", reference: false, features: features() },
    ],
    systems: [
      {
        id: "head",
        reference: false,
        features: features(
          ["cpu.count", range(bound(">=", "2"), bound("<=", "8"))],
          ["memory.size", range(bound(">=", "4", "G"))],
          ["net_interface.0.connection", str("pub")],
          ["net_interface.0.dns_name", str("head")],
          ["net_interface.1.connection", str("lan")],
          ["disk.0.image.url", list(["ost://cloud.example.org/abc", "one://one.example.org/7"])],
          ["disk.0.os.name", str("linux")],
          ["disk.0.os.version", str("22.04", ">=")],
          ["disk.0.applications", contains(features(["name", str("ansible.roles.acme.nfs")]))],
          ["disk.1.size", eq("20", "GiB")],
          ["disk.1.device", str("vdb")],
          soft("10", features(["instance_type", str("m1.large")])),
        ),
      },
    ],
    configures: [{ id: "head", reference: false, recipe: '\n- tasks:\n  - debug: msg="hi"\n' }],
    contextualize: contextualize(
      "900",
      [ctxItem("head", "head", "2")],
      [["ansible_version", { op: "=", value: "2.16.3" }]],
    ),
    deploys: [{ system: "head", count: lit("1"), cloud: "site_a" }],
  });
}

// ---------------------------------------------------------------- comparison

/** A deep-comparable form: Maps become ordered entry lists; spans, `generated` and `source` are dropped. */
export function plainDocument(d: RadlDocument): unknown {
  const sec = (s: { id: string; reference: boolean; features: FeatureSet }) => ({
    id: s.id,
    reference: s.reference,
    features: plainFeatureSet(s.features),
  });
  return {
    description: d.description ? sec(d.description) : undefined,
    ansible: d.ansible.map(sec),
    networks: d.networks.map(sec),
    systems: d.systems.map(sec),
    configures: d.configures.map((c) => ({ id: c.id, reference: c.reference, recipe: c.recipe })),
    deploys: d.deploys.map((x) => ({ system: x.system, count: plainNum(x.count), cloud: x.cloud })),
    contextualize: {
      maxTime: d.contextualize.maxTime === 0 ? 0 : plainNum(d.contextualize.maxTime),
      items:
        d.contextualize.items &&
        [...d.contextualize.items].map(([k, i]) => [
          k,
          {
            system: i.system,
            configure: i.configure,
            step: i.step === 0 ? 0 : plainNum(i.step),
            tool: i.tool,
          },
        ]),
      options:
        d.contextualize.options &&
        [...d.contextualize.options].map(([k, o]) => [
          k,
          { op: o.op, value: typeof o.value === "string" ? o.value : plainNum(o.value) },
        ]),
    },
  };
}

function plainNum(n: NumLiteral) {
  return { value: n.value, isFloat: n.isFloat, text: n.text };
}

function plainBound(b: Bound | undefined) {
  return b && { op: b.op, num: plainNum(b.num), unit: b.unit === "" ? undefined : b.unit };
}

export function plainFeatureSet(set: FeatureSet): unknown {
  return {
    order: set.order,
    features: set.order.map((name) => [name, plainValue(set.features.get(name))]),
    softs: set.softs.map((s) => ({ weight: plainNum(s.weight), features: plainFeatureSet(s.features) })),
    softsPosition: set.softs.length === 0 ? -1 : set.softsPosition,
  };
}

function plainValue(v: FeatureValue | undefined): unknown {
  if (v === undefined) return undefined;
  switch (v.kind) {
    case "number":
      return { kind: v.kind, lower: plainBound(v.lower), upper: plainBound(v.upper) };
    case "string":
      return { kind: v.kind, op: v.op, value: v.value };
    case "list":
      return { kind: v.kind, op: v.op, value: [...v.value] };
    case "contains":
      return { kind: v.kind, entries: [...v.entries].map(([k, e]) => [k, plainFeatureSet(e)]) };
  }
}

// ---------------------------------------------------------------- generator

const COMPARATORS: Comparator[] = ["=", "<", ">", "<=", ">="];

/**
 * Identifiers: section ids, cloud ids, tool names. Include the lexer's corner cases
 * (leading `.` or `_`, `-` inside, a non-ASCII letter after the first character).
 */
export const identifierArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("a", "b", "front", "wn", "_x", ".h", "Node", "lan", "pub", "sys", "s"),
    fc.constantFrom("", "", "", "1", "-2", "_b", ".c", "é", "tem", "s"),
  )
  .map(([a, b]) => a + b)
  .filter((id) => id !== "system"); // `sys` + `tem`: a keyword is never an identifier

/**
 * Feature names: dotted paths. None ends in `_min`/`_max` or is `softs`/`class`/`id`/
 * `reference`, so the JSON form (§5.2) can carry every generated document.
 */
export const featureNameArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("cpu", "memory", "disk", "net_interface", "instance_type", "x", "_y", "outports"),
    fc.array(fc.constantFrom("0", "1", "count", "size", "os", "name", "image.url", "dns_name", "a-b", "é"), {
      maxLength: 3,
    }),
  )
  .map(([first, rest]) => [first, ...rest].join("."));

/** String content with the characters that need care: quotes, backslashes, line breaks, `#`, non-ASCII. */
const stringContentArb = fc.string({
  unit: fc.constantFrom(
    "a",
    "b",
    "Z",
    "0",
    " ",
    "'",
    '"',
    "\\",
    "\n",
    "\t",
    "#",
    "é",
    "€",
    "@",
    "(",
    ")",
    ",",
  ),
  maxLength: 12,
});

/** Values with a text form (P1); `simple` applies P2 (no `random(N)` shape). */
export function isPrintableString(value: string, simple: boolean): boolean {
  return (
    !value.includes("\\'") &&
    !value.endsWith("\\") &&
    !value.includes("\\\n") &&
    !(simple && /^random\(\d+\)$/.test(value))
  );
}

export const listElementArb: fc.Arbitrary<string> = fc
  .oneof(stringContentArb, fc.constant("random(3)"))
  .filter((s) => isPrintableString(s, false));

export const simpleStringArb: fc.Arbitrary<string> = stringContentArb.filter((s) =>
  isPrintableString(s, true),
);

const intTextArb = fc.oneof(
  fc.nat({ max: 100 }).map(String),
  fc.constantFrom("0", "007", "1024", "9007199254740991"),
);
const floatTextArb = fc.oneof(
  fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 999 })).map(([i, f]) => `${i}.${f}`),
  fc.constantFrom("2.", "0.5", "1.0", "12.04"),
);
export const numLiteralArb: fc.Arbitrary<NumLiteral> = fc.oneof(intTextArb, floatTextArb).map(lit);
export const intLiteralArb: fc.Arbitrary<NumLiteral> = intTextArb.map(lit);

const unitArb = fc.constantFrom(undefined, undefined, "M", "G", "GiB", "Mi", "m", "ECU", "e3", ".x", "kb");

/**
 * Numeric features in the shapes the builder produces (§3.2): one `=` constraint on both sides,
 * one open side, or a lower `>`/`>=` and an upper `<`/`<=` bound that do not cross; with equal
 * values also the tie shapes `x = v and x >= v` / `x <= v and x = v`.
 */
export const numberValueArb: fc.Arbitrary<NumberValue> = fc.oneof(
  fc.tuple(numLiteralArb, unitArb).map(([n, u]) => {
    const b: Bound = { op: "=", num: n, ...(u ? { unit: u } : {}) };
    return { kind: "number" as const, lower: b, upper: b };
  }),
  fc
    .tuple(fc.constantFrom<Comparator>(">", ">="), numLiteralArb, unitArb)
    .map(([op, n, u]) => range({ op, num: n, ...(u ? { unit: u } : {}) })),
  fc
    .tuple(fc.constantFrom<Comparator>("<", "<="), numLiteralArb, unitArb)
    .map(([op, n, u]) => range(undefined, { op, num: n, ...(u ? { unit: u } : {}) })),
  fc
    .tuple(
      fc.constantFrom<Comparator>(">", ">="),
      fc.constantFrom<Comparator>("<", "<="),
      numLiteralArb,
      numLiteralArb,
      unitArb,
    )
    .map(([lop, uop, a, b, u]) => {
      const [lo, hi] = a.value <= b.value ? [a, b] : [b, a];
      const unit = u ? { unit: u } : {};
      return range({ op: lop, num: lo, ...unit }, { op: uop, num: hi, ...unit });
    }),
  fc
    .tuple(
      fc.boolean(),
      numLiteralArb,
      fc.constantFrom<Comparator>("<", "<="),
      fc.constantFrom<Comparator>(">", ">="),
    )
    .map(([equalIsLower, n, upperOp, lowerOp]) => {
      const equal: Bound = { op: "=", num: n };
      return equalIsLower ? range(equal, { op: upperOp, num: n }) : range({ op: lowerOp, num: n }, equal);
    }),
);

function featureValueArb(depth: number): fc.Arbitrary<FeatureValue> {
  const leaves: fc.Arbitrary<FeatureValue>[] = [
    fc.tuple(fc.constantFrom(...COMPARATORS), simpleStringArb).map(([op, value]) => str(value, op)),
    fc
      .tuple(fc.constantFrom(...COMPARATORS), fc.array(listElementArb, { maxLength: 3 }))
      .map(([op, v]) => list(v, op)),
    numberValueArb,
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const entry = fc.tuple(fc.option(simpleStringArb, { nil: undefined }), featureSetArb(depth - 1, true));
  const containsArb = fc
    .uniqueArray(entry, { minLength: 1, maxLength: 3, selector: ([name]) => name ?? null })
    .map((entries) => {
      const map = new Map<string | null, FeatureSet>();
      for (const [name, set] of entries) {
        if (name === undefined) {
          map.set(null, set);
        } else {
          // the entry key is its `name` sub-feature; put it at a position derived from the set
          const at = set.order.length === 0 ? 0 : name.length % (set.order.length + 1);
          const order = [...set.order.slice(0, at), "name", ...set.order.slice(at)];
          const feats = new Map(set.features);
          feats.set("name", str(name));
          const softsPosition =
            set.softs.length === 0 ? -1 : set.softsPosition + (set.softsPosition >= at ? 1 : 0);
          map.set(name, { order, features: feats, softs: set.softs, softsPosition });
        }
      }
      return { kind: "contains" as const, entries: map };
    });
  return fc.oneof({ arbitrary: fc.oneof(...leaves), weight: 4 }, { arbitrary: containsArb, weight: 1 });
}

/** A feature set; `withoutName` leaves out the feature `name` (it keys `contains` entries). */
export function featureSetArb(depth = 2, withoutName = false): fc.Arbitrary<FeatureSet> {
  const names = withoutName ? featureNameArb.filter((n) => n !== "name") : featureNameArb;
  const softs: fc.Arbitrary<SoftBlock[]> =
    depth <= 0
      ? fc.constant([])
      : fc.array(
          fc
            .tuple(numLiteralArb, featureSetArb(depth - 1))
            .map(([weight, set]) => ({ weight, features: set })),
          { maxLength: 2 },
        );
  return fc
    .tuple(
      fc.uniqueArray(fc.tuple(names, featureValueArb(depth)), { maxLength: 5, selector: ([n]) => n }),
      softs,
      fc.nat({ max: 5 }),
    )
    .map(([pairs, softBlocks, position]) => ({
      order: pairs.map(([n]) => n),
      features: new Map(pairs),
      softs: softBlocks,
      softsPosition: softBlocks.length === 0 ? -1 : Math.min(position, pairs.length),
    }));
}

function sectionsArb<T>(
  make: (id: string, reference: boolean, set: FeatureSet) => T,
  allowReference: boolean,
): fc.Arbitrary<T[]> {
  return fc
    .uniqueArray(
      fc.tuple(identifierArb, allowReference ? fc.boolean() : fc.constant(false), featureSetArb()),
      {
        maxLength: 3,
        selector: ([id]) => id,
      },
    )
    .map((xs) => xs.map(([id, ref, set]) => make(id, ref, ref ? features() : set)));
}

/** Recipes as text produces them: starting and ending with a line break, no line starting with `@end`. */
export const recipeArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "- tasks: []",
        '  - debug: msg="hi" # it\'s',
        "",
        "#!/bin/bash",
        "  @end",
        "x @end",
        "é\\'",
      ),
      fc.string({ unit: fc.constantFrom("a", " ", "'", "\\", ":", "-", "{", "@"), maxLength: 10 }),
    ),
    { minLength: 0, maxLength: 4 },
  )
  .map((lines) => `\n${lines.map((l) => `${l}\n`).join("")}`)
  .filter((r) => !/\n@end/.test(r));

const configuresArb: fc.Arbitrary<ConfigureSec[]> = fc
  .uniqueArray(fc.tuple(identifierArb, fc.constantFrom("ref", "empty", "recipe"), recipeArb), {
    maxLength: 3,
    selector: ([id]) => id,
  })
  .map((xs) =>
    xs.map(([id, form, recipe]) => ({
      id,
      reference: form === "ref",
      recipe: form === "recipe" ? recipe : null,
    })),
  );

const ctxOptionArb: fc.Arbitrary<CtxOption> = fc
  .tuple(fc.constantFrom(...COMPARATORS), fc.oneof(listElementArb, numLiteralArb))
  .map(([op, value]) => ({ op, value }));

const contextualizeArb: fc.Arbitrary<Contextualize> = fc.oneof(
  fc.constant<Contextualize>({ maxTime: 0, items: null, options: null }),
  fc
    .tuple(
      fc.option(intLiteralArb, { nil: undefined }),
      fc.uniqueArray(
        fc.tuple(
          identifierArb,
          identifierArb,
          fc.option(intLiteralArb, { nil: undefined }),
          fc.option(identifierArb, { nil: undefined }),
        ),
        { maxLength: 3, selector: ([s, c]) => ctxItemKey(s, c) },
      ),
      fc.uniqueArray(fc.tuple(featureNameArb, ctxOptionArb), { maxLength: 2, selector: ([n]) => n }),
    )
    .map(([time, items, options]): Contextualize => ({
      maxTime: time ?? 0,
      items: new Map(
        items.map(([system, configure, step, tool]): [string, CtxItem] => [
          ctxItemKey(system, configure),
          { system, configure, step: step ?? 0, ...(tool === undefined ? {} : { tool }) },
        ]),
      ),
      options: new Map(options),
    })),
);

const deploysArb: fc.Arbitrary<DeploySec[]> = fc.array(
  fc
    .tuple(identifierArb, intLiteralArb, fc.option(identifierArb, { nil: undefined }))
    .map(([system, count, cloud]) => ({ system, count, ...(cloud === undefined ? {} : { cloud }) })),
  { maxLength: 3 },
);

/**
 * Whole documents the text builder can produce (not necessarily valid: references need not be
 * defined), so `parse(print(d))` must give `d` back exactly.
 */
export const radlDocumentArb: fc.Arbitrary<RadlDocument> = fc
  .record({
    description: fc.option(
      fc.tuple(identifierArb, fc.boolean(), featureSetArb(1)).map(([id, reference, set]) => ({
        id,
        reference,
        features: reference ? features() : set,
      })),
      { nil: undefined },
    ),
    ansible: sectionsArb((id, _reference, set) => ({ id, reference: false, features: set }), false),
    networks: sectionsArb((id, reference, set) => ({ id, reference, features: set }), true),
    systems: sectionsArb((id, reference, set) => ({ id, reference, features: set }), true),
    configures: configuresArb,
    deploys: deploysArb,
    contextualize: contextualizeArb,
  })
  .map(({ description, ...rest }) => ({ ...rest, ...(description === undefined ? {} : { description }) }));

// ---------------------------------------------------------------- the losses of RADL-JSON

/**
 * What `decode(encode(d))` must give for `d` (spec radl.md §5.2, §6.6): string and list operators
 * become `=`, strict bounds become `>=`/`<=`, units are multiplied out, numbers keep only
 * "integral or not", and a contextualize section, once present, has both items and options.
 */
export function jsonLosses(d: RadlDocument): RadlDocument {
  const sec = <T extends { features: FeatureSet }>(s: T): T => ({
    ...s,
    features: lossyFeatureSet(s.features),
  });
  const ctx = d.contextualize;
  const zeroable = (n: NumLiteral | 0): NumLiteral | 0 =>
    n === 0 || n.value === 0 ? 0 : jsonNumberLiteral(n.value);
  const contextualizeOut: Contextualize =
    ctx.items === null && ctx.options === null
      ? { maxTime: 0, items: null, options: null }
      : {
          maxTime: zeroable(ctx.maxTime),
          items: new Map(
            [...(ctx.items ?? [])].map(([k, i]): [string, CtxItem] => [
              k,
              {
                system: i.system,
                configure: i.configure,
                step: zeroable(i.step),
                ...(i.tool ? { tool: i.tool } : {}),
              },
            ]),
          ),
          options: new Map(
            [...(ctx.options ?? [])].map(([k, o]): [string, CtxOption] => [
              k,
              typeof o.value === "string"
                ? { op: "=", value: o.value }
                : {
                    op: o.op === "=" ? "=" : o.op.startsWith(">") ? ">=" : "<=",
                    value: jsonNumberLiteral(o.value.value),
                  },
            ]),
          ),
        };
  return {
    ...(d.description ? { description: sec(d.description) } : {}),
    ansible: d.ansible.map(sec),
    networks: d.networks.map(sec),
    systems: d.systems.map(sec),
    configures: d.configures.map((c) => ({ ...c })),
    deploys: d.deploys.map((x) => ({ ...x, count: jsonNumberLiteral(x.count.value) })),
    contextualize: contextualizeOut,
  };
}

function lossyFeatureSet(set: FeatureSet): FeatureSet {
  return {
    order: [...set.order],
    features: new Map(set.order.map((name) => [name, lossyValue(set.features.get(name) as FeatureValue)])),
    softs: set.softs.map((s) => ({
      weight: jsonNumberLiteral(s.weight.value),
      features: lossyFeatureSet(s.features),
    })),
    softsPosition: set.softsPosition,
  };
}

function lossyValue(v: FeatureValue): FeatureValue {
  switch (v.kind) {
    case "string":
      return { kind: "string", op: "=", value: v.value };
    case "list":
      return { kind: "list", op: "=", value: [...v.value] };
    case "contains":
      return { kind: "contains", entries: new Map([...v.entries].map(([k, e]) => [k, lossyFeatureSet(e)])) };
    case "number": {
      const low = v.lower && scaledValue(v.lower.num, v.lower.unit);
      const high = v.upper && scaledValue(v.upper.num, v.upper.unit);
      if (v.lower?.op === "=" && v.upper?.op === "=" && low === high && low !== undefined) {
        const b: Bound = { op: "=", num: jsonNumberLiteral(low) };
        return { kind: "number", lower: b, upper: b };
      }
      return range(
        low === undefined ? undefined : { op: ">=", num: jsonNumberLiteral(low) },
        high === undefined ? undefined : { op: "<=", num: jsonNumberLiteral(high) },
      );
    }
  }
}
