import { test } from "node:test";
import assert from "node:assert/strict";
import { check } from "../../compiler/check.js";
import { contextualizationPlan } from "../../compiler/context-plan.js";
import type { Diagnostic } from "../../compiler/diagnostic.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { parseRadl } from "../../compiler/parse.js";

// Spec radl.md §7.8: the meaning of each contextualize form, from text, through check() and the plan.

const where = (d: Diagnostic) => `${d.code}@${d.span?.line}:${d.span?.column}`;

function load(text: string): { doc: RadlDocument; build: string[]; checked: string[] } {
  const { document, diagnostics } = parseRadl(text, { source: "ctx.radl" });
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.ok(document);
  return { doc: document, build: diagnostics.map(where), checked: check(document).map(where) };
}

const systems =
  "network n ()\n" +
  "system front (\n  net_interface.0.connection = 'n'\n)\n" +
  "system wn (\n  net_interface.0.connection = 'n'\n)\n" +
  "configure front (\n@begin\n- hosts: all\n@end\n)\n" +
  "configure wn (\n@begin\n- hosts: all\n@end\n)\n" +
  "configure extra (\n@begin\n- hosts: all\n@end\n)\n" +
  "deploy front 1\ndeploy wn 2\n";
const firstLineAfter = systems.split("\n").length; // line number of the first line appended

const steps = (doc: RadlDocument) =>
  contextualizationPlan(doc).steps.map((s) => [s.step, s.items.map((i) => `${i.system}/${i.configure}`)]);

test("X1 no contextualize section: default plan, system S with configure S at step 1", () => {
  const { doc, checked } = load(systems);
  assert.deepEqual(checked, []);
  assert.equal(doc.contextualize.items, null);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansible, true);
  assert.deepEqual(steps(doc), [[1, ["front/front", "wn/wn"]]]);
});

test("X2 contextualize (): contextualization disabled", () => {
  const { doc, checked } = load(systems + "contextualize ()\n");
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansible, false);
  assert.equal(plan.disabledReason, "empty-section");
});

test("X3 only an option: disabled, with W-CTX-OPTIONS-ONLY at the section", () => {
  const { doc, checked } = load(systems + "contextualize (\n  option ansible_version = '2.16.3'\n)\n");
  assert.deepEqual(checked, [`W-CTX-OPTIONS-ONLY@${firstLineAfter}:1`]);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansible, false);
  assert.equal(plan.ansibleVersion, "2.16.3");
});

test("X4 contextualize 600 (): disabled, time kept", () => {
  const { doc, checked } = load(systems + "contextualize 600 ()\n");
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansible, false);
  assert.equal(plan.maxTimeSeconds, 600);
});

test("X5 the same pair at step 1 then step 2: only step 2 is kept", () => {
  const { doc, build, checked } = load(
    systems + "contextualize (\n  system wn configure extra step 1\n  system wn configure extra step 2\n)\n",
  );
  assert.ok(build.includes(`W-CTX-DUPLICATE-ITEM@${firstLineAfter + 2}:3`), build.join());
  assert.deepEqual(checked, []);
  assert.deepEqual(steps(doc), [[2, ["wn/extra"]]]);
});

test("X6 step 0 is a step of its own, before step 1", () => {
  const { doc, checked } = load(
    systems +
      "contextualize (\n  system front configure front step 1\n  system wn configure extra step 0\n)\n",
  );
  assert.deepEqual(checked, []);
  assert.deepEqual(steps(doc), [
    [0, ["wn/extra"]],
    [1, ["front/front"]],
  ]);
});

test("X7 only cloud_init items: Ansible disabled, the recipe goes as user-data", () => {
  const { doc, checked } = load(
    systems + "contextualize (\n  system front configure extra with cloud_init\n)\n",
  );
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansible, false);
  assert.equal(plan.disabledReason, "no-ansible-item");
  assert.deepEqual([...plan.cloudInit], [["front", "extra"]]);
});

test("X8 with Chef: accepted and ignored", () => {
  const { doc, checked } = load(
    systems + "contextualize (\n  system front configure extra with Chef\n  system wn configure wn\n)\n",
  );
  assert.deepEqual(checked, []);
  assert.deepEqual(steps(doc), [[0, ["wn/wn"]]]);
});

test("X9 step and with on one item", () => {
  const { doc, checked } = load(
    systems + "contextualize (\n  system wn configure wn step 2 with Ansible\n)\n",
  );
  assert.deepEqual(checked, []);
  assert.deepEqual(steps(doc), [[2, ["wn/wn"]]]);
});

test("X10 an option after an item", () => {
  const { doc, checked } = load(
    systems + "contextualize (\n  system wn configure wn step 1\n  option ansible_version = '2.16.3'\n)\n",
  );
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.ansibleVersion, "2.16.3");
  assert.deepEqual(steps(doc), [[1, ["wn/wn"]]]);
});

test("X11 two sections merge: the larger time, items concatenated", () => {
  const { doc, checked } = load(
    systems +
      "contextualize 10 (\n  system front configure front step 1\n)\n" +
      "contextualize 20 (\n  system wn configure wn step 2\n)\n",
  );
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.equal(plan.maxTimeSeconds, 20);
  assert.deepEqual(steps(doc), [
    [1, ["front/front"]],
    [2, ["wn/wn"]],
  ]);
});

test("X12 configure wn (): VMs of wn are not contextualized", () => {
  const text = systems.replace("configure wn (\n@begin\n- hosts: all\n@end\n)\n", "configure wn ()\n");
  const { doc, checked } = load(text);
  assert.deepEqual(checked, []);
  const plan = contextualizationPlan(doc);
  assert.deepEqual(plan.optedOut, ["wn"]);
  assert.deepEqual(steps(doc), [[1, ["front/front"]]]);
});

test("contextualize errors point at the item: unknown system/configure and float step", () => {
  const { checked } = load(systems + "contextualize 30 (\n  system ghost configure nothing step 1.5\n)\n");
  const line = firstLineAfter + 1;
  assert.deepEqual(checked, [
    `E-VAL-CTX-SYSTEM@${line}:3`,
    `E-VAL-CTX-CONFIGURE@${line}:3`,
    `E-VAL-CTX-STEP@${line}:3`,
  ]);
});
