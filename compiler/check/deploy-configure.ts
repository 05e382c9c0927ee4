/** Checks of `deploy` and `configure` sections (spec radl.md §3.4, §3.5.5). */
import type { ConfigureSec, DeploySec, Span } from "../ir.js";
import type { CheckContext } from "./context.js";
import { recipeYamlProblem } from "./recipe-yaml.js";

export function checkDeploy(ctx: CheckContext, deploy: DeploySec): void {
  if (!ctx.systemIds.has(deploy.system)) {
    ctx.error(
      "E-VAL-DEPLOY-SYSTEM",
      `deploy ${deploy.system} ${deploy.count.text}: there is no system '${deploy.system}' in the document (definition or reference)`,
      deploy.span,
    );
  }
  if (deploy.count.isFloat || deploy.count.value < 0 || !Number.isInteger(deploy.count.value)) {
    ctx.error(
      "E-VAL-DEPLOY-COUNT",
      `deploy ${deploy.system}: the number of VMs must be a non-negative integer (got ${deploy.count.text})`,
      deploy.span,
    );
  }
}

/** Where a recipe line is, when the configure's span starts the section (best effort). */
function recipeWhere(line: number | undefined, column: number | undefined): string {
  return line === undefined
    ? ""
    : ` (recipe line ${line}${column === undefined ? "" : `, column ${column}`})`;
}

export function checkConfigure(ctx: CheckContext, configure: ConfigureSec): void {
  if (configure.reference || configure.recipe === null) return;
  const problem = recipeYamlProblem(configure.recipe);
  if (problem === undefined) return;
  const span: Span | undefined = configure.span;
  ctx.error(
    "E-VAL-RECIPE-YAML",
    `configure ${configure.id}: the recipe must be one valid YAML document${recipeWhere(problem.line, problem.column)}: ${problem.message}`,
    span,
  );
}
