/**
 * A configure's recipe must be one well-formed YAML document (spec radl.md §3.5.5, Appendix E
 * decision 7): YAML 1.1 mode, duplicate keys allowed (PyYAML's `safe_load` keeps the last one).
 * The recipe text is never rewritten.
 */
import { parseDocument } from "yaml";

export interface RecipeYamlProblem {
  message: string;
  /** 1-based line and column inside the recipe text, when the YAML library locates the error. */
  line?: number;
  column?: number;
}

export function recipeYamlProblem(recipe: string): RecipeYamlProblem | undefined {
  const doc = parseDocument(recipe, { version: "1.1", uniqueKeys: false, prettyErrors: true });
  const error = doc.errors[0];
  if (error === undefined) return undefined;
  const firstLine = error.message.split("\n")[0]!;
  const where = error.linePos?.[0];
  const message =
    error.code === "MULTIPLE_DOCS"
      ? "the recipe holds several YAML documents; expected a single document"
      : error.code === "TAB_AS_INDENT"
        ? `tabs are not allowed as indentation in YAML (${firstLine})`
        : firstLine;
  return { message, ...(where === undefined ? {} : { line: where.line, column: where.col }) };
}
