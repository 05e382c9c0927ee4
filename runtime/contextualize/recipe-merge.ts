/**
 * The IM's merge of its header play into a user recipe (spec contextualization.md §1.6 item 5): for
 * each play of the recipe, a copy of the header; for each key, a truthy value on one side only wins;
 * when both are truthy, maps are merged (recipe wins), lists concatenated, two scalars become
 * `[header, recipe]`. Output keys are sorted, as the IM's YAML dump does.
 */
import { parse, stringify } from "yaml";
import { RecipeYamlError } from "./errors.js";

type Play = Record<string, unknown>;

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function mergePlay(header: Play, recipe: Play): Play {
  const out: Play = structuredClone(header);
  for (const key of new Set([...Object.keys(header), ...Object.keys(recipe)])) {
    const h = out[key];
    const r = recipe[key];
    if (truthy(h)) {
      if (!truthy(r)) continue;
      if (isMap(h)) out[key] = { ...h, ...(r as Record<string, unknown>) };
      else if (Array.isArray(h)) out[key] = [...h, ...(Array.isArray(r) ? r : [r])];
      else out[key] = [h, r];
    } else if (truthy(r)) {
      out[key] = r;
    }
  }
  return out;
}

/** The IM header play: `hosts: "{{IM_HOST}}"`, no fact gathering unless asked, `become` except on Windows. */
export function headerPlay(os: "linux" | "windows", gatherFacts = false): Play {
  const play: Play = { hosts: "{{IM_HOST}}" };
  if (!gatherFacts) play.gather_facts = false;
  if (os !== "windows") play.become = true;
  return play;
}

export function parseRecipe(configure: string, text: string): Play[] {
  let doc: unknown;
  try {
    // YAML 1.1, as PyYAML and Ansible read recipes: `yes` is true.
    doc = parse(text, { version: "1.1" });
  } catch (e) {
    throw new RecipeYamlError(configure, `the recipe is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc) || doc.some((p) => !isMap(p))) return [];
  return doc as Play[];
}

/** The merged playbook text; empty string when both sides are empty (as the IM). */
export function mergeRecipe(header: Play, configure: string, recipeText: string): string {
  const plays = parseRecipe(configure, recipeText);
  if (plays.length === 0 && Object.keys(header).length === 0) return "";
  return dumpYaml(plays.map((p) => mergePlay(header, p)));
}

export function dumpYaml(value: unknown): string {
  return "---\n" + stringify(value, { sortMapEntries: true, lineWidth: 0 });
}
