/**
 * IM API benchmark (issue 5). Starts our server (Dummy driver, SQLite, the file backend) in a child
 * process holding N infrastructures, and loads it from this process over loopback HTTP:
 *  1. p50/p99 latency and requests per second of list, get state, get VM info and get contmsg at
 *     1, 16 and 64 concurrent clients (keep-alive connections, a fixed duration per cell);
 *  2. the rate and p50/p99 of accepted async creates (16 clients, after 32 unmeasured ones).
 * Then the same against the reference IM (PyPI package `IM`, in the git-ignored virtualenv
 * `.venv/im`, created if missing), started with its Dummy connector and a temporary im.cfg on
 * another port, and prints the ratios against the targets: reads ≥ 5× the reference's requests/s
 * at 16 clients with p99 < 50 ms; async create p99 < 100 ms.
 *
 * Our server gets its infrastructures by one real create (a Dummy VM through the engine) whose
 * record is then copied N-1 times in DATA_DB under new ids: reads never touch the stack, and N real
 * `up`s would take hours. The reference gets N real synchronous creates over REST.
 *
 * Run: node --import tsx bench/api.ts [--infs 1000] [--duration 5] [--concurrency 1,16,64]
 *                                      [--creates 200] [--reference yes|no] [--im-version 1.19.1]
 *                                      [--ops list,state,vminfo,contmsg] [--cpu-prof DIR]
 * `--creates 0` skips the create phase; `--cpu-prof DIR` writes a V8 CPU profile of our server
 * under load (after seeding; the server is stopped with SIGTERM so that it is written) into DIR.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const repo = join(fileURLToPath(import.meta.url), "..", "..");
const AUTH =
  "id = im; type = InfrastructureManager; username = bench; password = b3nch\\nid = dummy; type = Dummy";
const RADL =
  "network net ()\n" +
  "system web (cpu.count >= 1 and memory.size >= 512m and net_interface.0.connection = 'net' and " +
  "disk.0.image.url = 'mock0://linux.for.ev.er/image' and disk.0.os.name = 'linux')\n" +
  "contextualize ()\n" +
  "deploy web 1\n";

// ---------------------------------------------------------------------------- our server (child)

async function serve(): Promise<void> {
  const { loadConfig } = await import("../api/config/index.js");
  const { startServers } = await import("../api/server.js");
  const dir = arg("serve", "");
  const infs = Number(arg("infs", "1000"));
  const cfgFile = join(dir, "im.cfg");
  await writeFile(
    cfgFile,
    `[im]\nDATA_DIR = ${dir}\nREST_ADDRESS = 127.0.0.1\nACTIVATE_XMLRPC = false\nENGINE_PARALLELISM = 2\n`,
  );
  const config = loadConfig({
    env: { PATH: process.env.PATH, HOME: process.env.HOME, IM_CONFIG_FILE: cfgFile, IM_PATH: dir },
    systemFile: join(dir, "none.cfg"),
  });
  const servers = await startServers(config, { restPort: 0, restAddress: "127.0.0.1" });
  const url = servers.restUrl!;
  const seedPool = pool(url);
  const created = await call(seedPool, "POST", "/infrastructures", RADL);
  await seedPool.close();
  if (created.status !== 200) throw new Error(`seed create failed: ${created.status} ${created.body}`);
  const seedId = created.body.split("/").pop()!;
  const seed = (await servers.store.getInfrastructure(seedId))!;
  const ids = [seedId];
  for (let i = 1; i < infs; i++) {
    const id = randomUUID();
    await servers.store.createInfrastructure({
      id,
      owners: seed.owners,
      data: { ...seed.data, id },
      secrets: seed.secrets,
    });
    ids.push(id);
  }
  const stopProfile = arg("cpu-prof", "") ? await startProfile(arg("cpu-prof", "")) : undefined;
  process.stdout.write(`READY ${url} ${ids.join(",")}\n`);
  process.on(
    "SIGTERM",
    () =>
      void (stopProfile?.() ?? Promise.resolve()).then(() => servers.close()).finally(() => process.exit(0)),
  );
}

/** Profiles the load only (not start-up and seeding); the returned function writes the profile. */
async function startProfile(dir: string): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector/promises");
  const { mkdir } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `api-server-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.error(`CPU profile of our server: ${file}`);
  };
}

// ---------------------------------------------------------------------------- HTTP load

interface Reply {
  status: number;
  body: string;
}

/**
 * One request on a pool of keep-alive connections. The load runs on the same 2 cores as the server,
 * so the client is undici (several times lighter per request than node:http): what is measured is
 * the server, not the client.
 */
async function call(pool: Pool, method: string, path: string, body?: string): Promise<Reply> {
  const headers: Record<string, string> = { authorization: AUTH };
  if (body !== undefined) headers["content-type"] = "text/plain";
  const res = await pool.request({ method: method as "GET" | "POST", path, headers, body });
  return { status: res.statusCode, body: await res.body.text() };
}

/** A pool of `connections` keep-alive connections to `base`, closed by `close()`. */
function pool(base: string, connections = 1): Pool {
  return new Pool(base, { connections, pipelining: 1 });
}

interface Cell {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  rate: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `clients` loops sending `next()` requests until `seconds` pass or `total` requests were sent. */
async function load(
  base: string,
  clients: number,
  next: () => { method: string; path: string; body?: string },
  limit: { seconds?: number; total?: number },
): Promise<Cell> {
  const connections = pool(base, clients);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = process.hrtime.bigint();
  const deadline = limit.seconds ? start + BigInt(Math.round(limit.seconds * 1e9)) : undefined;
  const more = () =>
    (limit.total === undefined || sent < limit.total) &&
    (deadline === undefined || process.hrtime.bigint() < deadline);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (more()) {
        sent++;
        const r = next();
        const t0 = process.hrtime.bigint();
        try {
          const reply = await call(connections, r.method, r.path, r.body);
          if (reply.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await connections.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rate: latencies.length / seconds,
  };
}

const READS = ["list", "state", "vminfo", "contmsg"] as const;
type Read = (typeof READS)[number];

interface Results {
  reads: Map<string, Cell>;
  create?: Cell;
}

async function measure(name: string, base: string, ids: string[]): Promise<Results> {
  const duration = Number(arg("duration", "5"));
  const concurrencies = arg("concurrency", "1,16,64").split(",").map(Number);
  const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
  const paths: Record<Read, () => string> = {
    list: () => "/infrastructures",
    state: () => `/infrastructures/${pick()}/state`,
    vminfo: () => `/infrastructures/${pick()}/vms/0`,
    contmsg: () => `/infrastructures/${pick()}/contmsg`,
  };
  const reads = new Map<string, Cell>();
  const ops = arg("ops", READS.join(",")).split(",");
  for (const op of READS.filter((o) => ops.includes(o))) {
    for (const c of concurrencies) {
      await load(base, c, () => ({ method: "GET", path: paths[op]() }), { seconds: 0.5 }); // warm-up
      const cell = await load(base, c, () => ({ method: "GET", path: paths[op]() }), { seconds: duration });
      reads.set(`${op}@${c}`, cell);
      console.log(`${name.padEnd(9)} ${op.padEnd(8)} c=${String(c).padEnd(3)} ${fmt(cell)}`);
    }
  }
  const creates = Number(arg("creates", "200"));
  if (creates <= 0) return { reads };
  const createRequest = () => ({ method: "POST", path: "/infrastructures?async=yes", body: RADL });
  // warm-up, as for each read cell: connections open and the create path compiled
  await load(base, 16, createRequest, { total: 32 });
  const create = await load(base, 16, createRequest, { total: creates });
  console.log(`${name.padEnd(9)} create   c=16  ${fmt(create)}`);
  return { reads, create };
}

function fmt(c: Cell): string {
  return (
    `${c.rate.toFixed(1).padStart(8)} req/s  p50 ${c.p50.toFixed(1).padStart(7)} ms  ` +
    `p99 ${c.p99.toFixed(1).padStart(7)} ms  (${c.requests} requests, ${c.errors} errors)`
  );
}

// ---------------------------------------------------------------------------- processes

async function waitFor(url: string, seconds: number): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      const probe = pool(url);
      const answered = await call(probe, "GET", "/version").finally(() => probe.destroy());
      if (answered.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/**
 * The whole process group: the servers' engine and worker children go with them. `gentle` first
 * asks the child alone to stop (SIGTERM, up to 30 s), so that a CPU profile gets written.
 */
async function stopGroup(child: ChildProcess, gentle = false): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  if (gentle) {
    child.kill("SIGTERM");
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 30_000)),
    ]);
    if (stopped) return;
  }
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  await exited;
}

async function ours(): Promise<Results> {
  const dir = await mkdtemp(join(tmpdir(), "radl-bench-api-"));
  const profileDir = arg("cpu-prof", "");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repo, "bench", "api.ts"),
      "--serve",
      dir,
      "--infs",
      arg("infs", "1000"),
      ...(profileDir ? ["--cpu-prof", profileDir] : []),
    ],
    { cwd: repo, detached: true, stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (l) => l.startsWith("READY ") && resolve(l));
      child.once("exit", (code) => reject(new Error(`our server exited (${code}) before it was ready`)));
    });
    const [, url, ids] = line.split(" ");
    console.log(`ours: ${url}, ${ids!.split(",").length} infrastructures`);
    return await measure("ours", url!, ids!.split(","));
  } finally {
    await stopGroup(child, profileDir !== "");
    await rm(dir, { recursive: true, force: true });
  }
}

/** `.venv/im` with the pinned IM; returns its python, or throws saying what failed. */
function referencePython(version: string): string {
  const venv = join(repo, ".venv", "im");
  const python = join(venv, "bin", "python");
  const installed = (): boolean =>
    existsSync(python) &&
    spawnSync(python, ["-c", `import IM; assert IM.__version__ == "${version}"`]).status === 0;
  if (installed()) return python;
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", venv]],
    [join(venv, "bin", "pip"), ["install", "-q", `IM==${version}`]],
  ];
  for (const [cmd, args] of steps) {
    console.log(`reference: ${cmd} ${args.join(" ")}`);
    const r = spawnSync(cmd, args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
  }
  if (!installed()) throw new Error(`IM ${version} does not import from ${python}`);
  return python;
}

async function reference(): Promise<Results> {
  const version = arg("im-version", "1.19.1");
  const python = referencePython(version);
  const dir = await mkdtemp(join(tmpdir(), "radl-bench-im-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  await writeFile(
    join(dir, "im.cfg"),
    [
      "[im]",
      `DATA_DB = sqlite:///${dir}/inf.dat`,
      "ACTIVATE_REST = True",
      "REST_ADDRESS = 127.0.0.1",
      `REST_PORT = ${port}`,
      "ACTIVATE_XMLRPC = False",
      `LOG_FILE = ${dir}/im.log`,
      "LOG_LEVEL = ERROR",
      "",
    ].join("\n"),
  );
  // im.cfg is read from the package's directory or /etc/im; this reads ours into Config first.
  await writeFile(
    join(dir, "run.py"),
    "import sys\nfrom configparser import ConfigParser\nfrom IM.config import Config, parse_options\n" +
      "cfg = ConfigParser()\ncfg.read(sys.argv.pop(1))\nparse_options(cfg, 'im', Config)\n" +
      "from IM.im_service import main\nmain()\n",
  );
  const child = spawn(python, [join(dir, "run.py"), join(dir, "im.cfg")], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    if (!(await waitFor(url, 60)))
      throw new Error(`the reference IM did not answer GET ${url}/version in 60 s`);
    const infs = Number(arg("infs", "1000"));
    const ids: string[] = [];
    const seeding = pool(url, 8);
    let failed = "";
    let started = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (started < infs && !failed) {
          started++;
          const r = await call(seeding, "POST", "/infrastructures", RADL);
          if (r.status === 200) ids.push(r.body.trim().split("/").pop()!);
          else failed = `${r.status} ${r.body}`;
        }
      }),
    );
    await seeding.close();
    if (failed) throw new Error(`the reference IM refused a create: ${failed}`);
    console.log(`reference: IM ${version} at ${url}, ${ids.length} infrastructures`);
    return await measure("reference", url, ids.slice(0, infs));
  } finally {
    await stopGroup(child);
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const mine = await ours();
  let ref: Results | undefined;
  if (arg("reference", "yes") !== "no") {
    try {
      ref = await reference();
    } catch (err) {
      console.log(`reference IM not measured: ${(err as Error).message}`);
    }
  }
  console.log(
    "\nTargets (16 clients): reads ≥ 5× the reference's req/s with p99 < 50 ms; async create p99 < 100 ms",
  );
  for (const op of READS) {
    const a = mine.reads.get(`${op}@16`);
    const b = ref?.reads.get(`${op}@16`);
    if (!a) continue;
    const ratio = b ? a.rate / b.rate : NaN;
    const ok = (b ? ratio >= 5 : true) && a.p99 < 50;
    console.log(
      `${op.padEnd(8)} ours ${a.rate.toFixed(1)} req/s p99 ${a.p99.toFixed(1)} ms` +
        (b
          ? ` | reference ${b.rate.toFixed(1)} req/s p99 ${b.p99.toFixed(1)} ms | ratio ${ratio.toFixed(2)}×`
          : "") +
        `  ${ok ? "MET" : "NOT MET"}`,
    );
  }
  const c = mine.create;
  if (!c) return;
  console.log(
    `create   ours ${c.rate.toFixed(1)} accepted/s p99 ${c.p99.toFixed(1)} ms` +
      (ref?.create
        ? ` | reference ${ref.create.rate.toFixed(1)}/s p99 ${ref.create.p99.toFixed(1)} ms`
        : "") +
      `  ${c.p99 < 100 ? "MET" : "NOT MET"}`,
  );
}

if (process.argv.includes("--serve")) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
