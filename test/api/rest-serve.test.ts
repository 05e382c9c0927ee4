/** `radl serve --config FILE` as a user runs it: prints where it listens, answers, stops cleanly on SIGTERM. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { send } from "../support/server.js";

const CHILD = `
const { main } = await import(process.env.MAIN_URL);
process.exitCode = await main(["serve", "--config", process.env.CFG_FILE]);
`;

test(
  "radl serve: listens on REST_PORT and XMLRPC_PORT, answers GetVersion on both, exits 0 on SIGTERM",
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "radl-serve-"));
    try {
      const cfg = join(dir, "im.cfg");
      await writeFile(
        cfg,
        `[im]\nDATA_DIR = ${join(dir, "data")}\nREST_PORT = 0\nREST_ADDRESS = 127.0.0.1\nXMLRPC_PORT = 0\nXMLRCP_ADDRESS = 127.0.0.1\n`,
      );
      const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "-e", CHILD], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          IM_PATH: dir,
          CFG_FILE: cfg,
          MAIN_URL: new URL("../../cli/main.js", import.meta.url).href,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      const [url, xmlrpcUrl] = await new Promise<[string, string]>((resolve, reject) => {
        child.stderr!.on("data", (c: Buffer) => {
          stderr += c.toString();
          const rest = /REST API listening on (http:\/\/[^\s;]+)/.exec(stderr);
          const xmlrpc = /XML-RPC API listening on (http:\/\/[^\s;]+)/.exec(stderr);
          if (rest && xmlrpc) resolve([rest[1]!, xmlrpc[1]!]);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const version = await send(url, "GET", "/version");
      assert.equal(version.status, 200);
      assert.match(version.body, /^\d+\.\d+\.\d+$/);
      const call = await fetch(xmlrpcUrl, {
        method: "POST",
        headers: { "Content-Type": "text/xml" },
        body: "<?xml version='1.0'?><methodCall><methodName>GetVersion</methodName><params></params></methodCall>",
      });
      assert.equal(call.status, 200);
      const answer = await call.text();
      assert.match(answer, /<boolean>1<\/boolean>/);
      assert.ok(answer.includes(`<string>${version.body}</string>`), answer);
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      assert.equal(await exit, 0, stderr);
      assert.match(stderr, /SIGTERM received, stopping/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
