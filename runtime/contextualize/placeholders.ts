/**
 * Values known only after launch (VM addresses as graph refs) inside generated text: the generators
 * work on strings holding `__IMREF_<n>__` tokens, which become interpolations of the refs in the graph.
 */
import type { GraphValue } from "../../compiler/graph/types.js";

const TOKEN = /__IMREF_(\d+)__/g;

export class Placeholders {
  private readonly values: GraphValue[] = [];
  /** JSON of each value → its index: equal values share one token, found in constant time. */
  private readonly indexOf = new Map<string, number>();

  /** A constant string stays itself; anything else gets a token. */
  text(value: GraphValue): string {
    if (typeof value === "string") return value;
    const key = JSON.stringify(value);
    let i = this.indexOf.get(key);
    if (i === undefined) {
      i = this.values.push(value) - 1;
      this.indexOf.set(key, i);
    }
    return `__IMREF_${i}__`;
  }

  /** The text itself when it has no token, else an interpolation of its parts. */
  resolve(text: string): GraphValue {
    if (!TOKEN.test(text)) return text;
    TOKEN.lastIndex = 0;
    const parts: (string | GraphValue)[] = [];
    let last = 0;
    for (const m of text.matchAll(TOKEN)) {
      if (m.index! > last) parts.push(text.slice(last, m.index));
      parts.push(this.values[Number(m[1])]!);
      last = m.index! + m[0].length;
    }
    if (last < text.length) parts.push(text.slice(last));
    return { interpolate: parts } as GraphValue;
  }
}
