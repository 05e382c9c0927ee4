import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { check } from "../../compiler/check.js";
import { contextualizationPlan } from "../../compiler/context-plan.js";
import { groupDeploys } from "../../compiler/deploy-groups.js";
import { parseRadl } from "../../compiler/parse.js";
import { dataDisks, networkInterfaces } from "../../compiler/system-view.js";
import { corpusDir } from "../support/paths.js";

const radlDir = join(corpusDir, "radl");
const files = readdirSync(radlDir).filter((f) => f.endsWith(".radl"));

test("the corpus is there", () => {
  assert.ok(files.length >= 30, `expected the RADL corpus in ${radlDir}`);
});

for (const file of files) {
  const text = readFileSync(join(radlDir, file), "utf8");
  const parsed = parseRadl(text, { source: file });
  const buildErrors = parsed.diagnostics.filter((d) => d.severity === "error");

  if (file === "examples_glusterfs.radl") {
    test(`${file} fails at build, before check()`, () => {
      assert.ok(buildErrors.length > 0);
      assert.equal(parsed.document, null);
    });
    continue;
  }

  test(`${file}: check() gives the reference outcome`, () => {
    assert.deepEqual(buildErrors, []);
    assert.ok(parsed.document);
    const errors = check(parsed.document).filter((d) => d.severity === "error");
    if (file === "examples_oscar.radl") {
      // REF reports line 22 because it does not count the LF inside the two-line `script`
      // string; `deploy test 1` is on line 23 of the file, which is what we report (spec §7.2 S5).
      assert.deepEqual(
        errors.map((d) => [d.code, d.span?.line, d.span?.column]),
        [["E-VAL-DEPLOY-SYSTEM", 23, 1]],
      );
      assert.equal(text.split("\n")[22], "deploy test 1");
      assert.match(errors[0]!.message, /no system 'test'/);
    } else {
      assert.deepEqual(errors, []);
    }
  });

  test(`${file}: the IM-level helpers read every system`, () => {
    const doc = parsed.document!;
    const networkIds = new Set(doc.networks.map((n) => n.id));
    for (const system of doc.systems) {
      for (const nic of networkInterfaces(system.features)) assert.ok(networkIds.has(nic.connection));
      for (const disk of dataDisks(system.features)) {
        assert.ok(disk.sizeBytes !== undefined || disk.imageUrl !== undefined);
      }
    }
    const plan = contextualizationPlan(doc);
    for (const item of plan.items) assert.ok(doc.systems.some((s) => s.id === item.system));
    if (file !== "examples_oscar.radl") {
      const groups = groupDeploys(doc);
      const vms = doc.deploys.reduce((n, d) => n + d.count.value, 0);
      assert.equal(
        groups.flatMap((g) => g.deploys).reduce((n, d) => n + d.count, 0),
        vms,
      );
    }
  });
}
