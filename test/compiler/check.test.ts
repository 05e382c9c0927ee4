import { test } from "node:test";
import assert from "node:assert/strict";
import { check } from "../../compiler/check.js";
import type { Diagnostic } from "../../compiler/diagnostic.js";
import type { SystemSec } from "../../compiler/ir.js";
import { parseRadl } from "../../compiler/parse.js";
import fc from "fast-check";
import {
  bound,
  contextualize,
  doc,
  eq,
  features,
  lit,
  radlDocumentArb,
  range,
} from "../support/radl-arbitrary.js";

/** Parses (which must succeed) and checks; returns `CODE@line:col` for every finding. */
function checkText(text: string): Diagnostic[] {
  const { document, diagnostics } = parseRadl(text, { source: "case.radl" });
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors, [], "the case must build without errors");
  assert.ok(document);
  return check(document);
}

const where = (d: Diagnostic) => `${d.code}@${d.span?.line}:${d.span?.column}`;

interface Case {
  id: string;
  text: string;
  /** Every finding, as CODE@line:col, in report order. */
  expected: string[];
  /** What the first finding's message must say. */
  message?: RegExp;
}

// Spec radl.md §7.7 (validation), plus the §7.2/§7.3/§7.4 rows whose outcome is decided by check().
const cases: Case[] = [
  {
    id: "V1 cpu.arch = 'i686' (as in the manual) is rejected with a hint",
    text: "system a (\n  cpu.arch = 'i686'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
    message: /cpu\.arch must be one of 'i386', 'x86_64' \(got 'i686'; .*'i386'/,
  },
  {
    id: "V2 cpu.arch = 'X86_64' is case-insensitive",
    text: "system a (\n  cpu.arch = 'X86_64'\n)\n",
    expected: [],
  },
  {
    id: "V3 outbound = 'YES' passes with W-YESNO-CASE",
    text: "network n (\n  outbound = 'YES'\n)\n",
    expected: ["W-YESNO-CASE@2:3"],
    message: /lower case, 'yes'/,
  },
  {
    id: "V4 outbound = 'true' fails",
    text: "network n (\n  outbound = 'true'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
    message: /outbound must be one of 'yes', 'no' \(got 'true'\)/,
  },
  {
    id: "V5 outports with a space fails",
    text: "network n (\n  outbound = 'yes' and\n  outports = '22, 80'\n)\n",
    expected: ["E-VAL-OUTPORTS@3:3"],
    message: /entry ' 80': spaces are not allowed/,
  },
  {
    id: "V6 outports = '' passes with W-OUTPORTS-EMPTY",
    text: "network n (\n  outports = ''\n)\n",
    expected: ["W-OUTPORTS-EMPTY@2:3"],
  },
  {
    id: "V7 outports range combined with a mapping fails (stricter than REF)",
    text: "network n (\n  outports = '1:10-20'\n)\n",
    expected: ["E-VAL-OUTPORTS@2:3"],
    message: /range \(a:b\) cannot be combined with a port mapping/,
  },
  {
    id: "V8 outports protocol mismatch fails",
    text: "network n (\n  outports = '80-8080/udp'\n)\n",
    expected: ["E-VAL-OUTPORTS@2:3"],
    message: /differs/,
  },
  {
    id: "V9 a connection to no network fails",
    text: "system s (\n  net_interface.0.connection = 'n'\n)\n",
    expected: ["E-VAL-NETWORK-REF@2:3"],
    message: /net_interface\.0\.connection must name a network of the document \(got 'n'\)/,
  },
  {
    id: "V10 NICs 0 and 2 only: index gap",
    text: "network n ()\nsystem s (\n  net_interface.0.connection = 'n' and\n  net_interface.2.connection = 'n'\n)\n",
    expected: ["E-VAL-INDEX-GAP@4:3"],
    message: /net_interface indices must be contiguous from 0 \(found 0, 2; net_interface\.1 is missing\)/,
  },
  {
    id: "V11 net_interface.1.ip without net_interface.1.connection",
    text: "network n ()\nsystem s (\n  net_interface.0.connection = 'n' and\n  net_interface.1.ip = '10.0.0.1'\n)\n",
    expected: ["E-VAL-IFACE-NO-CONNECTION@4:3"],
    message: /no net_interface\.1\.connection/,
  },
  {
    id: "V12 disk.1.size alone: index 0 is missing",
    text: "system s (\n  disk.1.size = 1G\n)\n",
    expected: ["E-VAL-INDEX-GAP@2:3"],
    message: /disk\.0 is missing/,
  },
  {
    id: "V13 unknown suffixes neither count nor break contiguity",
    text: "system s (\n  disk.0.os.name = 'linux' and\n  disk.5.foo = 'x'\n)\n",
    expected: [],
  },
  {
    id: "V14 disk.free_size / net_interface.count: expected an index",
    text: "system s (\n  disk.free_size = 1G and\n  net_interface.count = 1\n)\n",
    expected: ["E-VAL-INDEX@2:3", "E-VAL-INDEX@3:3"],
    message: /expected an index/,
  },
  {
    id: "an index with leading zeros reads as its number (REF int())",
    text: "network n ()\nsystem s (\n  net_interface.00.connection = 'n' and\n  disk.00.os.name = 'linux'\n)\n",
    expected: [],
  },
  {
    id: "V15 disks.free_size / net_interfaces.count are free names",
    text: "system s (\n  disks.free_size = 1G and\n  net_interfaces.count = 1\n)\n",
    expected: [],
  },
  {
    id: "V16 a soft block is checked alone (its only NIC index is 1)",
    text: "network n ()\nsystem s (\n  net_interface.0.connection = 'n' and\n  soft 5 (\n    net_interface.1.connection = 'n'\n  )\n)\n",
    expected: ["E-VAL-INDEX-GAP@5:5"],
  },
  {
    id: "V17a disk.0.os.version = 'jammy'",
    text: "system s (\n  disk.0.os.version = 'jammy'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
    message: /digit groups separated by dots/,
  },
  {
    id: "V17b disk.0.os.version = '22.04 LTS'",
    text: "system s (\n  disk.0.os.version = '22.04 LTS'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
  },
  {
    id: "V18 application version '1.0-beta'",
    text: "system s (\n  disk.0.applications contains (\n    name = 'x' and\n    version = '1.0-beta'\n  )\n)\n",
    expected: ["E-VAL-VALUE@4:5"],
    message: /version must be empty or digit groups/,
  },
  {
    id: "V19 new password that fails the policy (the value is not echoed)",
    text: "system s (\n  disk.0.os.credentials.new.password = 'abc'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
    message:
      /^disk\.0\.os\.credentials\.new\.password does not meet the password policy: it needs at least 7 characters, an upper-case letter, a digit, a character that is neither a letter nor a digit$/,
  },
  {
    id: "V20 cpu.arch <= 'x86_64': operator",
    text: "system s (\n  cpu.arch <= 'x86_64'\n)\n",
    expected: ["E-VAL-OPERATOR@2:3"],
    message: /only '='/,
  },
  {
    id: "V21 unknown features are not checked",
    text: "system s (\n  instance_type >= 'm1'\n)\n",
    expected: [],
  },
  {
    id: "V22 ansible_host naming no ansible section",
    text: "system s (\n  ansible_host = 'h'\n)\n",
    expected: ["E-VAL-ANSIBLE-REF@2:3"],
  },
  {
    id: "V23 ansible section without password or key",
    text: "ansible h (\n  host = 'x' and\n  credentials.username = 'u'\n)\n",
    expected: ["E-VAL-ANSIBLE-CREDENTIALS@1:1"],
    message: /credentials\.password or credentials\.private_key/,
  },
  {
    id: "V24 contextualize 1.5 ()",
    text: "contextualize 1.5 ()\n",
    expected: ["E-VAL-CTX-TIME@1:1"],
    message: /whole number of seconds \(got 1\.5\)/,
  },
  {
    id: "V25 contextualize step 1.5 (stricter than REF)",
    text: "system a ()\nconfigure c ()\ncontextualize (\n  system a configure c step 1.5\n)\n",
    expected: ["E-VAL-CTX-STEP@4:3"],
  },
  { id: "V26 deploy of a system reference", text: "system x\ndeploy x 1\n", expected: [] },
  {
    id: "V27 deploy of a system that does not exist",
    text: "system x ()\ndeploy test 1\n",
    expected: ["E-VAL-DEPLOY-SYSTEM@2:1"],
    message: /no system 'test'/,
  },
  // §7.2 / §7.3 / §7.4 rows decided by check()
  {
    id: 'S7 cpu.count = "2" is a string',
    text: 'system a (\n  cpu.count = "2"\n)\n',
    expected: ["E-VAL-TYPE@2:3"],
    message: /cpu\.count must be a number \(got '2'\)/,
  },
  {
    id: "N2 memory.size must be an integer literal",
    text: "system a (\n  memory.size >= 1.5G\n)\n",
    expected: ["E-VAL-TYPE@2:3"],
    message:
      /memory\.size must be an integer number, optionally with a unit of B, K, M, G, T.* \(got '1\.5G'\)/,
  },
  { id: "N3 disk.0.size may be a float", text: "system a (\n  disk.0.size >= 1.5G\n)\n", expected: [] },
  {
    id: "N6 price <= 1e3: unit not allowed, with a hint",
    text: "system a (\n  price <= 1e3\n)\n",
    expected: ["E-VAL-UNIT@2:3"],
    message: /price takes no unit \(got '1e3'; .*no exponent/,
  },
  {
    id: "N9 unquoted IP",
    text: "network n ()\nsystem a (\n  net_interface.0.connection = 'n' and\n  net_interface.0.ip = 10.0.0.1\n)\n",
    expected: ["E-VAL-TYPE@4:3"],
    message: /must be a string/,
  },
  {
    id: "N10 cpu.count >= 2 cores",
    text: "system a (\n  cpu.count >= 2 cores\n)\n",
    expected: ["E-VAL-UNIT@2:3"],
  },
  {
    id: "N11 cpu.performance needs a unit",
    text: "system a (\n  cpu.performance >= 2\n)\n",
    expected: ["E-VAL-UNIT@2:3"],
    message: /needs a unit: ECU, GCEU, HRZ/,
  },
  {
    id: "N12 memory.size with an unknown unit",
    text: "system a (\n  memory.size >= 512 X\n)\n",
    expected: ["E-VAL-UNIT@2:3"],
  },
  { id: "N13 unknown feature with any unit", text: "system a (\n  foo = 3 weeks\n)\n", expected: [] },
  {
    id: "N16 deploy a 1.5",
    text: "system a ()\ndeploy a 1.5\n",
    expected: ["E-VAL-DEPLOY-COUNT@2:1"],
  },
  {
    id: "R10 two YAML documents",
    text: "configure c (\n@begin\n---\n- a: 1\n---\n- b: 2\n@end\n)\n",
    expected: ["E-VAL-RECIPE-YAML@1:1"],
    message: /single document/,
  },
  {
    id: "R11 TAB-indented YAML",
    text: "configure c (\n@begin\na:\n\tb: 1\n@end\n)\n",
    expected: ["E-VAL-RECIPE-YAML@1:1"],
    message: /tab/i,
  },
  {
    id: "R12 Ansible Vault blob",
    text: "configure c (\n@begin\n$ANSIBLE_VAULT;1.1;AES256\n66336134613362\n@end\n)\n",
    expected: [],
  },
  { id: "R13 empty configure is not YAML-checked", text: "configure c ()\n", expected: [] },
  // Further rules of §3.5
  {
    id: "W-UNIT-LOOKS-LIKE-EXPONENT on an unknown feature",
    text: "system a (\n  foo = 1e3\n)\n",
    expected: ["W-UNIT-LOOKS-LIKE-EXPONENT@2:3"],
  },
  {
    id: "W-CTX-OPTIONS-ONLY: options but no items disable contextualization",
    text: "contextualize (\n  option ansible_version = '2.16.3'\n)\n",
    expected: ["W-CTX-OPTIONS-ONLY@1:1"],
    message: /disables contextualization/,
  },
  {
    id: "W-YESNO-CASE on spot and on an application's preinstalled",
    text: "system a (\n  spot = 'No' and\n  disk.0.applications contains (name = 'x' and preinstalled = 'YES')\n)\n",
    expected: ["W-YESNO-CASE@2:3", "W-YESNO-CASE@3:48"],
  },
  {
    id: "ansible section without host nor username",
    text: "ansible h (\n  credentials.password = 'p'\n)\n",
    expected: ["E-VAL-ANSIBLE-HOST@1:1", "E-VAL-ANSIBLE-CREDENTIALS@1:1"],
  },
  {
    id: "ansible_host naming an ansible section, and a complete ansible section",
    text: "ansible h (\n  host = 'x' and\n  credentials.username = 'u' and\n  credentials.private_key = 'k'\n)\nsystem s (\n  ansible_host = 'h'\n)\n",
    expected: [],
  },
  {
    id: "contextualize items naming unknown system and configure",
    text: "contextualize (\n  system a configure c\n)\n",
    expected: ["E-VAL-CTX-SYSTEM@2:3", "E-VAL-CTX-CONFIGURE@2:3"],
  },
  {
    id: "references count as existing for connections, deploys and contextualize items",
    text: "network n\nsystem s (\n  net_interface.0.connection = 'n'\n)\nconfigure c\ncontextualize (\n  system s configure c\n)\ndeploy s 2\n",
    expected: [],
  },
  {
    id: "image_type and os.name closed sets",
    text: "system s (\n  image_type = 'vhd' and\n  disk.0.os.name = 'Windows'\n)\n",
    expected: ["E-VAL-VALUE@2:3"],
    message: /'vmdk', 'qcow', 'qcow2', 'raw'/,
  },
  {
    id: "disk.0.image.url accepts a list; applications must be a contains block",
    text: "system s (\n  disk.0.image.url = ['one://a/1', 'ost://b/2'] and\n  disk.0.applications = 'x'\n)\n",
    expected: ["E-VAL-TYPE@3:3"],
    message: /contains \(…\) block/,
  },
  {
    id: "both bounds of an interval are checked",
    text: "system s (\n  cpu.count >= 1 and\n  cpu.count <= 4 cores\n)\n",
    expected: ["E-VAL-UNIT@3:3"],
  },
  {
    id: "strings whose name contains 'version' may use comparators",
    text: "system s (\n  disk.0.os.version >= '6'\n)\n",
    expected: [],
  },
  {
    id: "nested soft blocks are checked recursively",
    text: "system s (\n  soft 10 (\n    soft 5 (\n      cpu.arch = 'sparc'\n    )\n  )\n)\n",
    expected: ["E-VAL-VALUE@4:7"],
  },
  {
    id: "network soft blocks and unknown features are not checked",
    text: "network n (\n  foo = 'bar' and\n  soft 1 (\n    outbound = 'maybe'\n  )\n)\n",
    expected: [],
  },
];

for (const c of cases) {
  test(c.id, () => {
    const found = checkText(c.text);
    assert.deepEqual(found.map(where), c.expected);
    if (c.message) assert.match(found[0]!.message, c.message);
    for (const d of found) assert.equal(d.source, "case.radl");
  });
}

test("check() collects every error instead of stopping at the first", () => {
  const found = checkText(
    "network n (\n  outbound = 'maybe'\n)\nsystem s (\n  cpu.arch = 'sparc' and\n  memory.size >= 1 parsec\n)\ndeploy ghost 1\n",
  );
  assert.deepEqual(found.map(where), [
    "E-VAL-VALUE@2:3",
    "E-VAL-VALUE@5:3",
    "E-VAL-UNIT@6:3",
    "E-VAL-DEPLOY-SYSTEM@8:1",
  ]);
});

test("negative numbers (reachable from RADL-JSON only) are rejected where REF requires >= 0", () => {
  const system: SystemSec = {
    id: "s",
    reference: false,
    features: features(
      ["cpu.count", range(bound(">=", "-1"))],
      ["memory.size", range(undefined, bound("<=", "-512", "M"))],
      ["disk.0.size", eq("-1", "G")],
      ["price", eq("-0.5")],
    ),
  };
  const found = check(
    doc({
      systems: [system],
      deploys: [{ system: "s", count: lit("-1") }],
      contextualize: { ...contextualize("-5", []), span: { line: 9, column: 1, offset: 0, length: 1 } },
    }),
  );
  assert.deepEqual(
    found.map((d) => d.code),
    ["E-VAL-VALUE", "E-VAL-VALUE", "E-VAL-VALUE", "E-VAL-VALUE", "E-VAL-DEPLOY-COUNT", "E-VAL-CTX-TIME"],
  );
  assert.match(found[0]!.message, /cpu\.count must not be negative \(got '-1'\)/);
});

test("duplicate system and network ids (possible in a hand-built IR) are reported", () => {
  const sys = (id: string): SystemSec => ({ id, reference: false, features: features() });
  const found = check(
    doc({
      systems: [sys("a"), sys("a")],
      networks: [
        { id: "n", reference: true, features: features() },
        { id: "n", reference: false, features: features() },
      ],
    }),
  );
  assert.deepEqual(
    found.map((d) => [d.code, d.message]),
    [
      ["E-BUILD-DUPLICATE-ID", "system 'a' is defined more than once"],
      ["E-BUILD-DUPLICATE-ID", "network 'n' is defined more than once"],
    ],
  );
});

const APPENDIX_C_CHECK_CODES = new Set([
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
  "E-BUILD-DUPLICATE-ID",
  "W-YESNO-CASE",
  "W-OUTPORTS-EMPTY",
  "W-UNIT-LOOKS-LIKE-EXPONENT",
  "W-CTX-OPTIONS-ONLY",
]);

test("check() never throws and only uses Appendix C codes, on any document the builder can produce", () => {
  fc.assert(
    fc.property(radlDocumentArb, (d) => {
      for (const diagnostic of check(d)) {
        assert.ok(APPENDIX_C_CHECK_CODES.has(diagnostic.code), diagnostic.code);
        assert.equal(diagnostic.severity, diagnostic.code.startsWith("W-") ? "warning" : "error");
        assert.ok(diagnostic.message.length > 0);
      }
    }),
    { numRuns: 300 },
  );
});
