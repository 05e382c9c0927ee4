/**
 * `check()`: validation of a built RADL document (spec radl.md §3.5), with the codes of
 * Appendix C. Definitions are checked; references are never checked but count as existing.
 * Every finding is collected (REF stops at the first); the order follows REF's: networks,
 * ansible sections, systems, deploys, configures, contextualize, then the whole document.
 */
import type { Diagnostic } from "./diagnostic.js";
import type { RadlDocument, Section } from "./ir.js";
import { checkAnsible } from "./check/ansible.js";
import { CheckContext } from "./check/context.js";
import { checkContextualize } from "./check/contextualize.js";
import { checkConfigure, checkDeploy } from "./check/deploy-configure.js";
import { checkNetwork } from "./check/network.js";
import { checkSystem } from "./check/system.js";

function checkDuplicateIds(ctx: CheckContext, kind: string, sections: readonly Section[]): void {
  const seen = new Set<string>();
  for (const section of sections) {
    if (seen.has(section.id)) {
      ctx.error("E-BUILD-DUPLICATE-ID", `${kind} '${section.id}' is defined more than once`, section.span);
    }
    seen.add(section.id);
  }
}

export function check(doc: RadlDocument): Diagnostic[] {
  const ctx = new CheckContext(doc);
  for (const network of doc.networks) checkNetwork(ctx, network);
  for (const ansible of doc.ansible) checkAnsible(ctx, ansible);
  for (const system of doc.systems) checkSystem(ctx, system);
  for (const deploy of doc.deploys) checkDeploy(ctx, deploy);
  for (const configure of doc.configures) checkConfigure(ctx, configure);
  checkContextualize(ctx);
  checkDuplicateIds(ctx, "system", doc.systems);
  checkDuplicateIds(ctx, "network", doc.networks);
  return ctx.diagnostics;
}
