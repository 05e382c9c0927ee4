/**
 * Splitting `tail -F` output over several step logs into each log's text (runtime/contextualize/
 * live-logs.ts): headers switch files, the empty line tail puts before a header belongs to no file,
 * chunks may cut lines anywhere, and a truncated file resets its text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TailOutputParser } from "../../runtime/contextualize/live-logs.js";

function collect() {
  const texts = new Map<string, string>();
  const parser = new TailOutputParser({
    onText: (file, text) => texts.set(file, (texts.get(file) ?? "") + text),
    onReset: (file) => texts.set(file, ""),
  });
  return { texts, parser };
}

test("tail output over several files goes to each file, without tail's separators", () => {
  const { texts, parser } = collect();
  const output =
    "==> /c/run/1/0/basic.log <==\nLaunch task: basic\n\nPLAY [h] ***\n" +
    "\n==> /c/run/1/1/basic.log <==\nLaunch task: basic\n" +
    "\n==> /c/run/1/0/basic.log <==\nok: [h]\n\n";
  // cut into awkward chunks
  for (let i = 0; i < output.length; i += 7) parser.push(output.slice(i, i + 7));
  assert.equal(texts.get("/c/run/1/0/basic.log"), "Launch task: basic\n\nPLAY [h] ***\nok: [h]\n");
  assert.equal(texts.get("/c/run/1/1/basic.log"), "Launch task: basic\n");
  // the held empty line is the file's own once more text follows
  parser.push("PLAY RECAP\n");
  assert.equal(
    texts.get("/c/run/1/0/basic.log"),
    "Launch task: basic\n\nPLAY [h] ***\nok: [h]\n\nPLAY RECAP\n",
  );
});

test("a line before any header is dropped; a partial line waits for its end", () => {
  const { texts, parser } = collect();
  parser.push("stray\n==> /a.log <==\nhal");
  assert.equal(texts.get("/a.log"), undefined);
  parser.push("f\n");
  assert.equal(texts.get("/a.log"), "half\n");
});

test("tail's truncation notice resets the file's text; other diagnostics are ignored", () => {
  const { texts, parser } = collect();
  parser.push("==> /a.log <==\nold\n");
  parser.diagnostic("tail: '/b.log' has appeared;  following new file");
  assert.equal(texts.get("/a.log"), "old\n");
  parser.diagnostic("tail: /a.log: file truncated");
  assert.equal(texts.get("/a.log"), "");
});
