import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALTER_NO_SYSTEM,
  AlterVmSystemError,
  alterVmDocument,
  completeDocument,
  FAKE_SYSTEM_PREFIX,
  mergeContextualize,
  newDataDisks,
  reconfigureRadl,
  resizedSystem,
  UnknownReferenceError,
  updateStoredRadl,
  withoutInternalSystems,
} from "../../compiler/merge.js";
import { check } from "../../compiler/check.js";
import { RadlDocumentError } from "../../compiler/errors.js";
import { parseRadlOrThrow } from "../../compiler/parse.js";
import type { RadlDocument, SystemSec } from "../../compiler/ir.js";
import { printRadl } from "../../compiler/print.js";
import {
  bound,
  contains,
  contextualize,
  ctxItem,
  doc,
  eq,
  features,
  lit,
  plainDocument,
  range,
  str,
} from "../support/radl-arbitrary.js";

const net = (id: string, ...items: Parameters<typeof features>) => ({
  id,
  reference: false,
  features: features(...items),
});
const sys = (id: string, ...items: Parameters<typeof features>): SystemSec => ({
  id,
  reference: false,
  features: features(...items),
});
const ref = (id: string) => ({ id, reference: true, features: features() });

function storedInfrastructure(): RadlDocument {
  return doc({
    description: { id: "d", reference: false, features: features(["name", str("stored")]) },
    networks: [net("pub", ["outbound", str("yes")]), net("priv")],
    systems: [
      sys("front", ["cpu.count", eq("2")], ["net_interface.0.connection", str("pub")]),
      sys("wn", ["net_interface.0.connection", str("priv")]),
    ],
    configures: [
      { id: "front", reference: false, recipe: "\n- tasks: []\n" },
      { id: "wn", reference: false, recipe: null },
    ],
    deploys: [{ system: "front", count: lit("1") }],
    contextualize: contextualize(
      "100",
      [ctxItem("front", "front", "1")],
      [["ansible_version", { op: "=", value: "2.9" }]],
    ),
  });
}

test("AddResource complete: references become copies of the stored definitions, moved to the end", () => {
  const stored = storedInfrastructure();
  const before = printRadl(stored);
  const added = doc({
    networks: [ref("priv"), net("extra")],
    systems: [ref("wn"), sys("new", ["net_interface.0.connection", str("extra")])],
    configures: [{ id: "wn", reference: true, recipe: null }],
    deploys: [{ system: "wn", count: lit("2") }],
  });
  const completed = completeDocument(stored, added);
  assert.deepEqual(
    completed.networks.map((n) => [n.id, n.reference]),
    [
      ["extra", false],
      ["priv", false],
    ],
  );
  assert.deepEqual(
    completed.systems.map((s) => s.id),
    ["new", "wn"],
  );
  assert.deepEqual(
    plainDocument(doc({ systems: [completed.systems[1] as SystemSec] })),
    plainDocument(doc({ systems: [stored.systems[1] as SystemSec] })),
  );
  assert.deepEqual(completed.configures, [{ id: "wn", reference: false, recipe: null }]);
  assert.notEqual(completed.systems[1], stored.systems[1], "a copy, not the stored object");
  assert.equal(printRadl(stored), before, "the stored RADL is untouched");
  assert.equal(added.systems[0]?.reference, true, "the document is untouched");
});

test("AddResource complete: every reference not stored is E-IM-UNKNOWN-REFERENCE, named with its class", () => {
  const stored = storedInfrastructure();
  const added = doc({
    source: "add.radl",
    networks: [ref("nowhere")],
    systems: [{ ...ref("ghost"), span: { line: 3, column: 1, offset: 20, length: 12 } }],
    configures: [
      { id: "wn", reference: true, recipe: null },
      { id: "missing", reference: true, recipe: null },
    ],
  });
  assert.throws(
    () => completeDocument(stored, added),
    (e: unknown) => {
      assert.ok(e instanceof UnknownReferenceError && e instanceof RadlDocumentError);
      assert.equal(e.code, "E-IM-UNKNOWN-REFERENCE");
      assert.deepEqual(
        e.diagnostics.map((d) => d.message),
        [
          "Unknown reference in RADL to network 'nowhere'",
          "Unknown reference in RADL to system 'ghost'",
          "Unknown reference in RADL to configure 'missing'",
        ],
      );
      assert.deepEqual(e.diagnostics[1]?.span, { line: 3, column: 1, offset: 20, length: 12 });
      assert.equal(e.diagnostics[1]?.source, "add.radl");
      return true;
    },
  );
});

test("CreateInfrastructure: against an empty infrastructure any reference is unknown", () => {
  assert.throws(
    () => completeDocument(doc({}), doc({ systems: [ref("front")] })),
    /Unknown reference in RADL to system 'front'/,
  );
});

test("AddResource complete: networks bound to a cloud get an internal system and a `deploy … 0 <cloud>`", () => {
  const stored = storedInfrastructure();
  const added = doc({ networks: [net("a"), ref("priv"), net("b")], systems: [sys("x")] });
  const completed = completeDocument(stored, added, {
    privateNetworkClouds: new Map([
      ["priv", "one"],
      ["b", "ost"],
    ]),
  });
  assert.deepEqual(
    completed.systems.map((s) => s.id),
    ["x", `${FAKE_SYSTEM_PREFIX}0`, `${FAKE_SYSTEM_PREFIX}1`],
  );
  assert.match(
    printRadl(completed),
    /system F0000__FAKE_SYSTEM__0 \(\nnet_interface\.0\.connection = 'b'\n\)/,
  );
  assert.match(
    printRadl(completed),
    /system F0000__FAKE_SYSTEM__1 \(\nnet_interface\.0\.connection = 'priv'\n\)/,
  );
  assert.deepEqual(
    completed.deploys.map((d) => [d.system, d.count.value, d.cloud]),
    [
      [`${FAKE_SYSTEM_PREFIX}0`, 0, "ost"],
      [`${FAKE_SYSTEM_PREFIX}1`, 0, "one"],
    ],
  );
  const shown = withoutInternalSystems(updateStoredRadl(stored, completed).radl);
  assert.ok(!printRadl(shown).includes(FAKE_SYSTEM_PREFIX), "GetInfrastructureRADL hides them");
});

test("AddResource update: the description is replaced, even by a reference (REF behaviour)", () => {
  const stored = storedInfrastructure();
  const replaced = updateStoredRadl(
    stored,
    doc({ description: { id: "n", reference: false, features: features(["name", str("new")]) } }),
  );
  assert.match(printRadl(replaced.radl), /^description n \(name = 'new'\)\n/);
  const byReference = updateStoredRadl(
    stored,
    doc({ description: { id: "d", reference: true, features: features() } }),
  );
  assert.match(printRadl(byReference.radl), /^description d\n/);
  assert.match(
    printRadl(updateStoredRadl(stored, doc({})).radl),
    /^description d \(name = 'stored'\)\n/,
    "kept when absent",
  );
});

test("AddResource update: networks and ansible sections are only added when new; a redefinition is ignored with a warning", () => {
  const stored = storedInfrastructure();
  stored.ansible = [{ id: "am", reference: false, features: features(["host", str("h1")]) }];
  const { radl, warnings } = updateStoredRadl(
    stored,
    doc({
      source: "add.radl",
      networks: [net("pub", ["outbound", str("no")]), net("extra")],
      ansible: [
        { id: "am", reference: false, features: features(["host", str("h2")]) },
        { id: "am2", reference: false, features: features(["host", str("h3")]) },
      ],
    }),
  );
  assert.deepEqual(
    radl.networks.map((n) => n.id),
    ["pub", "priv", "extra"],
  );
  assert.match(printRadl(radl), /network pub \( outbound = 'yes' \)/);
  assert.deepEqual(
    radl.ansible.map((a) => [a.id, (a.features.features.get("host") as { value: string }).value]),
    [
      ["am", "h1"],
      ["am2", "h3"],
    ],
  );
  assert.deepEqual(
    warnings.map((w) => [w.code, w.severity, w.message, w.source]),
    [
      [
        "W-IM-IGNORED-REDEFINITION",
        "warning",
        "Ignoring the redefinition of network 'pub': the stored definition is kept",
        "add.radl",
      ],
      [
        "W-IM-IGNORED-REDEFINITION",
        "warning",
        "Ignoring the redefinition of ansible 'am': the stored definition is kept",
        "add.radl",
      ],
    ],
  );
});

test("AddResource update: systems and configures replace the stored section whole, without feature merge", () => {
  const stored = storedInfrastructure();
  const { radl } = updateStoredRadl(
    stored,
    doc({
      systems: [sys("front", ["memory.size", range(bound(">=", "4", "G"))]), sys("db")],
      configures: [
        { id: "front", reference: false, recipe: null },
        { id: "db", reference: false, recipe: "\n[]\n" },
      ],
    }),
  );
  assert.deepEqual(
    radl.systems.map((s) => s.id),
    ["wn", "front", "db"],
  );
  const front = radl.systems.find((s) => s.id === "front");
  assert.deepEqual(
    front?.features.order,
    ["memory.size"],
    "cpu.count and the NIC of the stored front are gone",
  );
  assert.deepEqual(
    radl.configures.map((c) => [c.id, c.recipe]),
    [
      ["wn", null],
      ["front", null],
      ["db", "\n[]\n"],
    ],
  );
});

test("AddResource update: deploys replace the stored ones only when the document has some", () => {
  const stored = storedInfrastructure();
  assert.deepEqual(
    updateStoredRadl(
      stored,
      doc({
        deploys: [
          { system: "wn", count: lit("3") },
          { system: "wn", count: lit("1"), cloud: "c" },
        ],
      }),
    ).radl.deploys.map((d) => [d.system, d.count.value, d.cloud]),
    [
      ["wn", 3, undefined],
      ["wn", 1, "c"],
    ],
  );
  assert.deepEqual(
    updateStoredRadl(stored, doc({ systems: [sys("x")] })).radl.deploys.map((d) => d.system),
    ["front"],
  );
});

test("AddResource update: contextualize merges as in §3.3 (max time, items replaced in place, options later wins)", () => {
  const stored = storedInfrastructure();
  const { radl } = updateStoredRadl(
    stored,
    doc({
      contextualize: contextualize(
        "50",
        [ctxItem("wn", "wn"), ctxItem("front", "front", "3")],
        [
          ["ansible_version", { op: "=", value: "2.16" }],
          ["x", { op: ">=", value: lit("1") }],
        ],
      ),
    }),
  );
  assert.match(
    printRadl(radl),
    /contextualize 100 \(\noption ansible_version = '2\.16'\noption x >= 1\nsystem front configure front step 3\nsystem wn configure wn\n\)/,
  );
  const later = mergeContextualize(stored.contextualize, contextualize("300", []));
  assert.equal(later.maxTime === 0 ? 0 : later.maxTime.value, 300);
  assert.equal(later.items?.size, 1, "an empty item list keeps the stored items");
  const noSection = mergeContextualize(stored.contextualize, { maxTime: 0, items: null, options: null });
  assert.deepEqual([...(noSection.items?.keys() ?? [])], ["front\u0000front"]);
  const fromNothing = mergeContextualize(
    { maxTime: 0, items: null, options: null },
    contextualize(undefined, []),
  );
  assert.deepEqual(
    [fromNothing.items?.size, fromNothing.options?.size],
    [0, 0],
    "an empty section disables contextualization",
  );
});

test("Reconfigure: configures added or replaced, contextualize merged, other sections of the document ignored", () => {
  const stored = storedInfrastructure();
  const radl = reconfigureRadl(
    stored,
    doc({
      networks: [net("another")],
      systems: [sys("front", ["cpu.count", eq("8")])],
      configures: [
        { id: "front", reference: false, recipe: "\n- hosts: all\n" },
        { id: "new", reference: false, recipe: null },
        { id: "wn", reference: true, recipe: null },
      ],
      deploys: [{ system: "front", count: lit("5") }],
      contextualize: contextualize(undefined, [ctxItem("front", "new", "2")]),
    }),
  );
  assert.deepEqual(
    radl.configures.map((c) => [c.id, c.recipe]),
    [
      ["wn", null],
      ["front", "\n- hosts: all\n"],
      ["new", null],
    ],
  );
  assert.deepEqual([...(radl.contextualize.items?.keys() ?? [])], ["front\u0000front", "front\u0000new"]);
  assert.deepEqual(
    radl.networks.map((n) => n.id),
    ["pub", "priv"],
  );
  assert.deepEqual(
    radl.deploys.map((d) => d.count.value),
    [1],
  );
  assert.match(printRadl(radl), /cpu\.count = 2/, "system features are not reconfigured");
});

test("Reconfigure: requested new credentials are copied (password and keys only, and only if they change something)", () => {
  const stored = storedInfrastructure();
  stored.systems[0] = sys(
    "front",
    ["disk.0.os.credentials.username", str("u")],
    ["disk.0.os.credentials.password", str("old")],
  );
  const request = (...items: Parameters<typeof features>) =>
    reconfigureRadl(stored, doc({ systems: [sys("front", ...items)] }));
  const changed = request(
    ["disk.0.os.credentials.new.username", str("other")],
    ["disk.0.os.credentials.new.password", str("N3w-pass!")],
    ["disk.0.os.credentials.new.private_key", str("KEY")],
  );
  assert.deepEqual(changed.systems[0]?.features.order, [
    "disk.0.os.credentials.username",
    "disk.0.os.credentials.password",
    "disk.0.os.credentials.new.password",
    "disk.0.os.credentials.new.private_key",
  ]);
  assert.match(printRadl(changed), /disk\.0\.os\.credentials\.new\.password = 'N3w-pass!'/);
  const same = request(
    ["disk.0.os.credentials.new.username", str("u")],
    ["disk.0.os.credentials.new.password", str("old")],
  );
  assert.deepEqual(same.systems[0]?.features.order, [
    "disk.0.os.credentials.username",
    "disk.0.os.credentials.password",
  ]);
  const none = request(["cpu.count", eq("1")]);
  assert.deepEqual(none.systems[0]?.features.order, [
    "disk.0.os.credentials.username",
    "disk.0.os.credentials.password",
  ]);
  assert.equal(stored.systems[0]?.features.order.length, 2, "the stored RADL is untouched");
});

test("Reconfigure: applications merge by name, a new version replacing the old one", () => {
  const stored = storedInfrastructure();
  stored.systems[0] = sys("front", [
    "disk.0.applications",
    contains(
      features(["name", str("ansible.roles.a,1.0")]),
      features(["name", str("nfs")]),
      features(["name", str("git")]),
    ),
  ]);
  const radl = reconfigureRadl(
    stored,
    doc({
      systems: [
        sys("front", [
          "disk.0.applications",
          contains(
            features(["name", str("ansible.roles.a,2.0")]),
            features(["name", str("nfs")], ["version", str("4")]),
            features(["name", str("new")]),
          ),
        ]),
      ],
    }),
  );
  const apps = radl.systems[0]?.features.features.get("disk.0.applications");
  assert.ok(apps?.kind === "contains");
  assert.deepEqual([...apps.entries.keys()], ["git", "ansible.roles.a,2.0", "nfs", "new"]);
  assert.deepEqual(apps.entries.get("nfs")?.order, ["name", "version"]);
  const wnApps = reconfigureRadl(
    stored,
    doc({ systems: [sys("wn", ["disk.0.applications", contains(features(["name", str("x")]))])] }),
  );
  const added = wnApps.systems[1]?.features;
  assert.deepEqual(
    added?.order,
    ["net_interface.0.connection", "disk.0.applications"],
    "added to a system that had none",
  );
});

test("AlterVM: the document must have the VM's system; only that system is kept", () => {
  const request = doc({
    networks: [net("pub")],
    systems: [sys("other"), sys("front", ["cpu.count", eq("4")])],
  });
  const only = doc({ networks: [net("pub")], systems: [sys("front", ["cpu.count", eq("4")])] });
  assert.deepEqual(plainDocument(completeAlter(request)), plainDocument(only));
  assert.throws(
    () => completeAlter(doc({ systems: [sys("other")] })),
    (e: unknown) =>
      e instanceof AlterVmSystemError &&
      e.code === ALTER_NO_SYSTEM &&
      /no system with name 'front'/.test(e.message),
  );
});

function completeAlter(d: RadlDocument): RadlDocument {
  return alterVmDocument(d, "front");
}

test("AlterVM: sizing constraints of the request replace the VM's; instance_type only if asked; nothing asked, no resize", () => {
  const vm = sys(
    "front",
    ["cpu.count", eq("2")],
    ["memory.size", eq("2", "G")],
    ["instance_type", str("small")],
    ["disk.0.os.name", str("linux")],
  );
  const resized = resizedSystem(
    vm,
    sys("front", ["cpu.count", range(bound(">=", "4"))], ["disk.0.os.name", str("windows")]),
  );
  assert.ok(resized);
  assert.equal(
    printRadl(doc({ systems: [resized] })),
    "system front (\nmemory.size = 2G and\ndisk.0.os.name = 'linux' and\ncpu.count >= 4\n)\n",
  );
  const byType = resizedSystem(
    vm,
    sys(
      "front",
      ["instance_type", str("large", ">=")],
      ["gpu.count", eq("1")],
      ["disks.free_size", eq("10", "G")],
    ),
  );
  assert.equal(
    printRadl(doc({ systems: [byType as SystemSec] })),
    "system front (\ncpu.count = 2 and\nmemory.size = 2G and\ndisk.0.os.name = 'linux' and\ngpu.count = 1 and\ndisks.free_size = 10G and\ninstance_type = 'large'\n)\n",
  );
  assert.equal(resizedSystem(vm, sys("front", ["disk.0.os.name", str("x")])), null);
  assert.equal(vm.features.order.length, 4, "the VM's system is untouched");
});

test("AlterVM: new data disks continue after the VM's last disk while the request gives a size", () => {
  const vm = sys(
    "front",
    ["disk.0.image.url", str("one://h/1")],
    ["disk.1.size", eq("10", "G")],
    ["disk.2.image.url", str("one://h/2")],
  );
  const request = sys(
    "front",
    ["disk.1.size", eq("99", "G")],
    ["disk.3.size", eq("20", "G")],
    ["disk.3.device", str("vdc")],
    ["disk.4.size", eq("5", "G")],
    ["disk.6.size", eq("1", "G")],
  );
  assert.deepEqual(
    newDataDisks(vm, request).map((d) => [
      d.index,
      d.size.kind === "number" ? d.size.lower?.num.text : "",
      d.device,
    ]),
    [
      [3, "20", "vdc"],
      [4, "5", undefined],
    ],
  );
  assert.deepEqual(newDataDisks(vm, sys("front")), []);
});

test("AddResource end to end on text: parse, complete, check, update, print the stored RADL", () => {
  const stored = parseRadlOrThrow(`
network pub (outbound = 'yes')
network priv ()
system front (cpu.count >= 2 and net_interface.0.connection = 'pub' and net_interface.1.connection = 'priv')
system wn (cpu.count = 1 and net_interface.0.connection = 'priv')
configure wn (
@begin
- tasks: []
@end
)
deploy front 1
`);
  const added = parseRadlOrThrow(`
network priv
system wn
configure wn
contextualize ( system wn configure wn )
deploy wn 2
`);
  assert.deepEqual(check(added), [], "references count as existing in the first check");
  const completed = completeDocument(stored, added, { privateNetworkClouds: new Map([["priv", "one"]]) });
  assert.deepEqual(check(completed), []);
  const { radl } = updateStoredRadl(stored, completed);
  assert.deepEqual(check(radl), []);
  assert.equal(
    printRadl(withoutInternalSystems(radl)),
    [
      "network pub ( outbound = 'yes' )",
      "network priv (  )",
      "system front (",
      "cpu.count >= 2 and",
      "net_interface.0.connection = 'pub' and",
      "net_interface.1.connection = 'priv'",
      ")",
      "",
      "system wn (",
      "cpu.count = 1 and",
      "net_interface.0.connection = 'priv'",
      ")",
      "",
      "configure wn (",
      "@begin",
      "- tasks: []",
      "@end",
      ")",
      "contextualize (",
      "system wn configure wn",
      ")",
      "deploy wn 2",
      "",
    ].join("\n"),
  );
  assert.deepEqual(
    radl.deploys.map((d) => [d.system, d.count.value, d.cloud]),
    [
      ["wn", 2, undefined],
      [`${FAKE_SYSTEM_PREFIX}0`, 0, "one"],
    ],
    "the stored deploys are the completed document's, internal one included",
  );
});
