import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import type { ImService } from "../../api/operations/service.js";
import { routeTable } from "../../api/rest/app.js";
import { openApiDocument } from "../../api/rest/openapi.js";
import { repoRoot } from "../support/paths.js";

test("docs/openapi.yaml describes exactly the routes the server answers", () => {
  const routes = routeTable({} as ImService, {
    REST_ROOT_PATH: "/",
    ENABLE_CORS: false,
    CORS_ORIGIN: "*",
    VAULT_URL: undefined,
    VAULT_PATH: undefined,
    VAULT_MOUNT_POINT: undefined,
    VAULT_ROLE: undefined,
  });
  const generated = openApiDocument(routes, "http://localhost:8800", "0.1.0");
  const documented = parse(readFileSync(join(repoRoot, "docs", "openapi.yaml"), "utf8")) as typeof generated;
  assert.deepEqual(documented.paths, JSON.parse(JSON.stringify(generated.paths)));
  for (const path of ["/version", "/infrastructures", "/infrastructures/{infId}/vms/{vmIds}", "/stats"]) {
    assert.ok(documented.paths[path], path);
  }
});
