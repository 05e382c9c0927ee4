import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { it } from "node:test";
import { pythonRegexToJs } from "../../api/xmlrpc/python-regex.js";

const cases: [string, string][] = [
  ["(?P<n>ab)(?P=n)", "abab"],
  ["(?P<n>ab)(?P=n)", "ab"],
  ["\\Aname", "name = 'x'"],
  ["\\Aname", "a name"],
  ["end$", "the end\n"],
  ["end$", "the end\nmore"],
  ["end\\Z", "the end\n"],
  ["end\\Z", "the end"],
  ["[$]x", "a$x"],
  ["description.*\\s*name = 'web'", "description d (\nname = 'web'"],
  ["a.b", "a\nb"],
];

it("translated Python patterns give Python's re.search verdicts", () => {
  const script = `import json, re, sys\nprint(json.dumps([bool(re.search(p, t)) for p, t in json.loads(sys.argv[1])]))`;
  const python = JSON.parse(
    execFileSync("python3", ["-c", script, JSON.stringify(cases)], { encoding: "utf8" }),
  ) as boolean[];
  const ours = cases.map(([p, t]) => new RegExp(pythonRegexToJs(p)).test(t));
  assert.deepEqual(ours, python);
  assert.ok(python.includes(true) && python.includes(false));
});
