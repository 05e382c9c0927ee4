/**
 * Waiting for the master's SSH from the server (spec contextualization.md §2.7, §4): retry every
 * `retrySeconds` with a short connect timeout until `timeoutSeconds`, stop after `maxAuthFailures`
 * authentication failures (the IM's rule: seconds, not minutes, on a wrong password), and capture
 * the host key at first contact or verify it against the pinned one. Uses the OpenSSH client
 * (`sshpass` for passwords); secrets go to a 0600 temporary directory or the child's environment,
 * never to a command line or a message.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProbeEndpoint {
  host: string;
  port?: number;
  user: string;
  password?: string;
  privateKey?: string;
}

export interface ProbeInput extends ProbeEndpoint {
  /** WAIT_SSH_ACCCESS_TIMEOUT. */
  timeoutSeconds: number;
  /** One hop (the network's proxy_host). */
  proxy?: ProbeEndpoint;
  /** The host key recorded at first contact (`<type> <base64>`); absent: capture it. */
  expectedHostKey?: string;
  /**
   * Where the CLI writes, on success, the endpoint and host key (no secret) that the server's live
   * log follower uses (live-logs.ts).
   */
  endpointFile?: string;
  /** Who the VM is, for messages ("the master VM front (VM 0)"). */
  label?: string;
  maxAuthFailures?: number;
  retrySeconds?: number;
  connectTimeoutSeconds?: number;
}

/** Exit codes of the probe CLI: 2 credentials, 3 timeout, 4 host key changed. */
export type ProbeResult =
  | { ok: true; hostKey: string; elapsedSeconds: number; attempts: number }
  | { ok: false; code: 2 | 3 | 4; message: string; elapsedSeconds: number };

const PREFIX = "Error Waiting the Master VM to have the SSH active";

/** `SHA256:<base64>` fingerprint of an authorized-keys style public key, as `ssh-keygen -l` prints. */
export function hostKeyFingerprint(key: string): string {
  const blob = key.trim().split(/\s+/)[1] ?? "";
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** `<type> <base64>` of a known_hosts or authorized_keys line (comment and host field dropped). */
export function normalizeHostKey(line: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  const at = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
  if (at < 0 || fields[at + 1] === undefined) return undefined;
  return `${fields[at]} ${fields[at + 1]}`;
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | undefined): void => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`dial tcp ${host}:${port}: i/o timeout`));
    socket.once("connect", () => done(undefined));
    socket.once("error", (e: NodeJS.ErrnoException) =>
      done(
        e.code === "ECONNREFUSED"
          ? `dial tcp ${host}:${port}: connection refused`
          : `dial tcp ${host}:${port}: ${e.code ?? e.message}`,
      ),
    );
  });
}

interface SshRun {
  status: number;
  stderr: string;
}

function runSsh(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<SshRun> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: 127, stderr: `cannot run ${argv[0]}: ${e.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? 255, stderr });
    });
  });
}

const COMMON = [
  "-F",
  "/dev/null",
  "-o",
  "LogLevel=ERROR",
  "-o",
  "NumberOfPasswordPrompts=1",
  "-o",
  "IdentitiesOnly=yes",
  "-o",
  "IdentityAgent=none",
  "-o",
  "ServerAliveInterval=5",
];

function methodsOf(e: ProbeEndpoint): string {
  return [e.privateKey !== undefined ? "publickey" : "", e.password !== undefined ? "password" : ""]
    .filter((m) => m !== "")
    .join(",");
}

export async function probeSsh(input: ProbeInput): Promise<ProbeResult> {
  const started = Date.now();
  const elapsed = (): number => Math.round((Date.now() - started) / 100) / 10;
  const port = input.port ?? 22;
  const retryMs = (input.retrySeconds ?? 10) * 1000;
  const connectTimeout = input.connectTimeoutSeconds ?? 5;
  const maxAuth = input.maxAuthFailures ?? 3;
  const deadline = started + input.timeoutSeconds * 1000;
  const who = input.label ?? "the master VM";
  const dir = mkdtempSync(join(tmpdir(), "radl-probe-"));
  try {
    const knownHosts = join(dir, "known_hosts");
    const alias = "im-probed-vm";
    if (input.expectedHostKey !== undefined)
      writeFileSync(knownHosts, `${alias} ${input.expectedHostKey.trim()}\n`, { mode: 0o600 });
    const sshArgs = (e: ProbeEndpoint, name: string): { args: string[]; passFile?: string } => {
      const args: string[] = [];
      if (e.privateKey !== undefined) {
        const keyFile = join(dir, `${name}.key`);
        writeFileSync(keyFile, e.privateKey.endsWith("\n") ? e.privateKey : `${e.privateKey}\n`, {
          mode: 0o600,
        });
        args.push("-i", keyFile);
      }
      const prefs = methodsOf(e).replace("password", "password,keyboard-interactive");
      args.push("-o", `PreferredAuthentications=${prefs || "none"}`);
      args.push("-o", `BatchMode=${e.password === undefined ? "yes" : "no"}`);
      if (e.password === undefined) return { args };
      const passFile = join(dir, `${name}.pass`);
      writeFileSync(passFile, `${e.password}\n`, { mode: 0o600 });
      return { args, passFile };
    };
    const target = sshArgs(input, "target");
    const argv: string[] = target.passFile ? ["sshpass", "-f", target.passFile, "ssh"] : ["ssh"];
    argv.push(...COMMON, ...target.args, "-o", `ConnectTimeout=${connectTimeout}`);
    argv.push("-o", `HostKeyAlias=${alias}`, "-o", `UserKnownHostsFile=${knownHosts}`);
    argv.push("-o", `StrictHostKeyChecking=${input.expectedHostKey === undefined ? "accept-new" : "yes"}`);
    if (input.proxy !== undefined) {
      const p = sshArgs(input.proxy, "proxy");
      const jump = [
        ...(p.passFile ? ["sshpass", "-f", p.passFile] : []),
        "ssh",
        ...COMMON,
        ...p.args,
        "-o",
        `ConnectTimeout=${connectTimeout}`,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-p",
        String(input.proxy.port ?? 22),
        "-W",
        "%h:%p",
        `${input.proxy.user}@${input.proxy.host}`,
      ];
      argv.push("-o", `ProxyCommand=${jump.join(" ")}`);
    }
    argv.push("-p", String(port), `${input.user}@${input.host}`, "true");

    let lastError = "no attempt finished";
    let authFailures = 0;
    let attempts = 0;
    let allowed = "";
    for (;;) {
      const attemptStart = Date.now();
      attempts++;
      const unreachable =
        input.proxy === undefined ? await tcpCheck(input.host, port, connectTimeout * 1000) : undefined;
      if (unreachable !== undefined) {
        lastError = unreachable;
      } else {
        const r = await runSsh(argv, { ...process.env, LC_ALL: "C" }, (connectTimeout + 25) * 1000);
        if (r.status === 0) {
          const recorded = readFileSync(knownHosts, "utf8")
            .split("\n")
            .map(normalizeHostKey)
            .find((k) => k !== undefined);
          if (recorded === undefined)
            return {
              ok: false,
              code: 3,
              message: `${PREFIX}: no host key was recorded`,
              elapsedSeconds: elapsed(),
            };
          return { ok: true, hostKey: recorded, elapsedSeconds: elapsed(), attempts };
        }
        const err = r.stderr.trim();
        if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(err)) {
          return {
            ok: false,
            code: 4,
            message:
              `The host key of ${who} (${input.host}:${port}) changed: the key pinned at first contact is ` +
              `${hostKeyFingerprint(input.expectedHostKey ?? "")}, the VM now presents another one. ` +
              "Refusing to connect (a re-created VM or a man in the middle); update the recorded key only if the VM was re-created.",
            elapsedSeconds: elapsed(),
          };
        }
        const denied = /Permission denied \(([^)]*)\)/.exec(err);
        if (denied !== null || r.status === 5) {
          authFailures++;
          allowed = denied?.[1] ?? allowed;
          lastError = "authentication failed";
          if (authFailures >= maxAuth) {
            return {
              ok: false,
              code: 2,
              message:
                `${PREFIX}: incorrect credentials. ${input.user}@${input.host}:${port} refused authentication ` +
                `${authFailures} times in ${elapsed()} s (methods tried: ${methodsOf(input) || "none"}` +
                `${allowed ? `; the server accepts: ${allowed}` : ""}).`,
              elapsedSeconds: elapsed(),
            };
          }
          await new Promise((r2) => setTimeout(r2, 1000));
          if (Date.now() < deadline) continue;
        } else {
          lastError = err.split("\n").pop() || `ssh exited with status ${r.status}`;
        }
      }
      const next = attemptStart + retryMs;
      if (next >= deadline) {
        return {
          ok: false,
          code: 3,
          message: `${PREFIX}: Timeout waiting SSH access (gave up after ${elapsed()} s of ${input.timeoutSeconds} s to ${input.user}@${input.host}:${port}; last error: ${lastError}).`,
          elapsedSeconds: elapsed(),
        };
      }
      await new Promise((r2) => setTimeout(r2, next - Date.now()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
