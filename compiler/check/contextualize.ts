/** Checks of the merged `contextualize` section (spec radl.md §3.4, §3.5.6, §3.8). */
import type { NumLiteral } from "../ir.js";
import type { CheckContext } from "./context.js";

function isNonNegativeInteger(n: NumLiteral | 0): boolean {
  return n === 0 || (!n.isFloat && Number.isInteger(n.value) && n.value >= 0);
}

export function checkContextualize(ctx: CheckContext): void {
  const c = ctx.doc.contextualize;
  if (!isNonNegativeInteger(c.maxTime)) {
    ctx.error(
      "E-VAL-CTX-TIME",
      `the contextualization time limit must be a whole number of seconds (got ${c.maxTime === 0 ? "0" : c.maxTime.text})`,
      c.span,
    );
  }
  for (const item of c.items?.values() ?? []) {
    const span = item.span ?? c.span;
    const label = `contextualize item 'system ${item.system} configure ${item.configure}'`;
    if (!ctx.systemIds.has(item.system)) {
      ctx.error("E-VAL-CTX-SYSTEM", `${label}: there is no system '${item.system}' in the document`, span);
    }
    if (!ctx.configureIds.has(item.configure)) {
      ctx.error(
        "E-VAL-CTX-CONFIGURE",
        `${label}: there is no configure '${item.configure}' in the document`,
        span,
      );
    }
    if (!isNonNegativeInteger(item.step)) {
      ctx.error(
        "E-VAL-CTX-STEP",
        `${label}: step must be a non-negative integer (got ${item.step === 0 ? "0" : item.step.text})`,
        span,
      );
    }
  }
  if (c.items !== null && c.items.size === 0 && c.options !== null && c.options.size > 0) {
    ctx.warning(
      "W-CTX-OPTIONS-ONLY",
      "this contextualize section has options but no 'system … configure …' item, which disables contextualization; " +
        "add the items to run (e.g. 'system front configure front') or remove the section",
      c.span,
    );
  }
}
