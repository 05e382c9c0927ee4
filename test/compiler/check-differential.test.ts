/**
 * check() against the reference check() (REF: PyPI RADL 1.3.5 in .venv/radl, installed by
 * scripts/ci.d/40-python-radl.sh). Generated documents combine valid and invalid values of every
 * feature check() knows, so that both validators must agree, document by document, on whether
 * it is valid. Values that hit one of our documented decisions (outports '' or range+mapping,
 * float steps and counts, double quotes) are left out of the pools. A missing virtualenv fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { check } from "../../compiler/check.js";
import { parseRadl } from "../../compiler/parse.js";
import { repoRoot } from "../support/paths.js";

const PYTHON = join(repoRoot, ".venv", "radl", "bin", "python");
const REF_SCRIPT = join(repoRoot, "scripts", "radl-ref-json.py");
const CASES = Number(process.env.RADL_CHECK_DIFF_CASES ?? 400);
const SEED = Number(process.env.RADL_CHECK_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Feature name → candidate `name op value` texts; the first one is valid on its own, most others are not. */
const SYSTEM_POOL: Record<string, string[]> = {
  "cpu.arch": ["cpu.arch = 'x86_64'", "cpu.arch = 'i686'", "cpu.arch = 'I386'", "cpu.arch >= 'x86_64'"],
  "cpu.count": ["cpu.count >= 2", "cpu.count >= 0.5", "cpu.count = 2 cores", "cpu.count = 'two'"],
  "memory.size": [
    "memory.size >= 512M",
    "memory.size >= 1.5G",
    "memory.size >= 512 X",
    "memory.size >= 2Gi",
    "memory.size = 'big'",
    "memory.size >= 1 TiB",
  ],
  "cpu.performance": ["cpu.performance >= 2ECU", "cpu.performance >= 2", "cpu.performance >= 2 gceu"],
  price: ["price <= 1e3", "price <= 3", "price <= 0.5"],
  spot: ["spot = 'yes'", "spot = 'Yes'", "spot = 'maybe'"],
  image_type: ["image_type = 'qcow2'", "image_type = 'vhd'", "image_type = ['raw']"],
  virtual_system_type: ["virtual_system_type = 'docker'", "virtual_system_type = 3"],
  "disk.0.os.name": ["disk.0.os.name = 'linux'", "disk.0.os.name = 'Mac OS X'", "disk.0.os.name = 'dos'"],
  "disk.0.os.version": [
    "disk.0.os.version = '22.04'",
    "disk.0.os.version = 'jammy'",
    "disk.0.os.version >= '7'",
    "disk.0.os.version = ''",
    "disk.0.os.version = '1..2'",
  ],
  "disk.0.os.credentials.new.password": [
    "disk.0.os.credentials.new.password = 'Secr3t!x'",
    "disk.0.os.credentials.new.password = 'abc'",
    "disk.0.os.credentials.new.password = 'secr3t!x'",
  ],
  "disk.0.image.url": ["disk.0.image.url = ['one://a/1', 'ost://b/2']", "disk.0.image.url = 'one://x/1'"],
  "disk.0.applications": [
    "disk.0.applications contains (name = 'x' and version = '1.0')",
    "disk.0.applications contains (name = 'x' and version = '1.0-beta')",
    "disk.0.applications contains (name = '')",
    "disk.0.applications contains (name = 'y' and preinstalled = 'maybe')",
    "disk.0.applications = 'x'",
  ],
  "disk.1.size": ["disk.1.size = 10G", "disk.1.size = 1.5 parsec", "disk.1.size >= 2.5g"],
  "disk.1.device": ["disk.1.device = 'hdb'", "disk.1.device <= 'hdb'"],
  "disk.2.fstype": ["disk.2.fstype = 'ext4'"],
  "disk.free_size": ["disk.9.bar = 'y'", "disk.free_size = 1G"],
  "disks.free_size": ["disks.free_size = 1G"],
  "disk.3.foo": ["disk.3.foo = 'x'"],
  "net_interface.0.connection": ["net_interface.0.connection = 'pub'", "net_interface.0.connection = 'nope'"],
  "net_interface.0.ip": ["net_interface.0.ip = '10.0.0.1'", "net_interface.0.ip = 10.0.0.1"],
  "net_interface.1.connection": ["net_interface.1.connection = 'priv'"],
  "net_interface.1.ip": ["net_interface.1.ip = '10.0.0.2'"],
  "net_interface.1.dns_name": ["net_interface.1.dns_name = 'wn-#N#'"],
  "net_interface.2.connection": ["net_interface.2.connection = 'priv'"],
  "net_interface.count": ["net_interface.7.foo = 1", "net_interface.count = 1"],
  "net_interface.0.ipv6": ["net_interface.0.ipv6 = 'fe80::1'"],
  ansible_host: ["ansible_host = 'h'", "ansible_host = 'nope'"],
  instance_type: ["instance_type >= 'm1'"],
  foo: ["foo = 3 weeks", "foo = 1e3"],
};

const NETWORK_POOL: Record<string, string[]> = {
  outbound: ["outbound = 'yes'", "outbound = 'YES'", "outbound = 'true'", "outbound = 'no'"],
  outports: [
    "outports = '22,80'",
    "outports = '22, 80'",
    "outports = '80-8080/udp'",
    "outports = '80/udp-53'",
    "outports = '10.0.0.0/8-22'",
    "outports = '9000:9100/udp'",
    "outports = '0/icmp'",
    "outports = '22/TCP'",
  ],
  provider_id: ["provider_id = 'x'", "provider_id = 3"],
};

const ANSIBLE = [
  "",
  "ansible h ( host = 'x' and credentials.username = 'u' and credentials.password = 'p' )\n",
  "ansible h ( host = 'x' and credentials.username = 'u' )\n",
  "ansible h ( credentials.username = 'u' and credentials.private_key = 'k' )\n",
];
const CONFIGURES = [
  "configure c0 (\n@begin\n- a: 1\n@end\n)\n",
  "configure c0 (\n@begin\n---\n- a: 1\n---\n- b: 2\n@end\n)\n",
  "configure c0 ()\n",
  "configure c0\n",
];
const DEPLOYS = ["deploy s0 1\n", "deploy ghost 1\n", "deploy s0 0\n", ""];
const CONTEXTUALIZE = [
  "",
  "contextualize ( system s0 configure c0 step 2 )\n",
  "contextualize ( system ghost configure c0 )\n",
  "contextualize ( system s0 configure nothing )\n",
  "contextualize 1.5 ()\n",
  "contextualize 30 ()\n",
];

/** Mostly the first (valid) choice, so that about half of the documents are valid. */
function mostlyFirst<T>(choices: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { arbitrary: fc.constant(choices[0]!), weight: 12 },
    { arbitrary: fc.constantFrom(...choices), weight: 1 },
  );
}

function featuresArb(pool: Record<string, string[]>, max: number): fc.Arbitrary<string[]> {
  return fc
    .subarray(Object.keys(pool), { maxLength: max })
    .chain((names) =>
      names.length === 0 ? fc.constant([]) : fc.tuple(...names.map((n) => mostlyFirst(pool[n]!))),
    );
}

const body = (features: string[], soft: string[]): string => {
  const parts = [...features];
  if (soft.length > 0) parts.push(`soft 5 ( ${soft.join(" and ")} )`);
  return parts.join(" and\n  ");
};

const documentArb: fc.Arbitrary<string> = fc
  .record({
    pub: featuresArb(NETWORK_POOL, 3),
    priv: featuresArb(NETWORK_POOL, 3),
    privReference: fc.boolean(),
    s0: featuresArb(SYSTEM_POOL, 6),
    s0soft: featuresArb(SYSTEM_POOL, 2),
    s1: featuresArb(SYSTEM_POOL, 4),
    ansible: mostlyFirst(ANSIBLE),
    configure: mostlyFirst(CONFIGURES),
    deploy: mostlyFirst(DEPLOYS),
    contextualize: mostlyFirst(CONTEXTUALIZE),
  })
  .map(
    (r) =>
      r.ansible +
      `network pub ( ${r.pub.join(" and ")} )\n` +
      (r.privReference ? "network priv\n" : `network priv ( ${r.priv.join(" and ")} )\n`) +
      `system s0 (\n  ${body(r.s0, r.s0soft)}\n)\n` +
      `system s1 (\n  ${body(r.s1, [])}\n)\n` +
      r.configure +
      r.contextualize +
      r.deploy,
  );

interface RefResult {
  ok: boolean;
  stage?: string;
  error?: string;
}

test(`check() and REF's check() agree on ${CASES} generated documents (seed ${SEED})`, () => {
  assert.ok(
    existsSync(PYTHON),
    `${PYTHON} is missing: run "bash scripts/ci.d/40-python-radl.sh" (CI does) to install the reference parser`,
  );
  const texts = fc.sample(documentArb, { numRuns: CASES, seed: SEED });
  const run = spawnSync(PYTHON, [REF_SCRIPT], {
    input: texts.map((t) => JSON.stringify(t)).join("\n") + "\n",
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 1 << 28,
  });
  if (run.error) throw run.error;
  assert.equal(run.status, 0, `reference script failed: ${run.stderr}`);
  const results = run.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as RefResult);
  assert.equal(results.length, texts.length);

  const differences: string[] = [];
  let rejected = 0;
  texts.forEach((text, i) => {
    const ref = results[i]!;
    const parsed = parseRadl(text, { source: `generated-${i}.radl` });
    const buildErrors = parsed.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(buildErrors, [], `generated-${i} must build:\n${text}`);
    assert.notEqual(ref.stage, "parse", `REF must parse generated-${i}: ${ref.error}\n${text}`);
    const errors = check(parsed.document!).filter((d) => d.severity === "error");
    const refValid = ref.ok || ref.stage === "dump";
    if (!refValid) rejected++;
    if (refValid !== (errors.length === 0)) {
      differences.push(
        `generated-${i} (seed ${SEED}): REF ${refValid ? "accepts" : `rejects (${ref.error})`}, ` +
          `we ${errors.length === 0 ? "accept" : `reject (${errors.map((e) => `${e.code}: ${e.message}`).join("; ")})`}\n${text}`,
      );
    }
  });
  assert.deepEqual(differences.slice(0, 3), [], `${differences.length} differences`);
  // The generator must exercise both outcomes.
  assert.ok(
    rejected > CASES / 10 && rejected < CASES - CASES / 10,
    `${rejected} of ${CASES} rejected by REF`,
  );
  console.log(`${rejected} of ${CASES} generated documents rejected by both`);
});
