// Large documents: a ~10 MB document with 20,000 systems parses, positions at its end are exact,
// and time grows about linearly (a loose bound: the machine running the tests is shared).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRadl } from "../../compiler/parse.js";

function document(systems: number): string {
  const parts: string[] = [];
  for (let i = 0; i < systems; i++) {
    parts.push(
      `network net${i} (outbound = 'yes' and outports = '22-22,80-80')\n` +
        `system node${i} (\n  cpu.count >= 2 and cpu.count <= 8 and memory.size >= 2048m and\n` +
        `  net_interface.0.connection = 'net${i}' and net_interface.0.dns_name = 'node-${i}-#N#' and\n` +
        `  disk.0.os.name = 'linux' and disk.0.image.url = ['one://server/1', 'ost://x/2'] and\n` +
        `  disk.0.applications contains (name = 'ansible.roles.x' and version = '1.0') and\n` +
        `  soft 10 (cpu.count >= 4)\n)\n` +
        `configure node${i} (\n@begin\n---\n  - tasks:\n    - shell: echo hello ${i}\n@end\n)\n` +
        `deploy node${i} 2\n`,
    );
  }
  return parts.join("");
}

function cpuMs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

test("a 10 MB document with 20,000 systems parses, with exact positions at its end", () => {
  const n = 20_000;
  const text = document(n);
  assert.ok(text.length > 10e6, `${text.length}`);
  const r = parseRadl(text);
  assert.ok(r.document);
  assert.equal(r.document.systems.length, n);
  assert.equal(r.document.configures.length, n);
  const lines = text.split("\n").length;
  const last = r.document.deploys[n - 1]!;
  assert.equal(last.span?.line, lines - 1);
  assert.equal(text.slice(last.span!.offset, last.span!.offset + last.span!.length), `deploy node${n - 1} 2`);
});

test("parse time grows about linearly with size", () => {
  const small = document(2_000);
  const large = document(16_000);
  parseRadl(small); // warm up
  const tSmall = Math.min(
    cpuMs(() => parseRadl(small)),
    cpuMs(() => parseRadl(small)),
  );
  const tLarge = cpuMs(() => parseRadl(large));
  // 8x the input: linear is 8x; allow GC noise but not quadratic (64x).
  assert.ok(tLarge < tSmall * 24 + 200, `2,000 systems: ${tSmall} ms, 16,000 systems: ${tLarge} ms`);
});

test("an error at the end of a large document is found, with its position", () => {
  const text = `${document(1_000)}system broken ( p = 'x' and p = 'y' )\n`;
  const r = parseRadl(text);
  assert.equal(r.document, null);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.code, d.span?.line]),
    [["E-BUILD-CONFLICT", text.split("\n").length - 1]],
  );
  const bad = `${document(1_000)}system broken ( p = = 1 )\n`;
  const r2 = parseRadl(bad);
  assert.deepEqual(
    r2.diagnostics.map((d) => [d.code, d.span?.line, d.span?.column]),
    [["E-PARSE-SYNTAX", bad.split("\n").length - 1, 21]],
  );
});
