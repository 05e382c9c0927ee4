/**
 * `@input.NAME@` placeholders (spec radl.md §1.12): not RADL — the parser rejects them — but the
 * IM client replaces them textually before parsing. This optional pre-processor does the same.
 */

const PREFIX = "@input.";

/** The placeholder names in order of first appearance (`@input.NumNodes@` → `NumNodes`). */
export function findInputParams(text: string): string[] {
  const names = new Set<string>();
  for (let i = text.indexOf(PREFIX); i >= 0;) {
    const end = text.indexOf("@", i + PREFIX.length);
    if (end < 0) break;
    names.add(text.slice(i + PREFIX.length, end));
    i = text.indexOf(PREFIX, end + 1);
  }
  return [...names];
}

/**
 * Replaces every `@input.NAME@` whose NAME is in `values` with the raw text given (no quoting).
 * Placeholders without a value are left as they are (the parser then reports them).
 */
export function substituteInputParams(text: string, values: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  let from = 0;
  for (let i = text.indexOf(PREFIX); i >= 0;) {
    const end = text.indexOf("@", i + PREFIX.length);
    if (end < 0) break;
    const name = text.slice(i + PREFIX.length, end);
    if (Object.hasOwn(values, name)) {
      parts.push(text.slice(from, i), values[name]!);
      from = end + 1;
      i = text.indexOf(PREFIX, from);
    } else {
      i = text.indexOf(PREFIX, i + 1);
    }
  }
  parts.push(text.slice(from));
  return parts.join("");
}
