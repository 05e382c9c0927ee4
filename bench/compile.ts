/**
 * `radl compile` benchmark (issue 4, "Performance"). For every connector type of the sample table
 * below that builtinDrivers() (providers/registry.ts) has, it compiles
 *   - the largest RADL of the corpus, with the type's pinned image, instance type and network ids
 *     filled into every system and network (so no discovery is needed), and
 *   - a generated 500-VM RADL (a front and `deploy wn 499`, each with a configure section; 500
 *     one-VM systems for a driver that takes one VM per system),
 * each in a fresh child process, and prints the CPU and wall time of load + plan + lower + emit and
 * the peak memory it added (VmHWM growth after one warm-up compile; /proc/self/clear_refs resets the
 * peak, so one-time initialisation does not count; maxRSS of the whole child beside it). Then it writes
 * the emitted 500-VM project under .cache/bench-compile/ and times `tsc --noEmit -p` on it.
 * Target: the 500-VM compile takes under a tenth of that tsc time (compared in CPU time: on a shared
 * machine wall times swing with the load; wall figures are printed beside). Each type's sample gives
 * its `--catalog` entry, so nothing is discovered; the contextualization's RSA-3072 server key is
 * made before the clock starts and its cost printed apart (one-off, 0.3-1.5 s, whatever the size).
 *
 *   node --import tsx bench/compile.ts [--vms 500] [--no-tsc] [--types Dummy,OpenStack]
 *   node dist/bench/compile.js …                                   # the same, compiled
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseAuthText } from "../compiler/auth/index.js";
import { loadValidRadl } from "../compiler/load.js";
import { credentials, isPublicNetworkId, nics, setStringFeature } from "../compiler/plan/system-features.js";
import type { CloudCatalog } from "../compiler/plan/driver.js";
import { printRadl } from "../compiler/print.js";
import { compileDocument, writeProject } from "../cli/compile.js";
import { builtinDrivers } from "../providers/registry.js";
import { generateServerKey } from "../runtime/contextualize/server-key.js";

const MB = 1024 * 1024;

/** What a compile for one connector type needs so that nothing has to be discovered. */
interface Sample {
  type: string;
  auth: string;
  image: string;
  instanceType?: string;
  /** Network provider_id for public and private RADL networks. */
  publicNet?: string;
  privateNet?: string;
  /** DeployedNode: every interface needs its address. */
  fixedIps?: boolean;
  /** The `--catalog` entry of its auth item (docs/catalog-<cloud>.md): what discovery would look up. */
  catalog?: Record<string, unknown>;
}

const SAMPLES: Sample[] = [
  { type: "Dummy", auth: "id = dummy; type = Dummy", image: "dummy://bench/image" },
  { type: "DeployedNode", auth: "id = dn; type = DeployedNode", image: "", fixedIps: true },
  {
    type: "OpenStack",
    auth:
      "id = ost; type = OpenStack; host = https://keystone.bench.example:5000; username = bench; " +
      "password = bench-pass; tenant = bench; domain = Default; auth_version = 3.x_password",
    image: "ost://keystone.bench.example/5f0b8c3e-9a1d-4c2b-8e7f-0123456789ab",
    instanceType: "m1.medium",
    publicNet: "public-net",
    privateNet: "private-net",
    catalog: {
      flavors: [
        { id: "2", name: "m1.small", vcpus: 1, ram: 2048, disk: 20 },
        { id: "3", name: "m1.medium", vcpus: 2, ram: 4096, disk: 40 },
        { id: "5", name: "m1.xlarge", vcpus: 8, ram: 16384, disk: 160 },
      ],
      images: [
        {
          id: "5f0b8c3e-9a1d-4c2b-8e7f-0123456789ab",
          name: "Ubuntu 24.04",
          osDistro: "ubuntu",
          osVersion: "24.04",
        },
      ],
      networks: [
        {
          id: "e1",
          name: "public-net",
          external: true,
          subnets: [{ id: "se1", cidr: "158.42.104.0/24", ipVersion: 4 }],
        },
        { id: "p1", name: "private-net", isDefault: false, subnets: [{ id: "sp1", cidr: "10.0.0.0/24" }] },
      ],
      routers: [{ id: "r1", name: "router1", externalNetworkId: "e1" }],
      securityGroups: [{ id: "g1", name: "default" }],
    },
  },
  {
    type: "EC2",
    auth: "id = ec2; type = EC2; username = AKIABENCHBENCHBENCH0; password = bench-secret-key",
    image: "aws://us-east-1/ami-0123456789abcdef0",
    instanceType: "t3.medium",
    publicNet: "vpc-0bench00.subnet-0pub00",
    privateNet: "vpc-0bench00.subnet-0priv0",
    catalog: {
      regions: {
        "us-east-1": {
          defaultVpc: "vpc-0bench00",
          defaultSubnet: "subnet-0pub00",
          subnets: ["172.31.0.0/20", "172.31.16.0/20"],
          images: [{ uri: "aws://us-east-1/ami-0123456789abcdef0", name: "us-east-1/ubuntu-24.04-server" }],
          elasticIps: {},
          spotZones: {},
          snapshots: {},
          volumes: {},
        },
      },
    },
  },
  {
    type: "Kubernetes",
    auth: "id = k8s; type = Kubernetes; host = https://k8s.bench.example:6443; token = bench-token",
    image: "docker://docker.io/library/ubuntu:24.04",
    catalog: { namespaces: ["default", "kube-system"] },
  },
  {
    type: "OpenNebula",
    auth: "id = one; type = OpenNebula; host = one.bench.example:2633; username = bench; password = bench-pass",
    image: "one://one.bench.example/42",
    publicNet: "public",
    privateNet: "private",
    catalog: {
      version: "6.8.0",
      networks: [
        { id: "0", name: "public", ip: "158.42.1.1", default: true },
        { id: "1", name: "private", ip: "10.1.0.1" },
      ],
    },
  },
];

const IM_AUTH = "id = im; type = InfrastructureManager; username = bench; password = bench-pass";

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("no package.json above bench/");
    dir = parent;
  }
  return dir;
}

/** The largest `.radl` of the corpus (`../shared/corpus/radl`; RADL_SHARED overrides `../shared`). */
function largestCorpusRadl(root: string): { name: string; text: string } {
  const dir = join(resolve(process.env.RADL_SHARED ?? join(root, "..", "shared")), "corpus", "radl");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".radl"))
    .map((f) => ({ name: f, size: statSync(join(dir, f)).size }))
    .sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  if (files.length === 0) throw new Error(`no .radl file in ${dir}`);
  return { name: files[0]!.name, text: readFileSync(join(dir, files[0]!.name), "utf8") };
}

/**
 * The corpus document with the sample's image and network ids in every system and network (its own
 * cpu and memory requirements choose the instance type, from the driver's table or the catalogue).
 */
function pinnedCorpus(text: string, sample: Sample, onePerSystem: boolean): string {
  const doc = loadValidRadl(text, { source: "corpus" });
  // a driver that takes one VM per system (Kubernetes) gets one of each
  if (onePerSystem) for (const d of doc.deploys) d.count = { value: 1, isFloat: false, text: "1" };
  for (const net of doc.networks) {
    const id = isPublicNetworkId(doc, net.id) ? sample.publicNet : sample.privateNet;
    if (id !== undefined) setStringFeature(net.features, "provider_id", id);
  }
  let host = 10;
  for (const system of doc.systems) {
    if (system.reference) continue;
    const fs = system.features;
    if (sample.image !== "") setStringFeature(fs, "disk.0.image.url", sample.image);
    const c = credentials(fs);
    if (c.password === undefined && c.privateKey === undefined)
      setStringFeature(fs, "disk.0.os.credentials.password", "Bench-Pass-01");
    if (c.username === undefined) setStringFeature(fs, "disk.0.os.credentials.username", "cloudadm");
    if (sample.fixedIps) {
      for (const nic of nics(fs)) {
        const pub = nic.connection !== undefined && isPublicNetworkId(doc, nic.connection);
        setStringFeature(fs, `net_interface.${nic.index}.ip`, pub ? `203.0.113.${host}` : `10.0.0.${host}`);
      }
      host++;
    }
  }
  return printRadl(doc);
}

/**
 * A `vms`-VM infrastructure: a front on the public and private networks (the contextualization master)
 * and `deploy wn <vms-1>` workers, each system with a configure section. A driver that takes one VM
 * per system (Kubernetes) gets `vms` systems of one VM each instead.
 */
function generatedRadl(vms: number, sample: Sample, onePerSystem: boolean): string {
  const pid = (id: string | undefined) => (id === undefined ? "" : `provider_id = '${id}'`);
  const out = [
    `network public (outbound = 'yes'${sample.publicNet ? ` and ${pid(sample.publicNet)}` : ""})`,
    `network private (${pid(sample.privateNet)})`,
  ];
  const system = (name: string, i: number, front: boolean): void => {
    const features = [
      "cpu.count >= 1",
      "memory.size >= 1g",
      ...(sample.instanceType ? [`instance_type = '${sample.instanceType}'`] : []),
      "net_interface.0.connection = 'private'",
      ...(sample.fixedIps
        ? [`net_interface.0.ip = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}'`]
        : []),
      `net_interface.0.dns_name = '${front ? name : `${name}-#N#`}'`,
      ...(front ? ["net_interface.1.connection = 'public'"] : []),
      ...(front && sample.fixedIps ? ["net_interface.1.ip = '203.0.113.10'"] : []),
      "disk.0.os.name = 'linux'",
      ...(sample.image !== "" ? [`disk.0.image.url = '${sample.image}'`] : []),
      "disk.0.os.credentials.username = 'cloudadm'",
      "disk.0.os.credentials.password = 'Bench-Pass-01'",
    ];
    out.push(`system ${name} (\n  ${features.join(" and\n  ")}\n)`);
    out.push(
      `configure ${name} (\n@begin\n- tasks:\n  - name: Say which VM this is\n` +
        `    debug: msg="${name} is {{ IM_NODE_FQDN }}"\n@end\n)`,
    );
  };
  if (onePerSystem) {
    for (let i = 0; i < vms; i++) system(`vm${i}`, i, i === 0);
    for (let i = 0; i < vms; i++) out.push(`deploy vm${i} 1`);
  } else {
    system("front", 0, true);
    system("wn", 1, false);
    out.push("deploy front 1", `deploy wn ${vms - 1}`);
  }
  return `${out.join("\n")}\n`;
}

function status(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync("/proc/self/status", "utf8").split("\n")) {
    const m = /^(VmHWM|VmRSS):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

interface ChildResult {
  cpuMs: number;
  wallMs: number;
  /** Peak RSS growth during the compile (bytes). */
  peakGrowth: number;
  /** Heap allocated during the compile and still in use right after it (bytes, no GC in between). */
  heapGrowth: number;
  /** CPU time of the RSA-3072 server key generation, made before the clock starts (compiles with a contextualization master pay it once). */
  keygenMs: number;
  /** maxRSS of the whole child process (bytes). */
  maxRss: number;
  nodes: number;
  /** Whether the project has contextualization (and so paid for a server key). */
  hasCtxt: boolean;
  files: number;
  bytes: number;
}

/** In the child: one warm-up compile of a small input, then the measured one. */
async function child(
  radlFile: string,
  authText: string,
  outDir: string | undefined,
  warmFile: string,
  catalogFile: string | undefined,
) {
  const catalogs =
    catalogFile === undefined
      ? undefined
      : (JSON.parse(readFileSync(catalogFile, "utf8")) as Record<string, CloudCatalog>);
  // The RSA-3072 server key is made before the clock starts and timed apart: its cost is one-off and
  // random (prime search), and would otherwise swamp the per-VM figures.
  const k0 = process.cpuUsage();
  const serverKey = generateServerKey();
  const k = process.cpuUsage(k0);
  const keygenMs = (k.user + k.system) / 1000;
  const compile = async (text: string, stack: string) =>
    compileDocument({
      document: loadValidRadl(text, { source: `${stack}.radl` }),
      auth: parseAuthText(authText, { strict: true }),
      stack,
      seed: `${stack}\n${text}`,
      serverKey,
      ...(catalogs !== undefined ? { catalogs } : {}),
    });
  await compile(readFileSync(warmFile, "utf8"), "warm");
  const text = readFileSync(radlFile, "utf8");
  globalThis.gc?.();
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux, or not allowed: the growth figure then includes the warm-up's peak
  }
  const before = status();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { graph, project } = await compile(text, "bench");
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const after = status();
  const heapAfter = process.memoryUsage().heapUsed;
  const result: ChildResult = {
    keygenMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    peakGrowth: Math.max(0, (after.VmHWM ?? 0) - (before.VmRSS ?? 0)),
    heapGrowth: Math.max(0, heapAfter - heapBefore),
    maxRss: process.resourceUsage().maxRSS * 1024,
    nodes: graph.nodes.length,
    hasCtxt: graph.nodes.some((n) => n.id === "ctxt"),
    files: Object.keys(project.files).length,
    bytes: Object.values(project.files).reduce((n, t) => n + Buffer.byteLength(t), 0),
  };
  if (outDir !== undefined) {
    rmSync(outDir, { recursive: true, force: true });
    await writeProject(outDir, project.files);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(
  radlFile: string,
  auth: string,
  warmFile: string,
  catalogFile: string | undefined,
  outDir?: string,
): ChildResult | string {
  const self = fileURLToPath(import.meta.url);
  const args = [
    ...process.execArgv,
    "--expose-gc",
    self,
    "--child",
    radlFile,
    "--auth-text",
    auth,
    "--warm",
    warmFile,
  ];
  if (outDir !== undefined) args.push("--out", outDir);
  if (catalogFile !== undefined) args.push("--catalog", catalogFile);
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * MB, timeout: 600_000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    const why =
      (r.stderr || r.stdout)
        .trim()
        .split("\n")
        .find((l) => /^\w*Error\b|^radl:/.test(l)) ?? `exit ${r.status}`;
    return why.slice(0, 160);
  }
  return JSON.parse(line) as ChildResult;
}

/** CPU seconds of this process's waited-for children (utime + stime of /proc/self/stat, 100 ticks a second). */
function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function tscTime(root: string, dir: string): { seconds: number; cpuSeconds: number; errors: number } {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const cpu0 = childrenCpuSeconds();
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(dir, "tsconfig.json")], {
    encoding: "utf8",
    maxBuffer: 64 * MB,
    timeout: 900_000,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    seconds,
    cpuSeconds: childrenCpuSeconds() - cpu0,
    errors: r.stdout.split("\n").filter((l) => /error TS/.test(l)).length,
  };
}

const fmtMB = (b: number) => `${(b / MB).toFixed(1)} MB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: "string" },
      "auth-text": { type: "string" },
      warm: { type: "string" },
      out: { type: "string" },
      catalog: { type: "string" },
      vms: { type: "string", default: "500" },
      "no-tsc": { type: "boolean" },
      types: { type: "string" },
    },
  });
  if (values.child !== undefined) {
    await child(values.child, values["auth-text"]!, values.out, values.warm!, values.catalog);
    return;
  }
  const root = findRepoRoot();
  const vms = Number(values.vms);
  const drivers = new Map(builtinDrivers().map((d) => [d.type, d]));
  const corpus = largestCorpusRadl(root);
  const work = mkdtempSync(join(tmpdir(), "radl-bench-compile-"));
  const emitRoot = join(root, ".cache", "bench-compile");
  mkdirSync(emitRoot, { recursive: true });
  console.log(
    `radl compile benchmark: corpus ${corpus.name} (${corpus.text.length} B), generated ${vms} VMs`,
  );
  console.log(
    `node ${process.version}; times are CPU / wall of load + plan + lower + emit in a fresh process\n`,
  );
  try {
    const only = values.types?.split(",");
    for (const sample of SAMPLES.filter((x) => only === undefined || only.includes(x.type))) {
      if (!drivers.has(sample.type)) {
        console.log(`${sample.type}: not registered`);
        continue;
      }
      const auth = `${IM_AUTH}\n${sample.auth}\n`;
      const corpusFile = join(work, `${sample.type}-corpus.radl`);
      const bigFile = join(work, `${sample.type}-${vms}.radl`);
      const warmFile = join(work, `${sample.type}-warm.radl`);
      const authId = /\bid = (\w+)/.exec(sample.auth)![1]!;
      let catalogFile: string | undefined;
      if (sample.catalog !== undefined) {
        catalogFile = join(work, `${sample.type}-catalog.json`);
        writeFileSync(catalogFile, JSON.stringify({ [authId]: sample.catalog }));
      }

      const onePerSystem = drivers.get(sample.type)!.capabilities.maxVmsPerSystem === 1;
      writeFileSync(corpusFile, pinnedCorpus(corpus.text, sample, onePerSystem));
      writeFileSync(bigFile, generatedRadl(vms, sample, onePerSystem));
      writeFileSync(warmFile, generatedRadl(2, sample, onePerSystem));
      console.log(`${sample.type}:`);
      const outDir = join(emitRoot, `${sample.type.toLowerCase()}-${vms}`);
      const rows: [string, string, ChildResult | string][] = [
        ["corpus", corpusFile, runChild(corpusFile, auth, warmFile, catalogFile)],
        [`${vms} VMs`, bigFile, runChild(bigFile, auth, warmFile, catalogFile, outDir)],
      ];
      for (const [label, file, r] of rows) {
        const size = readFileSync(file).length;
        if (typeof r === "string") {
          console.log(`  ${label.padEnd(8)} failed: ${r}`);
          continue;
        }
        console.log(
          `  ${label.padEnd(8)} ${String(size).padStart(8)} B RADL → ${r.nodes} nodes, ${r.files} files, ` +
            `${fmtMB(r.bytes)}: ${r.cpuMs.toFixed(0)} ms CPU / ${r.wallMs.toFixed(0)} ms wall` +
            (r.nodes > 0 && r.hasCtxt ? ` (+ ${r.keygenMs.toFixed(0)} ms CPU for the server key)` : "") +
            "; " +
            `peak RSS +${fmtMB(r.peakGrowth)}, heap +${fmtMB(r.heapGrowth)} (process maxRSS ${fmtMB(r.maxRss)})`,
        );
      }
      const big = rows[1]![2];
      if (values["no-tsc"] || typeof big === "string") continue;
      const t = tscTime(root, outDir);
      // CPU against CPU: on a shared machine wall times swing with the other processes' load.
      const ratio = big.cpuMs / 1000 / t.cpuSeconds;
      const withKey = big.hasCtxt ? (big.cpuMs + big.keygenMs) / 1000 / t.cpuSeconds : ratio;
      console.log(
        `  tsc --noEmit of the ${vms}-VM project: ${t.cpuSeconds.toFixed(1)} s CPU / ${t.seconds.toFixed(1)} s wall` +
          `${t.errors > 0 ? ` (${t.errors} type errors!)` : ""}; compile/tsc = ${ratio.toFixed(3)} CPU` +
          (big.hasCtxt ? ` (${withKey.toFixed(3)} with the server key)` : "") +
          `, ${(big.wallMs / 1000 / t.seconds).toFixed(3)} wall (target < 0.1: ${ratio < 0.1 ? "met" : "NOT met"})`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
