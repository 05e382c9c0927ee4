/**
 * A real HashiCorp Vault dev server on loopback for the Vault-backed credentials tests (im-api.md
 * §3.12). The binary is built by scripts/ci.d/55-vault.sh; IM_TEST_VAULT_BIN names another one.
 * Each server gets free ports, an in-memory store, the root token `root`, and is killed by `stop()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const VAULT_BINARY = process.env.IM_TEST_VAULT_BIN ?? "/usr/local/bin/vault";
export const VAULT_ROOT_TOKEN = "root";

export interface VaultServer {
  url: string;
  /** Calls Vault's HTTP API as root; a non-2xx answer throws with Vault's own error text. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Raised when the Vault binary is not installed: CI always builds it, so Vault tests fail instead of skipping. */
export class VaultUnavailableError extends Error {
  constructor() {
    super(`${VAULT_BINARY} is missing: run scripts/ci.d/55-vault.sh (CI builds it from the Go module proxy)`);
    this.name = "VaultUnavailableError";
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A port whose successor is free too: a dev server also listens for its cluster on port + 1. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
  throw new Error("no two consecutive free loopback ports for the Vault dev server");
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vault exited (${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${url}/v1/sys/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vault did not answer within 30 s: ${log()}`);
}

export async function startVault(): Promise<VaultServer> {
  if (!existsSync(VAULT_BINARY)) throw new VaultUnavailableError();
  const port = await freePortPair();
  const url = `http://127.0.0.1:${port}`;
  // The dev server writes ~/.vault-token: give it a home of its own.
  const home = await mkdtemp(join(tmpdir(), "radl-vault-"));
  let output = "";
  const child = spawn(
    VAULT_BINARY,
    [
      "server",
      "-dev",
      `-dev-root-token-id=${VAULT_ROOT_TOKEN}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-log-level=warn",
    ],
    { env: { PATH: process.env.PATH, HOME: home }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(home, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async api(method, path, body) {
      const res = await fetch(`${url}/v1/${path}`, {
        method,
        headers: { "x-vault-token": VAULT_ROOT_TOKEN, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`Vault ${method} ${path}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    stop,
  };
}
