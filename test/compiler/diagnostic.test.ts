import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../compiler/diagnostic.js";

test("a diagnostic names file, line and column and points at the column", () => {
  const text = "system a (\n  cpu.count = -1\n)\n";
  const out = formatDiagnostic(
    {
      code: "E-LEX-ILLEGAL-CHAR",
      severity: "error",
      message: "character '-' is not allowed here",
      source: "a.radl",
      span: { line: 2, column: 15, offset: 25, length: 1 },
    },
    text,
  );
  assert.equal(
    out,
    "a.radl:2:15: error E-LEX-ILLEGAL-CHAR: character '-' is not allowed here\n    cpu.count = -1\n                ^",
  );
});
