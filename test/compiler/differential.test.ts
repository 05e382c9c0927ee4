/**
 * Differential test against the reference parser (REF: PyPI package RADL 1.3.5 in the git-ignored
 * virtualenv .venv/radl that scripts/ci.d/40-python-radl.sh creates). Every corpus file and a few
 * hundred generated documents go through REF (parse, check(), compact JSON dump) in one Python
 * process and through loadRadl + encodeRadlJson here. Both must accept or both reject; when both
 * accept, the JSON must be equal except for the deviations the spec names, listed in DEVIATIONS
 * and applied by `asRefWouldEncode`. A missing virtualenv is a failure, not a skip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Bound, FeatureSet, RadlDocument } from "../../compiler/ir.js";
import { encodeRadlJson } from "../../compiler/json/encode.js";
import { loadRadl } from "../../compiler/load.js";
import { parseRadl } from "../../compiler/parse.js";
import { printRadl } from "../../compiler/print.js";
import fc from "fast-check";
import { radlDocumentArb } from "../support/radl-arbitrary.js";
import { corpusDir, repoRoot } from "../support/paths.js";

const PYTHON = join(repoRoot, ".venv", "radl", "bin", "python");
const REF_SCRIPT = join(repoRoot, "scripts", "radl-ref-json.py");
const GENERATED = Number(process.env.RADL_DIFF_CASES ?? 300);
const SEED = Number(process.env.RADL_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** The only differences from REF's JSON that are allowed, each a DECISION of the spec. */
const DEVIATIONS = {
  descriptionId: "§5.6 / §7.9 J10: REF writes the Python object identity (an integer) as the description id",
  bothBounds:
    "§5.2: a numeric feature with two different bounds: REF emits only k_min, we emit k_min and k_max",
  rawEquality:
    "§5.2: REF emits one `k` when the two bounds have equal raw numbers whatever their operators and units; " +
    "we do only for two `=` bounds with equal converted values",
  stepWithTool:
    "§2.2, §6.7 case 1: a contextualize item with both `step` and `with`: REF's parser rejects it",
  descriptionAlone: "§2.2: REF needs another section after the description",
  randomInListOrOption: "§2.2: 'random(N)' as a list element or option value is a syntax error in REF",
  integralProduct:
    "§5.2 DECISION 'emit an integer when the product is integral': we scale the literal exactly, REF in " +
    "floating point, which can miss the integer by rounding (67.442G: 67442000000 vs 67441999999.99999)",
  emptyFirstListElement:
    "§7.2 S14 (implied: REF prints [] as [''] and reads that back as []): REF's list rule drops the first " +
    "element when it is the empty string ([''] → [], ['', 'a'] → ['a']); we keep it",
};

/** The deviations by which REF may reject a document that we read (only where REF rejects). */
function rejectionDeviations(document: RadlDocument): (keyof typeof DEVIATIONS)[] {
  const found: (keyof typeof DEVIATIONS)[] = [];
  const items = [...(document.contextualize.items?.values() ?? [])];
  if (items.some((item) => item.step !== 0 && item.tool !== undefined)) found.push("stepWithTool");
  const others =
    document.ansible.length +
    document.networks.length +
    document.systems.length +
    document.configures.length +
    document.deploys.length;
  const ctxPrinted = document.contextualize.items !== null || document.contextualize.options !== null;
  if (document.description && others === 0 && !ctxPrinted) found.push("descriptionAlone");
  const randomShape = (value: string) => /^random\(\d+\)$/.test(value);
  const listHasRandom = (set: FeatureSet): boolean =>
    [...set.features.values()].some(
      (v) =>
        (v.kind === "list" && v.value.some(randomShape)) ||
        (v.kind === "contains" && [...v.entries.values()].some(listHasRandom)),
    ) || set.softs.some((soft) => listHasRandom(soft.features));
  const sets = [
    ...document.ansible,
    ...document.networks,
    ...document.systems,
    ...(document.description ? [document.description] : []),
  ].map((section) => section.features);
  const options = [...(document.contextualize.options?.values() ?? [])];
  if (sets.some(listHasRandom) || options.some((o) => typeof o.value === "string" && randomShape(o.value))) {
    found.push("randomInListOrOption");
  }
  return found;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type RefResult = { ok: true; json: JsonObject[] } | { ok: false; stage: string; error: string };

interface Case {
  name: string;
  text: string;
}

function runReference(cases: readonly Case[], mode: "check" | "parse-only" = "check"): RefResult[] {
  assert.ok(
    existsSync(PYTHON),
    `${PYTHON} is missing: run "bash scripts/ci.d/40-python-radl.sh" (CI does) to install the reference parser`,
  );
  const input = cases.map((c) => JSON.stringify(c.text)).join("\n") + "\n";
  const run = spawnSync(PYTHON, mode === "check" ? [REF_SCRIPT] : [REF_SCRIPT, "--parse-only"], {
    input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 1 << 28,
  });
  if (run.error) throw run.error;
  assert.equal(run.status, 0, `reference script failed: ${run.stderr}`);
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, cases.length, "one reference result per document");
  return lines.map((line) => JSON.parse(line) as RefResult);
}

// ---- deviations applied to our output -------------------------------------------------------

/** §1.8, REF ≥ 1.3.4: one trailing B removed, decimal K/M/G/T, binary KI/MI/GI/TI, anything else 1. */
function unitFactor(unit: string | undefined): number {
  const u = (unit ?? "").toUpperCase().replace(/B$/, "");
  const factors: Record<string, number> = {
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    KI: 2 ** 10,
    MI: 2 ** 20,
    GI: 2 ** 30,
    TI: 2 ** 40,
  };
  return factors[u] ?? 1;
}

/** Our encoded number as REF would have written it: REF multiplies in floating point (integralProduct). */
function refNumber(ours: Json | undefined, bound: Bound): Json | undefined {
  const product = bound.num.value * unitFactor(bound.unit);
  const offByRounding =
    typeof ours === "number" &&
    ours !== product &&
    Number.isInteger(ours) &&
    Math.abs(ours - product) <= 1e-9 * Math.abs(product);
  return offByRounding ? product : ours;
}

function asRefWouldEncodeFeatures(json: JsonObject, set: FeatureSet): void {
  for (const [name, value] of set.features) {
    if (value.kind === "number") {
      const [min, max] = [`${name}_min`, `${name}_max`];
      if (value.lower && value.upper) {
        const lowerValue = json[name] ?? json[min];
        delete json[name];
        delete json[min];
        delete json[max];
        const rawEqual = value.lower.num.value === value.upper.num.value;
        json[rawEqual ? name : min] = refNumber(lowerValue, value.lower)!; // rawEquality, bothBounds
      } else if (value.lower) {
        json[min] = refNumber(json[min], value.lower)!;
      } else if (value.upper) {
        json[max] = refNumber(json[max], value.upper)!;
      }
    } else if (value.kind === "list" && value.value[0] === "") {
      json[name] = value.value.slice(1); // emptyFirstListElement
    } else if (value.kind === "contains") {
      const entries = json[name] as JsonObject[];
      [...value.entries.values()].forEach((entry, i) => asRefWouldEncodeFeatures(entries[i]!, entry));
    }
  }
  set.softs.forEach((soft, i) => {
    const softs = json.softs as { items: JsonObject }[];
    asRefWouldEncodeFeatures(softs[i]!.items, soft.features);
  });
}

function asRefWouldEncode(ours: JsonObject[], document: RadlDocument, ref: JsonObject[]): JsonObject[] {
  const copy = structuredClone(ours);
  const sections = new Map<string, FeatureSet>();
  for (const [cls, list] of [
    ["ansible", document.ansible],
    ["network", document.networks],
    ["system", document.systems],
  ] as const) {
    for (const section of list)
      if (!section.reference) sections.set(`${cls}\u0000${section.id}`, section.features);
  }
  if (document.description && !document.description.reference) {
    sections.set(`description\u0000${document.description.id}`, document.description.features);
  }
  for (const object of copy) {
    const features = sections.get(`${String(object.class)}\u0000${String(object.id)}`);
    if (features) asRefWouldEncodeFeatures(object, features);
    if (object.class === "description") {
      const refDescription = ref.find((o) => o.class === "description");
      if (typeof refDescription?.id === "number") object.id = refDescription.id; // descriptionId
    }
  }
  return copy;
}

// ---- generated documents ---------------------------------------------------------------------

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

/**
 * RADL text in the dialect both parsers share (description first, options before items, no
 * `step` with `with`, no random strings, no double quotes). About one document in six carries a
 * deliberate error that both must reject (unknown deploy system, disjoint or conflicting values).
 */
function generateDocument(random: () => number): string {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => random() < p;
  const str = () =>
    pick([
      "a",
      "linux",
      "x86_64",
      "it\\'s",
      "C:\\dir",
      "a\\nb",
      "two\nlines",
      "",
      "ünïcode",
      "#no comment",
      "(x)",
    ]);
  const out: string[] = [];
  if (chance(0.3)) out.push(`description d${int(9)} ( name = '${str()}' and owner = 'someone' )`);

  const networks = Array.from({ length: 1 + int(3) }, (_, i) => `net${i}`);
  for (const net of networks) {
    const features = [];
    if (chance(0.5)) features.push(`outbound = '${pick(["yes", "no", "YES"])}'`);
    if (chance(0.3))
      features.push(`outports = '${pick(["22", "8080-80", "22,80,443", "9000:9100/udp", "10.0.0.0/8-22"])}'`);
    if (chance(0.2)) features.push(`provider_id = '${str()}'`);
    out.push(`network ${net} (${features.join(" and ")})`);
  }

  /** Feature names are unique per set (`index`): repeated names are exercised by the fixed features. */
  const simpleFeature = (prefix: string, index: number): string[] => {
    const name = `${prefix}${pick(["x", "custom", "extra.key", "a-b"])}${index}`;
    switch (int(7)) {
      case 0:
        return [`${name} = '${str()}'`];
      case 1:
        return [`${name} = ${int(100)}${pick(["", "M", "Gi", "GB", "ECU", "k"])}`];
      case 2:
        return [`${name} >= ${int(50)}`, `${name} <= ${50 + int(50)}${pick(["", ".5"])}`];
      case 3:
        return [`${name} = [${Array.from({ length: int(3) }, () => `'${str()}'`).join(", ")}]`];
      case 4:
        return [`${name} > ${int(9)}.${int(9)}`];
      case 5:
        return [`${name}.version >= '${int(30)}.04'`];
      default:
        return [`${name} = ${int(4)}`, `${name} < 1000`];
    }
  };

  const systems = Array.from({ length: 1 + int(4) }, (_, i) => `node${i}`);
  for (const system of systems) {
    if (chance(0.05)) {
      out.push(`system ${system}`);
      continue;
    }
    const features: string[] = [];
    features.push(
      pick([
        "cpu.count >= 1",
        "cpu.count = 2",
        "cpu.count >= 2 and cpu.count <= 8",
        "cpu.count >= 2 and cpu.count <= 2",
        "cpu.count > 1 and cpu.count < 1",
        "cpu.count >= 0.5",
      ]),
    );
    features.push(
      `memory.size ${pick([">=", "=", "<="])} ${pick(["512M", "1G", "2GiB", "1024m", "4g", "1073741824", "1Gi"])}`,
    );
    if (chance(0.2)) features.push("scratch.size >= 1G and scratch.size <= 1Gi");
    if (chance(0.3)) features.push(`cpu.arch = '${pick(["x86_64", "i386", "X86_64"])}'`);
    const nics = int(networks.length + 1);
    for (let n = 0; n < nics; n++) {
      features.push(`net_interface.${n}.connection = '${networks[n]}'`);
      if (chance(0.4)) features.push(`net_interface.${n}.dns_name = '${system}-#N#'`);
    }
    features.push(`disk.0.os.name = '${pick(["linux", "windows"])}'`);
    if (chance(0.5)) {
      features.push(
        chance(0.5)
          ? `disk.0.image.url = 'one://one.example.org/${int(99)}'`
          : `disk.0.image.url = ['ost://cloud.example.org/abc', 'one://one.example.org/7']`,
      );
    }
    if (chance(0.3)) features.push(`disk.0.os.version >= '${int(20)}.04'`);
    if (chance(0.3))
      features.push(`disk.1.size = ${1 + int(99)}${pick(["G", "GiB", "GB"])} and disk.1.device = 'vdb'`);
    if (chance(0.4)) {
      const apps = 1 + int(3);
      for (let a = 0; a < apps; a++) {
        // A repeated name merges into the same entry (§3.2 rule 4); its version never conflicts.
        const app = int(4);
        const inner = [`name = 'app${app}'`];
        if (chance(0.5)) inner.push(`version = '${app}.0'`);
        if (chance(0.2)) inner.push(`path${a} = '/opt/${app}'`);
        features.push(`disk.0.applications contains (${inner.join(" and ")})`);
      }
    }
    const extras = int(4);
    for (let e = 0; e < extras; e++) features.push(...simpleFeature("", e));
    if (chance(0.3)) {
      features.push(`soft ${pick(["10", "0", "101", "2.5"])} ( ${simpleFeature("soft.", 0).join(" and ")} )`);
    }
    // Deliberate build errors: both parsers must reject these.
    if (chance(0.01)) features.push("cpu.count <= 1 and cpu.count >= 4");
    if (chance(0.01)) features.push("disk.0.os.name = 'other-os'");
    out.push(`system ${system} (\n${features.join(" and\n")}\n)`);
  }

  const configures = systems.filter(() => chance(0.6));
  for (const name of configures) {
    out.push(
      chance(0.2)
        ? `configure ${name} ()`
        : `configure ${name} (\n@begin\n---\n- tasks:\n  - debug: msg="${name}"\n@end\n)`,
    );
  }
  if (chance(0.6)) {
    const lines: string[] = [];
    if (chance(0.3)) lines.push(`option ansible_version = '2.${int(20)}.0'`);
    for (const name of configures) {
      if (chance(0.7))
        lines.push(`system ${name} configure ${name}${pick(["", ` step ${1 + int(3)}`, " with Ansible"])}`);
    }
    out.push(`contextualize ${pick(["", "900 ", "0 "])}(\n${lines.join("\n")}\n)`);
  }
  for (const system of systems) {
    if (chance(0.8)) out.push(`deploy ${system} ${int(4)}${pick(["", "", " cloud0"])}`);
  }
  if (chance(0.03)) out.push("deploy ghost 1");
  return out.join("\n") + (chance(0.5) ? "\n" : "");
}

// ---- the comparison --------------------------------------------------------------------------

function compare(c: Case, ref: RefResult): string | null {
  const ours = loadRadl(c.text, { source: c.name });
  const ourErrors = ours.diagnostics.filter((d) => d.severity === "error");
  if (!ref.ok) {
    return ours.document === null
      ? null
      : `REF rejects it (${ref.stage}: ${ref.error}) but we accept it (diagnostics: ${JSON.stringify(ours.diagnostics)})`;
  }
  if (ours.document === null) {
    return `REF accepts it but we reject it: ${ourErrors.map((d) => `${d.span?.line}:${d.span?.column} ${d.code} ${d.message}`).join("; ")}`;
  }
  const expected = asRefWouldEncode(
    encodeRadlJson(ours.document) as unknown as JsonObject[],
    ours.document,
    ref.json,
  );
  try {
    assert.deepStrictEqual(JSON.parse(JSON.stringify(expected)), ref.json);
  } catch (error) {
    return `JSON differs from REF beyond the listed deviations:\n${(error as Error).message}`;
  }
  return null;
}

function corpusCases(): Case[] {
  const radlDir = join(corpusDir, "radl");
  const cases = readdirSync(radlDir)
    .sort()
    .map((name) => ({ name: `radl/${name}`, text: readFileSync(join(radlDir, name), "utf8") }));
  cases.push({
    name: "json/test_simple.json",
    text: readFileSync(join(corpusDir, "json", "test_simple.json"), "utf8"),
  });
  return cases;
}

test("every corpus file: same verdict as REF 1.3.5 and the same JSON up to the listed deviations", () => {
  const cases = corpusCases();
  const refs = runReference(cases);
  const failures = cases.flatMap((c, i) => {
    const problem = compare(c, refs[i]!);
    return problem === null ? [] : [`${c.name}: ${problem}`];
  });
  assert.deepEqual(failures, [], `deviations allowed: ${JSON.stringify(DEVIATIONS, null, 2)}`);
  const rejected = cases.filter((_, i) => !refs[i]!.ok).map((c) => c.name);
  assert.deepEqual(rejected, ["radl/examples_glusterfs.radl", "radl/examples_oscar.radl"]);
});

test(`${GENERATED} generated documents: same verdict and JSON as REF 1.3.5`, (t) => {
  t.diagnostic(`seed ${SEED} (replay with RADL_DIFF_SEED=${SEED})`);
  const random = prng(SEED);
  const cases = Array.from({ length: GENERATED }, (_, i) => ({
    name: `generated-${i}.radl`,
    text: generateDocument(random),
  }));
  const refs = runReference(cases);
  const accepted = refs.filter((r) => r.ok).length;
  t.diagnostic(`REF accepted ${accepted} of ${cases.length}`);
  const reasons = new Map<string, number>();
  for (const r of refs) {
    if (!r.ok) {
      const reason = `${r.stage}: ${r.error.replace(/Line \d+: /, "").slice(0, 70)}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  t.diagnostic(`REF rejections: ${JSON.stringify([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 6))}`);
  const failures = cases.flatMap((c, i) => {
    const problem = compare(c, refs[i]!);
    return problem === null ? [] : [`${c.name} (seed ${SEED}): ${problem}\n--- text ---\n${c.text}\n---`];
  });
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} differences; the first ones above`);
  assert.ok(
    accepted > GENERATED / 2,
    `the generator should mostly make valid documents (REF accepted ${accepted})`,
  );
  assert.ok(accepted < GENERATED, "the generator should also make some invalid documents");
});

test(`${GENERATED} generated IRs, printed: REF builds the same document (parse only, no check)`, (t) => {
  t.diagnostic(`seed ${SEED} (replay with RADL_DIFF_SEED=${SEED})`);
  // Documents that REF rejects by a listed deviation are left out: every other one must be read alike.
  const documents = fc
    .sample(radlDocumentArb, { seed: SEED, numRuns: GENERATED * 30 })
    .filter((d) => rejectionDeviations(d).length === 0)
    .slice(0, GENERATED);
  assert.ok(
    documents.length > GENERATED / 2,
    `only ${documents.length} documents without a rejection deviation`,
  );
  const cases = documents.map((d, i) => ({ name: `arbitrary-${i}.radl`, text: printRadl(d) }));
  const refs = runReference(cases, "parse-only");
  const failures = cases.flatMap((c, i) => {
    const ref = refs[i]!;
    const ours = parseRadl(c.text, { source: c.name });
    const errors = ours.diagnostics.filter((d) => d.severity === "error");
    let problem: string | null = null;
    if (ours.document === null || errors.length > 0) {
      problem = `we cannot read our own printed text: ${JSON.stringify(errors)}`;
    } else if (!ref.ok) {
      problem = `REF rejects it (${ref.stage}: ${ref.error})`;
    } else {
      const ourJson = encodeRadlJson(ours.document) as unknown as JsonObject[];
      try {
        assert.deepStrictEqual(
          JSON.parse(JSON.stringify(asRefWouldEncode(ourJson, ours.document, ref.json))),
          ref.json,
        );
      } catch (error) {
        problem = `JSON differs from REF beyond the listed deviations:\n${(error as Error).message}`;
      }
    }
    return problem === null ? [] : [`${c.name} (seed ${SEED}): ${problem}\n--- text ---\n${c.text}\n---`];
  });
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} differences; the first ones above`);
});
