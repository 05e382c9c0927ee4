import { test } from "node:test";
import assert from "node:assert/strict";
import { contextualizationPlan, DEFAULT_CONTEXTUALIZATION_SECONDS } from "../../compiler/context-plan.js";
import type { ConfigureSec, DeploySec, RadlDocument } from "../../compiler/ir.js";
import { contextualize, ctxItem, doc, lit } from "../support/radl-arbitrary.js";

const configure = (id: string, recipe: string | null = "- hosts: all\n"): ConfigureSec => ({
  id,
  reference: false,
  recipe,
});
const deploy = (system: string, count = "1", cloud?: string): DeploySec => ({
  system,
  count: lit(count),
  ...(cloud === undefined ? {} : { cloud }),
});
const base = (parts: Partial<RadlDocument> = {}): RadlDocument =>
  doc({
    configures: [configure("front"), configure("wn"), configure("extra")],
    deploys: [deploy("front"), deploy("wn", "2")],
    ...parts,
  });
const pairs = (items: { system: string; configure: string; step: number }[]) =>
  items.map((i) => `${i.system}/${i.configure}@${i.step}`);

test("X1: no contextualize section → default plan (S ↔ configure S, step 1) for systems with VMs", () => {
  const plan = contextualizationPlan(
    base({ deploys: [deploy("front"), deploy("wn", "2"), deploy("idle", "0")] }),
  );
  assert.equal(plan.ansible, true);
  assert.deepEqual(pairs(plan.items), ["front/front@1", "wn/wn@1"]);
  assert.ok(plan.items.every((i) => i.implicit && i.tool === "Ansible"));
  assert.deepEqual(
    plan.steps.map((s) => [s.step, pairs(s.items)]),
    [[1, ["front/front@1", "wn/wn@1"]]],
  );
  assert.equal(plan.maxTimeSeconds, DEFAULT_CONTEXTUALIZATION_SECONDS);
});

test("default plan skips systems without a configure of their name", () => {
  const plan = contextualizationPlan(base({ configures: [configure("wn")] }));
  assert.deepEqual(pairs(plan.items), ["wn/wn@1"]);
});

test("default plan follows the systems with VMs the caller gives", () => {
  const plan = contextualizationPlan(base(), { systemsWithVms: ["wn", "extra"] });
  assert.deepEqual(pairs(plan.items), ["wn/wn@1", "extra/extra@1"]);
});

test("X2/X4: a section with no items disables contextualization, whatever its time", () => {
  for (const time of [undefined, "600"]) {
    const plan = contextualizationPlan(base({ contextualize: contextualize(time, []) }));
    assert.equal(plan.ansible, false);
    assert.equal(plan.disabledReason, "empty-section");
    assert.deepEqual(plan.items, []);
    assert.deepEqual(plan.steps, []);
    assert.equal(plan.maxTimeSeconds, time === undefined ? 7200 : 600);
  }
});

test("X3: options without items disable contextualization but are still read", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize(undefined, [], [["ansible_version", { op: "=", value: "2.16.3" }]]),
    }),
  );
  assert.equal(plan.ansible, false);
  assert.equal(plan.disabledReason, "empty-section");
  assert.equal(plan.ansibleVersion, "2.16.3");
});

test("listed items replace the default plan and run grouped by ascending step", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize("300", [
        ctxItem("wn", "wn", "2"),
        ctxItem("front", "front", "1"),
        ctxItem("front", "extra", "2"),
        ctxItem("wn", "extra"),
      ]),
    }),
  );
  assert.equal(plan.ansible, true);
  assert.deepEqual(pairs(plan.items), ["wn/wn@2", "front/front@1", "front/extra@2", "wn/extra@0"]);
  assert.deepEqual(
    plan.steps.map((s) => [s.step, pairs(s.items)]),
    [
      [0, ["wn/extra@0"]],
      [1, ["front/front@1"]],
      [2, ["wn/wn@2", "front/extra@2"]],
    ],
  );
  assert.equal(plan.maxTimeSeconds, 300);
});

test("X7: only cloud_init items → Ansible disabled, recipe sent as user-data (last item per system wins)", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize(undefined, [
        ctxItem("front", "front", undefined, "cloud_init"),
        ctxItem("front", "extra", undefined, "cloud_init"),
      ]),
    }),
  );
  assert.equal(plan.ansible, false);
  assert.equal(plan.disabledReason, "no-ansible-item");
  assert.deepEqual([...plan.cloudInit], [["front", "extra"]]);
});

test("X8: other tools are kept as items but never run", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize(undefined, [
        ctxItem("front", "front", "1", "Chef"),
        ctxItem("wn", "wn", "1"),
      ]),
    }),
  );
  assert.equal(plan.ansible, true);
  assert.deepEqual(
    plan.steps.map((s) => pairs(s.items)),
    [["wn/wn@1"]],
  );
  assert.equal(plan.items[0]!.tool, "Chef");
});

test("X12: an empty configure of a system's name opts its VMs out", () => {
  const plan = contextualizationPlan(base({ configures: [configure("front"), configure("wn", null)] }));
  assert.deepEqual(plan.optedOut, ["wn"]);
  assert.equal(plan.ansible, true);
  assert.deepEqual(
    plan.steps.map((s) => pairs(s.items)),
    [["front/front@1"]],
  );
});

test("every system opted out, or no VM at all → contextualization disabled", () => {
  const allOut = contextualizationPlan(
    base({ configures: [configure("front", null), configure("wn", null)] }),
  );
  assert.equal(allOut.ansible, false);
  assert.equal(allOut.disabledReason, "no-vm-to-configure");
  const noVms = contextualizationPlan(base({ deploys: [] }));
  assert.equal(noVms.disabledReason, "no-vm-to-configure");
});

test("items of systems without VMs do not run", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize(undefined, [ctxItem("ghost", "extra", "1"), ctxItem("wn", "wn", "1")]),
    }),
  );
  assert.deepEqual(
    plan.steps.map((s) => pairs(s.items)),
    [["wn/wn@1"]],
  );
});

test("ansible_install option is read, numbers as their literal text", () => {
  const plan = contextualizationPlan(
    base({
      contextualize: contextualize(
        undefined,
        [ctxItem("wn", "wn")],
        [
          ["ansible_install", { op: "=", value: "pip" }],
          ["ansible_version", { op: "=", value: lit("2.16") }],
        ],
      ),
    }),
  );
  assert.equal(plan.ansibleInstall, "pip");
  assert.equal(plan.ansibleVersion, "2.16");
});
