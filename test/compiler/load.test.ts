import { test } from "node:test";
import assert from "node:assert/strict";
import { RadlDocumentError } from "../../compiler/errors.js";
import { detectFormat, loadRadl, loadValidRadl } from "../../compiler/load.js";

const VALID = `network net (outbound = 'yes')
system node (cpu.count >= 1 and net_interface.0.connection = 'net' and disk.0.os.name = 'linux')
deploy node 2
`;

test("detectFormat: RADL-JSON starts with [ or { after blanks and a BOM; everything else is RADL text", () => {
  for (const text of ["[]", '  \n\t[{"class": "system"}]', "\ufeff[", "\r\n{", "{}"]) {
    assert.equal(detectFormat(text), "json", JSON.stringify(text));
  }
  for (const text of ["", "   ", "system a ()", "# [comment]\n[", "\ufeffnetwork n ()", "description d ()"]) {
    assert.equal(detectFormat(text), "radl", JSON.stringify(text));
  }
});

test("a valid RADL text loads into a document with no diagnostics", () => {
  const result = loadRadl(VALID, { source: "ok.radl" });
  assert.equal(result.format, "radl");
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.document);
  assert.deepEqual(
    result.document.systems.map((s) => s.id),
    ["node"],
  );
  assert.equal(result.document.deploys[0]?.count.value, 2);
});

test("check() runs after a clean parse: its errors make the document null and carry the source", () => {
  const result = loadRadl(`${VALID}deploy ghost 1\n`, { source: "ghost.radl" });
  assert.equal(result.document, null);
  const deploy = result.diagnostics.find((d) => d.code === "E-VAL-DEPLOY-SYSTEM");
  assert.ok(deploy, JSON.stringify(result.diagnostics));
  assert.equal(deploy.source, "ghost.radl");
  assert.equal(deploy.span?.line, 4);
});

test("a parse error stops before check(): only the syntax diagnostics are reported", () => {
  const result = loadRadl("system a ( cpu.count >= )\ndeploy ghost 1\n", { source: "bad.radl" });
  assert.equal(result.document, null);
  assert.ok(result.diagnostics.length > 0);
  assert.ok(
    result.diagnostics.every((d) => !d.code.startsWith("E-VAL-")),
    JSON.stringify(result.diagnostics),
  );
  assert.equal(result.diagnostics[0]?.code, "E-PARSE-SYNTAX");
  assert.equal(result.diagnostics[0]?.source, "bad.radl");
  assert.deepEqual([result.diagnostics[0]?.span?.line, result.diagnostics[0]?.span?.column], [1, 25]);
});

test("RADL-JSON is decoded and then checked like text", () => {
  const ok = loadRadl(
    '\n [{"class": "system", "id": "a", "cpu.count_min": 2}, {"class": "deploy", "system": "a", "vm_number": 1}]',
  );
  assert.equal(ok.format, "json");
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(ok.document?.systems[0]?.id, "a");

  const unknownSystem = loadRadl('[{"class": "deploy", "system": "b", "vm_number": 1}]', {
    source: "x.json",
  });
  assert.equal(unknownSystem.document, null);
  assert.deepEqual(
    unknownSystem.diagnostics.map((d) => [d.code, d.source]),
    [["E-VAL-DEPLOY-SYSTEM", "x.json"]],
  );

  const notArray = loadRadl('{"class": "system", "id": "a"}');
  assert.equal(notArray.document, null);
  assert.equal(notArray.diagnostics[0]?.code, "E-JSON-SHAPE");
});

test("warnings do not make a document invalid", () => {
  const result = loadRadl("network n (outbound = 'YES')\n");
  assert.ok(result.document);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.code, d.severity]),
    [["W-YESNO-CASE", "warning"]],
  );
});

test("lenient mode is passed to the parser: dropped characters become warnings", () => {
  const strict = loadRadl("system a ( cpu.count >= -1 )\n");
  assert.equal(strict.document, null);
  assert.equal(strict.diagnostics[0]?.code, "E-LEX-ILLEGAL-CHAR");
  const lenient = loadRadl("system a ( cpu.count >= -1 )\n", { lenient: true });
  assert.ok(lenient.document, JSON.stringify(lenient.diagnostics));
  assert.ok(lenient.diagnostics.length > 0 && lenient.diagnostics.every((d) => d.severity === "warning"));
});

test("loadValidRadl returns the document or throws a RadlDocumentError with every diagnostic", () => {
  assert.equal(loadValidRadl(VALID).systems.length, 1);
  assert.throws(
    () => loadValidRadl("deploy ghost 1\n", { source: "<api>" }),
    (error: unknown) =>
      error instanceof RadlDocumentError &&
      error.code === "E-VAL-DEPLOY-SYSTEM" &&
      error.diagnostics.every((d) => d.source === "<api>"),
  );
});
