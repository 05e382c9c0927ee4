/**
 * Jobs survive a crash (DESIGN.md, im-api §4.3): a server killed with SIGKILL during an async
 * create is restarted on the same data; the launch job is resumed, the infrastructure is listed
 * and ends configured, and no job is left unfinished.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AUTH, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
let dataDir: string | undefined;

after(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const CHILD = `
const { startTestServer, AUTH } = await import(process.env.SUPPORT_URL);
const s = await startTestServer({ dataDir: process.env.TEST_DATA_DIR });
const res = await s.request("POST", "/infrastructures?async=yes", {
  headers: { authorization: AUTH },
  body: "network pub (outbound = 'yes')\\nsystem web (net_interface.0.connection = 'pub')\\ndeploy web 2",
});
process.stdout.write("ID " + res.headers.infid + "\\n");
setInterval(() => {}, 1000);
`;

test(
  "SIGKILL during an async create: on restart the job resumes and the infrastructure ends configured",
  { timeout: 300_000 },
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), "radl-api-crash-"));
    const supportUrl = new URL("../support/server.js", import.meta.url).href;
    const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "-e", CHILD], {
      env: { ...process.env, SUPPORT_URL: supportUrl, TEST_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "inherit"],
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
    });
    const id = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /ID (\S+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`child exited with ${code} before creating: ${out}`)));
    });
    // let the engine start the update, then kill the whole server abruptly
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    server = await startTestServer({ dataDir });
    const list = await server.request("GET", "/infrastructures", { headers: { authorization: AUTH } });
    assert.ok(list.body.endsWith(`/infrastructures/${id}`), list.body);
    await server.servers.service.idle();
    const state = await server.request("GET", `/infrastructures/${id}/state`, {
      headers: { authorization: AUTH },
    });
    assert.deepEqual(JSON.parse(state.body), {
      state: { state: "configured", vm_states: { "0": "configured", "1": "configured" } },
    });
    const jobs = await server.servers.store.listJobs({ infId: id });
    assert.ok(jobs.length >= 1);
    assert.ok(
      jobs.every((j) => j.state === "succeeded"),
      JSON.stringify(jobs.map((j) => [j.kind, j.state, j.error])),
    );
    assert.ok(
      jobs.some((j) => j.attempts >= 1),
      "the launch job was claimed again after the restart",
    );
    const destroyed = await server.request("DELETE", `/infrastructures/${id}`, {
      headers: { authorization: AUTH },
    });
    assert.equal(destroyed.status, 200, destroyed.body);
  },
);
