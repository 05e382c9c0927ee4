/**
 * Rewrites the parts of a Python `re` pattern that JavaScript spells differently (im-xmlrpc.md
 * §1.2 item 9): named groups and back references, `\A`, `\Z`, and Python's `$` (end of text or
 * just before a final newline). Both keep `.` off newlines without flags. The result is meant for
 * `new RegExp(source)` with no flags.
 */
export function pythonRegexToJs(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === "A") out += "^";
      else if (next === "Z") out += "$";
      else if (next !== undefined) out += ch + next;
      else out += ch;
      i++;
    } else if (pattern.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else if (pattern.startsWith("(?P=", i)) {
      const end = pattern.indexOf(")", i);
      if (end < 0) return pattern;
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else if (ch === "$") {
      out += "(?=\\n?$)";
    } else if (ch === "[") {
      // Copy a character class verbatim: `$` and escapes inside it mean the same in both.
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      out += pattern.slice(i, j + 1);
      i = j;
    } else {
      out += ch;
    }
  }
  return out;
}
