import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { optionsMarkdown } from "../../api/config/options.js";
import { repoRoot } from "../support/paths.js";

test("docs/configuration.md lists every option exactly as the option table declares it", () => {
  const doc = readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8");
  assert.ok(
    doc.includes(optionsMarkdown()),
    "docs/configuration.md is stale: regenerate its table from optionsMarkdown() (see the README)",
  );
});
