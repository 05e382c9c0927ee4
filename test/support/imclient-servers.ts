/**
 * An IM server for XML-RPC and im_client tests: the REST test server of test/support/server.ts
 * (Dummy driver, real engine, SQLite, loopback) plus our XML-RPC listener over the same ImService
 * on 127.0.0.1 at a random port.
 */
import { execFile } from "node:child_process";
import { startXmlRpcServer, type XmlRpcServer, type XmlRpcServerOptions } from "../../api/xmlrpc/index.js";
import { startTestServer, type TestServer } from "./server.js";

export interface XmlRpcTestServer {
  rest: TestServer;
  xmlrpc: XmlRpcServer;
  stop(): Promise<void>;
}

export async function startXmlRpcTestServer(
  options: { cfg?: Record<string, string | number | boolean>; xmlrpc?: Partial<XmlRpcServerOptions> } = {},
): Promise<XmlRpcTestServer> {
  // Our own listener below: keep startServers from opening XMLRPC_PORT once it is wired there.
  const rest = await startTestServer({ cfg: { ACTIVATE_XMLRPC: false, ...options.cfg } });
  const im = rest.servers.service;
  const bootMode = Number(options.cfg?.BOOT_MODE ?? 0);
  let xmlrpc: XmlRpcServer;
  try {
    xmlrpc = await startXmlRpcServer(im, { port: 0, host: "127.0.0.1", bootMode, ...options.xmlrpc });
  } catch (err) {
    await rest.stop();
    throw err;
  }
  return {
    rest,
    xmlrpc,
    async stop() {
      await xmlrpc.close();
      await rest.stop();
    },
  };
}

/** Runs a program to completion, bounded in time; resolves with its exit code and output. */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
