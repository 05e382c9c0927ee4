/**
 * Fuzzing: random mutations of the corpus files go through loadRadl (parse or JSON decode, then
 * check) and, when valid, through the printer and the JSON encoder. Whatever the input, the only
 * outcomes allowed are a document or typed diagnostics (codes of spec radl.md Appendix C, spans
 * inside the text); printing may only fail with E-PRINT-UNREPRESENTABLE, and printed text must
 * load again. The seed is random per run (RADL_FUZZ_SEED=n replays one) and every failure names it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../../compiler/diagnostic.js";
import { RadlPulumiError } from "../../compiler/errors.js";
import { stringifyRadlJson } from "../../compiler/json/encode.js";
import { loadRadl, type RadlFormat } from "../../compiler/load.js";
import { printRadl } from "../../compiler/print.js";
import { corpusDir } from "../support/paths.js";

const MUTANTS = Number(process.env.RADL_FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.RADL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Appendix C. */
const KNOWN_CODES = new Set([
  "E-LEX-ILLEGAL-CHAR",
  "E-LEX-UNTERMINATED-STRING",
  "E-LEX-BACKSLASH-NEWLINE",
  "E-LEX-NUMBER-RANGE",
  "E-PARSE-SYNTAX",
  "E-PARSE-UNTERMINATED-RECIPE",
  "E-BUILD-DUPLICATE-ID",
  "E-BUILD-DUPLICATE-DESCRIPTION",
  "E-BUILD-DISJOINT",
  "E-BUILD-CONFLICT",
  "E-BUILD-TYPE-MIX",
  "E-VAL-TYPE",
  "E-VAL-OPERATOR",
  "E-VAL-VALUE",
  "E-VAL-UNIT",
  "E-VAL-OUTPORTS",
  "E-VAL-INDEX",
  "E-VAL-INDEX-GAP",
  "E-VAL-IFACE-NO-CONNECTION",
  "E-VAL-NETWORK-REF",
  "E-VAL-ANSIBLE-REF",
  "E-VAL-ANSIBLE-HOST",
  "E-VAL-ANSIBLE-CREDENTIALS",
  "E-VAL-DEPLOY-SYSTEM",
  "E-VAL-DEPLOY-COUNT",
  "E-VAL-RECIPE-YAML",
  "E-VAL-CTX-TIME",
  "E-VAL-CTX-STEP",
  "E-VAL-CTX-SYSTEM",
  "E-VAL-CTX-CONFIGURE",
  "E-JSON-SHAPE",
  "E-JSON-VALUE",
  "E-JSON-REFERENCE-CLASS",
  "E-PRINT-UNREPRESENTABLE",
  "E-IM-UNKNOWN-REFERENCE",
  "W-YESNO-CASE",
  "W-OUTPORTS-EMPTY",
  "W-CONTAINS-NO-NAME",
  "W-CTX-DUPLICATE-ITEM",
  "W-UNIT-LOOKS-LIKE-EXPONENT",
  "W-CTX-OPTIONS-ONLY",
  // Not in Appendix C: the warning of the lenient lexer (Appendix E.1); the fuzzer reads strictly.
  "W-LEX-DROPPED-CHAR",
]);

/** Fragments that steer mutants towards the interesting corners of the grammar (spec §1, §2, §5). */
const RADL_FRAGMENTS = [
  "(",
  ")",
  "[",
  "]",
  ",",
  "=",
  "<",
  ">",
  "<=",
  ">=",
  "=>",
  "==",
  "'",
  '"',
  "\\",
  "\\'",
  "#",
  "\n",
  "\r\n",
  "\r",
  "\t",
  " ",
  "\u00a0",
  "\ufeff",
  "é",
  "-",
  "!",
  ";",
  "@",
  "@begin\n",
  "\n@end\n",
  "@end",
  " and ",
  "and",
  "system ",
  "network ",
  "configure ",
  "contextualize ",
  "deploy ",
  "description ",
  "ansible ",
  "soft 10 (",
  " contains (",
  "step ",
  "with ",
  "option ",
  "0",
  "1.5",
  "2.",
  "512M",
  "1Gi",
  "99999999999999999999",
  "'random(8)'",
  "'random(2000)'",
  "[]",
  "['a','b']",
  "x = 'y'",
  "cpu.count >= 2",
  "memory.size = 1.5G",
  "disk.0.os.name = 'linux'",
  "net_interface.0.connection = 'publica'",
  "deploy front 1",
  "deploy nowhere 2.5",
  "system front",
  "configure wn ()",
  "contextualize 30 ()",
  "{",
  "}",
  ":",
  "null",
  "true",
  '"x": ',
  '{"class": "system", "id": "s"}',
  '"softs": [{"weight": 1}]',
  "\u0000",
];

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpusTexts(): string[] {
  const radlDir = join(corpusDir, "radl");
  const texts = readdirSync(radlDir)
    .sort()
    .map((name) => readFileSync(join(radlDir, name), "utf8"));
  texts.push(readFileSync(join(corpusDir, "json", "test_simple.json"), "utf8"));
  return texts;
}

function mutate(text: string, corpus: readonly string[], random: () => number): string {
  const int = (n: number) => Math.floor(random() * n);
  const at = () => int(text.length + 1);
  switch (int(6)) {
    case 0: {
      const i = at();
      return text.slice(0, i) + String.fromCharCode(int(128)) + text.slice(i + 1);
    }
    case 1: {
      const i = at();
      return text.slice(0, i) + text.slice(i + 1 + int(24));
    }
    case 2:
    case 3: {
      const i = at();
      return text.slice(0, i) + RADL_FRAGMENTS[int(RADL_FRAGMENTS.length)] + text.slice(i);
    }
    case 4: {
      const other = corpus[int(corpus.length)]!;
      return text.slice(0, at()) + other.slice(int(other.length + 1));
    }
    default: {
      const i = at();
      const j = Math.min(text.length, i + int(200));
      return text.slice(0, j) + text.slice(i, j) + text.slice(j);
    }
  }
}

function checkDiagnostic(d: Diagnostic, text: string, format: RadlFormat): void {
  assert.ok(KNOWN_CODES.has(d.code), `code ${d.code} is not in spec Appendix C`);
  assert.ok(d.severity === "error" || d.severity === "warning", `severity ${d.severity}`);
  assert.equal(d.severity === "warning", d.code.startsWith("W-"), `severity of ${d.code}`);
  assert.ok(typeof d.message === "string" && d.message.length > 0, `${d.code} has no message`);
  // parseRadl turns its own crashes into a diagnostic of this shape: still a bug.
  assert.doesNotMatch(d.message, /internal .*failure/i, `${d.code}: ${d.message}`);
  // check() sees only the IR, and an IR decoded from JSON has no positions: its diagnostics on JSON
  // input cannot point anywhere yet. Everything else must.
  if (format === "radl" || !/^(E-VAL-|W-)/.test(d.code)) {
    assert.ok(d.span !== undefined || d.pointer !== undefined, `${d.code} has neither span nor JSON pointer`);
  }
  if (d.span) {
    const { line, column, offset, length } = d.span;
    assert.ok(
      Number.isInteger(offset) && offset >= 0 && length >= 0,
      `${d.code} span ${JSON.stringify(d.span)}`,
    );
    assert.ok(
      offset + length <= text.length,
      `${d.code} span ${JSON.stringify(d.span)} past the end (${text.length})`,
    );
    assert.ok(line >= 1 && column >= 1, `${d.code} span ${JSON.stringify(d.span)}`);
    const newlinesBefore = text.slice(0, offset).split("\n").length;
    assert.equal(
      line,
      newlinesBefore,
      `${d.code} span ${JSON.stringify(d.span)}: offset is on line ${newlinesBefore}`,
    );
  }
}

/** Everything one mutant must satisfy; throws an AssertionError (or the escaped exception). */
function exercise(text: string): "valid" | "invalid" | "unprintable" {
  const loaded = loadRadl(text, { source: "fuzz.radl" });
  for (const d of loaded.diagnostics) checkDiagnostic(d, text, loaded.format);
  const hasError = loaded.diagnostics.some((d) => d.severity === "error");
  assert.equal(loaded.document === null, hasError, "document must be null exactly when there is an error");
  if (loaded.document === null) return "invalid";

  stringifyRadlJson(loaded.document);
  let printed: string;
  try {
    printed = printRadl(loaded.document);
  } catch (error) {
    assert.ok(error instanceof RadlPulumiError, `printer threw an untyped ${String(error)}`);
    assert.equal(error.code, "E-PRINT-UNREPRESENTABLE");
    return "unprintable";
  }
  const reloaded = loadRadl(printed, { source: "printed.radl" });
  const errors = reloaded.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors, [], `printed text does not load again:\n${printed}`);
  return "valid";
}

test(`${MUTANTS} random mutations of the corpus yield only documents or typed diagnostics`, (t) => {
  t.diagnostic(`seed ${SEED} (replay with RADL_FUZZ_SEED=${SEED})`);
  const corpus = corpusTexts();
  const random = prng(SEED);
  const outcomes = { valid: 0, invalid: 0, unprintable: 0 };
  /** Distinct failures (by message without numbers), each with its first input; the run goes on. */
  const failures = new Map<string, string>();
  for (let i = 0; i < MUTANTS; i++) {
    let text = corpus[Math.floor(random() * corpus.length)]!;
    const rounds = 1 + Math.floor(random() * 3);
    for (let r = 0; r < rounds; r++) text = mutate(text, corpus, random);
    try {
      outcomes[exercise(text)]++;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const key = (message.split("\n")[0] ?? "").replace(/\d+/g, "N");
      if (!failures.has(key)) {
        const detail = error instanceof assert.AssertionError ? message : ((error as Error).stack ?? message);
        const input = text.length > 3000 ? `${text.slice(0, 3000)}…` : text;
        failures.set(
          key,
          `case ${i}: ${detail}\n--- input (${text.length} chars, JSON-quoted) ---\n${JSON.stringify(input)}`,
        );
      }
    }
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
  if (failures.size > 0) {
    assert.fail(
      `${failures.size} distinct failures (seed ${SEED}; replay with RADL_FUZZ_SEED=${SEED}):\n\n` +
        [...failures.values()].slice(0, 8).join("\n\n"),
    );
  }
  // Mutations are small: a fair share of mutants must still be valid, or the test exercises nothing past the lexer.
  assert.ok(outcomes.valid > MUTANTS / 20, `only ${outcomes.valid} valid mutants (seed ${SEED})`);
  assert.ok(outcomes.invalid > MUTANTS / 5, `only ${outcomes.invalid} invalid mutants (seed ${SEED})`);
});
