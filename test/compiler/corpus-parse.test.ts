// Spec radl.md §8: every RADL file of the conformance corpus parses (check() outcomes are the
// checker's), except examples_glusterfs.radl, a build error at line 11.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../support/paths.js";
import { parseRadl } from "../../compiler/parse.js";
import { lexRadl } from "../../compiler/lexer.js";
import { parseTokens } from "../../compiler/parser.js";

const radlDir = join(corpusDir, "radl");
const files = readdirSync(radlDir).filter((f) => f.endsWith(".radl"));

test("the corpus is there", () => {
  assert.ok(files.length >= 30, `only ${files.length} files in ${radlDir}`);
});

for (const file of files) {
  const text = readFileSync(join(radlDir, file), "utf8");
  if (file === "examples_glusterfs.radl") {
    test(`${file}: net_interface.0.dns_name given two values (line 11)`, () => {
      const r = parseRadl(text, { source: file });
      assert.equal(r.document, null);
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      assert.deepEqual(
        errors.map((d) => [d.code, d.span?.line, d.source]),
        [["E-BUILD-CONFLICT", 11, file]],
      );
      assert.match(errors[0]!.message, /net_interface\.0\.dns_name/);
    });
    continue;
  }
  test(`${file} parses`, () => {
    const r = parseRadl(text, { source: file });
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === "error"),
      [],
    );
    assert.ok(r.document);
    assert.equal(r.document.source, file);
    // The Chevrotain path accepts it too (the fast path must not be the only one that does).
    const lexed = lexRadl(text);
    assert.deepEqual(lexed.diagnostics, []);
    assert.deepEqual(parseTokens(lexed.tokens, text).diagnostics, []);
  });
}

test("corpus facts: deploys, recipes, soft blocks and lists arrive in the IR", () => {
  const doc = parseRadl(readFileSync(join(radlDir, "radl_test_radl_0.radl"), "utf8")).document!;
  const sys = doc.systems[0]!;
  assert.equal(sys.id, "curso-aws");
  assert.equal(sys.features.softs.length, 1);
  const dns = sys.features.features.get("net_interface.0.additional_dns_names");
  assert.deepEqual(dns?.kind === "list" && dns.value, ["host1@domain.com", "host2@domain.com"]);
  const key = sys.features.features.get("disk.0.os.credentials.private_key");
  assert.match(key?.kind === "string" ? key.value : "", /^-----BEGIN RSA PRIVATE KEY-----\n[A]+\n-----END/);
  assert.match(doc.configures[0]?.recipe ?? "", /^\n---\n {2}- vars:/);
  const apps = sys.features.features.get("disk.0.applications");
  assert.deepEqual(apps?.kind === "contains" && [...apps.entries.keys()], [
    "org.grycap.cursoaws",
    "org.grycap.test",
  ]);
  const oscar = parseRadl(readFileSync(join(radlDir, "examples_oscar.radl"), "utf8")).document!;
  const cpu = oscar.systems[0]?.features.features.get("cpu.count");
  assert.equal(cpu?.kind === "number" && cpu.lower?.num.isFloat, true);
});
