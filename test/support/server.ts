/**
 * A real listening IM server for API tests: its own temporary data directory and im.cfg,
 * SQLite, the file backend, the Dummy driver and the real engine, REST on 127.0.0.1 at a random
 * port. `request` talks HTTP on loopback (no injection).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../api/config/index.js";
import { startServers, type RunningServers } from "../../api/server.js";
import type { DriverLookup } from "../../compiler/plan/index.js";

export const AUTH =
  "id = im; type = InfrastructureManager; username = alice; password = Wh1te-Rabbit\\nid = dummy; type = Dummy";
export const OTHER_AUTH =
  "id = im; type = InfrastructureManager; username = bob; password = Qu33n\\nid = dummy; type = Dummy";

export interface TestServer {
  url: string;
  dataDir: string;
  servers: RunningServers;
  request(
    method: string,
    path: string,
    options?: { headers?: Record<string, string | undefined>; body?: string | Buffer },
  ): Promise<TestResponse>;
  /** Stops the server; `keepData` leaves the directory for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function startTestServer(
  options: {
    cfg?: Record<string, string | number | boolean>;
    dataDir?: string;
    /** Drivers by auth type instead of the built-in ones (a test-only driver, say). */
    drivers?: DriverLookup;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "radl-api-")));
  const cfg = { DATA_DIR: dataDir, REST_ADDRESS: "127.0.0.1", ENGINE_PARALLELISM: 2, ...options.cfg };
  const cfgFile = join(dataDir, "im.cfg");
  await writeFile(
    cfgFile,
    `[im]\n${Object.entries(cfg)
      .map(([k, v]) => `${k} = ${String(v)}`)
      .join("\n")}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    IM_CONFIG_FILE: cfgFile,
    IM_PATH: dataDir,
  };
  const config = loadConfig({ env, systemFile: join(dataDir, "no-system.cfg") });
  const servers = await startServers(config, {
    restPort: 0,
    xmlrpcPort: 0,
    xmlrpcAddress: "127.0.0.1",
    ...(options.drivers ? { drivers: options.drivers } : {}),
  });
  const url = servers.restUrl!;
  return {
    url,
    dataDir,
    servers,
    request: (method, path, opts = {}) => send(url, method, path, opts),
    async stop(stopOptions = {}) {
      await servers.close();
      if (!stopOptions.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function send(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string | undefined>; body?: string | Buffer } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers, maxHeaderSize: 256 * 1024 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
