import type {
  AnsibleSec,
  ConfigureSec,
  Contextualize,
  CtxItem,
  CtxOption,
  DeploySec,
  DescriptionSec,
  NetworkSec,
  RadlDocument,
  SystemSec,
} from "./ir.js";
import { printFeatureSet } from "./print/features.js";
import { formatNumber, identifier, quoteString } from "./print/lexical.js";
import { RadlUnrepresentableError } from "./print/unrepresentable.js";

export { RadlUnrepresentableError, UNREPRESENTABLE } from "./print/unrepresentable.js";

/**
 * The canonical RADL text of a document (spec radl.md §6.4): REF's layout with the fixes
 * P1–P10, so that the text reads back as the same IR. Throws `RadlUnrepresentableError`
 * (code E-PRINT-UNREPRESENTABLE) for values that have no faithful text form.
 */
export function printRadl(doc: RadlDocument): string {
  const blocks = [
    ...doc.ansible.map(printAnsible),
    ...doc.networks.map(printNetwork),
    ...doc.systems.map(printSystem),
    ...doc.configures.map(printConfigure),
    ...printContextualize(doc.contextualize),
    ...doc.deploys.map(printDeploy),
  ];
  let text = blocks.join("\n");
  if (doc.description)
    text = text === "" ? printDescription(doc.description) : `${printDescription(doc.description)}\n${text}`;
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

function sectionId(kind: string, id: string): string {
  return identifier(id, `${kind} ${JSON.stringify(id)}`, "the id");
}

function printDescription(sec: DescriptionSec): string {
  const id = sectionId("description", sec.id);
  if (sec.reference) return `description ${id}`;
  return `description ${id} (${printFeatureSet(sec.features, `description '${id}'`)})`;
}

function printAnsible(sec: AnsibleSec): string {
  const id = sectionId("ansible", sec.id);
  if (sec.reference)
    throw new RadlUnrepresentableError(`ansible '${id}'`, "an ansible section cannot be a reference");
  return `ansible ${id} (${printFeatureSet(sec.features, `ansible '${id}'`)})`;
}

function printNetwork(sec: NetworkSec): string {
  const id = sectionId("network", sec.id);
  if (sec.reference) return `network ${id}`;
  return `network ${id} ( ${printFeatureSet(sec.features, `network '${id}'`)} )`;
}

function printSystem(sec: SystemSec): string {
  const id = sectionId("system", sec.id);
  if (sec.reference) return `system ${id}`;
  return `system ${id} (\n${printFeatureSet(sec.features, `system '${id}'`)}\n)\n`;
}

function printConfigure(sec: ConfigureSec): string {
  const id = sectionId("configure", sec.id);
  if (sec.reference) return `configure ${id}`;
  if (sec.recipe === null) return `configure ${id} ()`;
  if (/(^|\n)@end/.test(sec.recipe)) {
    throw new RadlUnrepresentableError(
      `configure '${id}'`,
      "the recipe has a line starting with @end, which would end the recipe early",
      sec.span,
    );
  }
  const body = sec.recipe.startsWith("\n") ? sec.recipe : `\n${sec.recipe}`;
  return `configure ${id} (\n@begin${body}${body.endsWith("\n") ? "" : "\n"}@end\n)`;
}

/** Zero or one block: nothing when no contextualize section was ever given (P8). */
function printContextualize(ctx: Contextualize): string[] {
  if (ctx.items === null && ctx.options === null) return [];
  const where = "contextualize";
  const time = ctx.maxTime === 0 ? "" : `${formatNumber(ctx.maxTime, `${where} time`)} `;
  const options = [...(ctx.options ?? [])].map(([name, option]) => printOption(name, option));
  const items = [...(ctx.items?.values() ?? [])].map(printItem);
  if (options.length === 0 && items.length === 0) return [`contextualize ${time}()`];
  const optionLines = options.length === 0 ? "" : `${options.join("\n")}\n`;
  return [`contextualize ${time}(\n${optionLines}${items.join("\n")}\n)`];
}

function printOption(name: string, option: CtxOption): string {
  const where = `contextualize option '${name}'`;
  const printedName = identifier(name, where, "the option name");
  const value =
    typeof option.value === "string"
      ? quoteString(option.value, where, false)
      : formatNumber(option.value, where);
  return `option ${printedName} ${option.op} ${value}`;
}

function printItem(item: CtxItem): string {
  const where = `contextualize item 'system ${item.system} configure ${item.configure}'`;
  let line = `system ${identifier(item.system, where, "the system id")} configure ${identifier(item.configure, where, "the configure id")}`;
  if (item.step !== 0) line += ` step ${formatNumber(item.step, where)}`;
  if (item.tool !== undefined) line += ` with ${identifier(item.tool, where, "the tool name")}`;
  return line;
}

function printDeploy(dep: DeploySec): string {
  const where = `deploy '${dep.system}'`;
  const cloud = dep.cloud === undefined ? "" : ` ${identifier(dep.cloud, where, "the cloud id")}`;
  return `deploy ${identifier(dep.system, where, "the system id")} ${formatNumber(dep.count, where)}${cloud}`;
}
