// The fast path (fast-parser.ts) must accept exactly the documents the Chevrotain path accepts
// without lexical or syntax errors, and produce the same IR (spans included) and build
// diagnostics. Checked on the corpus, edge cases, generated documents and random token soup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { corpusDir } from "../support/paths.js";
import { fastParse } from "../../compiler/fast-parser.js";
import { lexRadl } from "../../compiler/lexer.js";
import { parseTokens } from "../../compiler/parser.js";
import { buildDocument } from "../../compiler/build.js";
import { parseRadl, parseRadlChevrotain } from "../../compiler/parse.js";

/** A deterministic random source, fresh for each path so both draw the same characters. */
function counter(): (max: number) => number {
  let i = 0;
  return (max) => i++ % max;
}

function agree(text: string): void {
  const fast = fastParse(text, { randomInt: counter() });
  const lexed = lexRadl(text);
  const slow = parseTokens(lexed.tokens, text);
  const syntaxErrors = [...lexed.diagnostics, ...slow.diagnostics].filter((d) => d.severity === "error");
  if (syntaxErrors.length > 0) {
    assert.equal(fast, null, `fast path accepted an invalid document: ${JSON.stringify(text)}`);
    return;
  }
  assert.ok(fast, `fast path gave up on a valid document: ${JSON.stringify(text)}`);
  const built = buildDocument(slow.sections, { randomInt: counter() });
  assert.deepEqual(fast.document, built.document, `IR differs for ${JSON.stringify(text)}`);
  assert.deepEqual(
    fast.diagnostics,
    built.diagnostics,
    `build diagnostics differ for ${JSON.stringify(text)}`,
  );
  // And the public entry point agrees with the Chevrotain-only one, strict and lenient.
  assert.deepEqual(
    parseRadl(text, { randomInt: counter() }),
    parseRadlChevrotain(text, { randomInt: counter() }),
  );
  assert.deepEqual(
    parseRadl(text, { randomInt: counter(), lenient: true }),
    parseRadlChevrotain(text, { randomInt: counter(), lenient: true }),
  );
}

test("corpus: same IR on both paths", () => {
  const dir = join(corpusDir, "radl");
  for (const f of readdirSync(dir)) agree(readFileSync(join(dir, f), "utf8"));
});

const EDGE_CASES = [
  "",
  "\uFEFF",
  "\uFEFFsystem a ()",
  "# c",
  "system a ( p = 1 ) # c",
  "system a (\r\n p = 1 and\r\n q = 'x'\r\n)",
  "system a (\u00a0p = 1\u3000)",
  "system café ( x = 'é' )",
  "system école ()",
  "system a ( p = 'x'and q = 1and r = 2 )",
  "system systems ( system.x = 1 and contains_x = 2 )",
  "system a ( p = .5 )",
  "system a ( p = 10.0.0.1 and q = 1e3 and r = 2. and s = 512 MiB )",
  "system a ( p = 9007199254740992 )",
  "system a ( p = 9007199254740991 )",
  "system a ( p = 'it\\'s' and q = \"say \\\"x\\\"\" and r = 'a\\\\b' )",
  "system a ( p = 'multi\nline\n' and q = 1 )",
  "system a ( p = 'unterminated )",
  "system a ( p = 'bs \\\nx' )",
  "system a ( p = [] and q = ['a'] and r = ['a', 'b'] )",
  "system a ( p = ['a',] )",
  "system a ( x contains (name = 'n' and soft 1 ( y >= 2 )) and soft 5 () )",
  "configure c (\n@begin\n- a: 1\n@end\n)",
  "configure c ( @begin - a\n@end)",
  "configure c (\n@begin\n@end\n)",
  "configure c ( @begin@end )",
  "configure c ( @begin @end )",
  "configure c (\n@begin\n  @end\n@end\n)",
  "configure c (\n@begin\n@endpoint\n)",
  "configure c ()\nconfigure d",
  "contextualize 30 ( option a = 'x' system s configure c step 1 with t option b >= 2 )",
  "contextualize ()",
  "contextualize 300s ()",
  "deploy a 1 cloud-1.x deploy b 2",
  "deploy a = 2",
  "ansible h",
  "ansible h ( host = 'x' )",
  "description d\nsystem a",
  "( system a () )",
  "system a ( p != 1 )",
  "system a ( p => 1 )",
  "deploy node @input.N@",
  "system a ( p = 1 and )",
  "system a ( p = 1 q = 2 )",
  "system a ( p = 'x' and p = 'y' and q = 1 and q = 2 and r = 1 and r = 'z' )",
  "system a ( x contains (v = '1') and x contains (name = 'n') and x contains (name = 'n' and v = '2') )",
  "system a ( p = 'random(4)' and q = ['random(2)'] and r = 'random(1025)' )",
  "system a\nsystem a ( p = 'x' and p = 'y' )\ndescription d ()\ndescription e ( q = 1 and q = 2 )",
  "contextualize ( system a configure b ) contextualize 5 ( system a configure b step 2 )",
];

test("edge cases: same outcome on both paths", () => {
  for (const text of EDGE_CASES) agree(text);
});

const ident = fc.constantFrom(
  "a",
  "b.c",
  "x-1",
  ".y",
  "_z",
  "café",
  "net_interface.0.connection",
  "G",
  "MiB",
);
const num = fc.constantFrom("0", "1", "007", "2.", "1.5", "512");
const str = fc.constantFrom(
  "'x'",
  "''",
  "'it\\'s'",
  '"d\\"q"',
  "'two\nlines'",
  "'#no comment'",
  "'random(3)'",
);
const cmp = fc.constantFrom("=", "<", ">", "<=", ">=");
const sep = fc.constantFrom(" ", "\n", "\r\n", "\t", " # note\n", "\u00a0");

const value = fc.oneof(
  fc.tuple(num, fc.option(ident, { nil: undefined })).map(([n, u]) => (u ? `${n} ${u}` : n)),
  str,
  fc.array(str, { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
);

const feature: fc.Memo<string> = fc.memo((depth) =>
  depth <= 1
    ? fc.tuple(ident, cmp, value).map(([n, c, v]) => `${n} ${c} ${v}`)
    : fc.oneof(
        { weight: 4, arbitrary: fc.tuple(ident, cmp, value).map(([n, c, v]) => `${n} ${c} ${v}`) },
        fc.tuple(num, featureList(depth - 1)).map(([w, l]) => `soft ${w} (${l})`),
        fc.tuple(ident, featureList(depth - 1)).map(([n, l]) => `${n} contains (${l})`),
      ),
);

function featureList(depth: number): fc.Arbitrary<string> {
  return fc.tuple(fc.array(feature(depth), { maxLength: 4 }), sep).map(([fs, s]) => fs.join(`${s}and${s}`));
}

const section = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("system", "network", "description"),
      ident,
      fc.option(featureList(3), { nil: undefined }),
    )
    .map(([k, id, body]) => (body === undefined ? `${k} ${id}` : `${k} ${id} (${body})`)),
  fc.tuple(ident, featureList(2)).map(([id, body]) => `ansible ${id} (${body})`),
  fc
    .tuple(ident, fc.constantFrom("", " ()", " (\n@begin\n- a: 'x'\n# c\n@end\n)", " ( @begin x\r\n@end)"))
    .map(([id, b]) => `configure ${id}${b}`),
  fc
    .tuple(
      fc.option(num, { nil: undefined }),
      fc.array(
        fc.oneof(
          fc.tuple(ident, cmp, fc.oneof(str, num)).map(([n, c, v]) => `option ${n} ${c} ${v}`),
          fc
            .tuple(ident, ident, fc.option(num, { nil: undefined }), fc.option(ident, { nil: undefined }))
            .map(
              ([s, c, st, w]) =>
                `system ${s} configure ${c}${st ? ` step ${st}` : ""}${w ? ` with ${w}` : ""}`,
            ),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([t, es]) => `contextualize ${t ?? ""} (${es.join("\n")})`),
  fc
    .tuple(ident, num, fc.option(ident, { nil: undefined }))
    .map(([s, n, c]) => `deploy ${s} ${n}${c ? ` ${c}` : ""}`),
);

const validDocument = fc.tuple(fc.array(section, { maxLength: 5 }), sep).map(([ss, s]) => ss.join(s));

test("generated documents: same IR on both paths", () => {
  fc.assert(
    fc.property(validDocument, (text) => {
      agree(text);
    }),
    { numRuns: 300, seed: 4242 },
  );
});

const FRAGMENTS = [
  "system",
  "network",
  "configure",
  "contextualize",
  "deploy",
  "soft",
  "and",
  "contains",
  "step",
  "with",
  "option",
  "a",
  "x.y",
  "é",
  "1",
  "2.5",
  "'s'",
  "'",
  '"',
  "\\",
  "(",
  ")",
  "[",
  "]",
  ",",
  "=",
  "<=",
  ">",
  "@begin",
  "@end",
  "@",
  "#",
  "-",
  "!",
  ";",
  "\n",
  "\r\n",
  " ",
  "\u00a0",
  "\u0000",
];

test("token soup: same outcome on both paths", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }),
      fc.array(fc.constantFrom("", " ", "\n"), { minLength: 30, maxLength: 30 }),
      (parts, seps) => {
        agree(parts.map((p, i) => p + seps[i]).join(""));
      },
    ),
    { numRuns: 1000, seed: 1717 },
  );
});
