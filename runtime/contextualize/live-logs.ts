/**
 * Step logs as they grow (spec contextualization.md §2.9). The command provider reports a running
 * command's output only as ephemeral status events, which the engine leaves out of the Automation
 * API's event stream, so a VM's contmsg would only grow when a whole step ends. Instead the server
 * follows the step logs on the master itself: one OpenSSH session (the server key, the master's host
 * key pinned from the probe) running `tail -F` over the run's `<vm>/<stage>.log` files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the server probe writes on success (ssh-probe-cli.ts): no secret. */
export interface MasterEndpoint {
  host: string;
  port: number;
  user: string;
  /** `<type> <base64>`, pinned for the follower's connection. */
  hostKey: string;
  /** Reached through a proxy: not followed (the follower has no proxy credentials). */
  proxied: boolean;
}

export interface LogFollowerListener {
  /** Text appended to `file` (whole lines, each ending in a newline). */
  onText(file: string, text: string): void;
  /** `file` was truncated (a step re-run alone): what was received for it is void. */
  onReset(file: string): void;
}

const HEADER = /^==> (.+) <==$/;
const TRUNCATED = /^tail: (.+): file truncated$/;

/**
 * Splits `tail -F` output over several files into each file's text. tail prints `==> FILE <==`
 * before the output of another file than the last one, with an empty line before every header but
 * the first; that empty line is not part of any file.
 */
export class TailOutputParser {
  private current: string | undefined;
  private pendingBlank = false;
  private partial = "";

  constructor(private readonly listener: LogFollowerListener) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const header = HEADER.exec(line);
    if (header) {
      this.pendingBlank = false;
      this.current = header[1];
      return;
    }
    if (this.current === undefined) return;
    if (this.pendingBlank) this.listener.onText(this.current, "\n");
    this.pendingBlank = line === "";
    if (line !== "") this.listener.onText(this.current, `${line}\n`);
  }

  /** A line of tail's stderr. */
  diagnostic(line: string): void {
    const truncated = TRUNCATED.exec(line.trim());
    if (truncated) this.listener.onReset(truncated[1]!.replace(/^'(.*)'$/, "$1"));
  }
}

export interface LogFollower {
  stop(): void;
}

/**
 * Starts following `files` on the master described by `endpointFile`; undefined when the endpoint
 * is unknown (no server probe ran) or proxied. Never throws: live logs are a convenience, the step
 * nodes' final output stays the record.
 */
export function followMasterLogs(
  endpointFile: string,
  serverPrivateKey: string,
  files: string[],
  listener: LogFollowerListener,
): LogFollower | undefined {
  let endpoint: MasterEndpoint;
  try {
    endpoint = JSON.parse(readFileSync(endpointFile, "utf8")) as MasterEndpoint;
  } catch {
    return undefined;
  }
  if (endpoint.proxied || files.length === 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "radl-follow-"));
  const key = join(dir, "key");
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(key, serverPrivateKey.endsWith("\n") ? serverPrivateKey : `${serverPrivateKey}\n`, {
    mode: 0o600,
  });
  writeFileSync(knownHosts, `im-master ${endpoint.hostKey}\n`, { mode: 0o600 });
  const quoted = files.map((f) => `'${f.replaceAll("'", `'\\''`)}'`).join(" ");
  const argv = [
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "ServerAliveInterval=10",
    "-o",
    "HostKeyAlias=im-master",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-i",
    key,
    "-p",
    String(endpoint.port),
    `${endpoint.user}@${endpoint.host}`,
    `exec tail -n +1 -F -s 0.5 ${quoted}`,
  ];
  let child: ChildProcess;
  try {
    child = spawn("ssh", argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const parser = new TailOutputParser(listener);
  child.stdout!.setEncoding("utf8").on("data", (d: string) => parser.push(d));
  let errors = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    const lines = (errors + d).split("\n");
    errors = lines.pop() ?? "";
    for (const l of lines) parser.diagnostic(l);
  });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  child.on("error", cleanup);
  child.on("close", cleanup);
  return {
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
  };
}
