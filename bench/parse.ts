/**
 * Parse + check benchmark: ours (loadRadl) against the reference Python parser (REF, RADL 1.3.5).
 *
 *   npx tsc -p . && node dist/bench/parse.js          # or: node --import tsx bench/parse.ts
 *   node dist/bench/parse.js --sizes 1,10 --runs 3    # sizes in MB (default 1,10), timed runs each
 *   node dist/bench/parse.js --no-ref                 # skip the reference parser
 *   node dist/bench/parse.js --emit FILE --sizes 5    # only write a generated document (to profile)
 *
 * REF needs the virtualenv of scripts/ci.d/40-python-radl.sh (.venv/radl).
 *
 * It generates valid RADL documents of about 1 MB and 10 MB (thousands of networks, systems with
 * contains and soft blocks, configures with recipes, a contextualize item per system, deploys),
 * then measures each size in a fresh child process so that memory figures are not polluted:
 * - time: the best of --runs runs of loadRadl (parse + build + check), after one untimed run, as
 *   CPU time of the process (the figure to compare on a shared machine) and as wall clock; plus
 *   parseRadl alone, to split parse from check();
 * - peak memory: growth of the peak RSS during the first run on the file (the peak is reset through
 *   /proc/self/clear_refs first; a 16 KB document is loaded before, so one-time initialisation does
 *   not count), and the heap still retained with the resulting document referenced — RSS growth
 *   understates when V8 reuses freed pages, the retained heap is a floor of the peak;
 * - REF: its parser + check() in `.venv/radl/bin/python scripts/radl-ref-json.py --bench`, one run
 *   (CPU and wall time), peak RSS growth from getrusage. REF's time grows quadratically: the 10 MB
 *   run takes minutes (use --sizes 1 or --no-ref for a quick look).
 * Targets (issue 2): ≥30× REF's throughput; 10× the input costs ≤12× the time; peak memory
 * ≤10× the input size.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const MB = 1024 * 1024;

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("no package.json above bench/");
    dir = parent;
  }
  return dir;
}

/** One infrastructure "unit": a network, a system, its configure and its deploy (~1 KB). */
function unit(i: number): { sections: string; item: string } {
  const sections = `network net${i} (outbound = 'no' and provider_id = 'vlan-${i}')
system sys${i} (
cpu.arch = 'x86_64' and
cpu.count >= 2 and cpu.count <= 8 and
memory.size >= 2G and
net_interface.0.connection = 'net${i}' and
net_interface.0.dns_name = 'sys${i}-#N#' and
disk.0.os.name = 'linux' and
disk.0.os.version >= '22.04' and
disk.0.image.url = ['one://one.example.org/${i}', 'ost://cloud.example.org/image-${i}'] and
disk.0.os.credentials.username = 'user${i}' and
disk.0.applications contains (name = 'ansible.roles.grycap.app${i % 50}' and version = '1.${i % 7}') and
disk.0.applications contains (name = 'package-${i % 30}') and
disk.1.size = 20GiB and disk.1.device = 'vdb' and disk.1.mount_path = '/mnt/data${i}' and
soft ${10 + (i % 90)} ( instance_type = 'm1.large' and custom.zone = 'zone-${i % 4}' )
)
configure sys${i} (
@begin
---
- tasks:
  - name: install the packages of sys${i}
    apt: name=package-${i % 30} state=present
  - debug: msg="{{ IM_NODE_HOSTNAME }} is number ${i}"
@end
)
deploy sys${i} ${1 + (i % 3)}
`;
  return { sections, item: `system sys${i} configure sys${i} step ${1 + (i % 3)}\n` };
}

/** A valid RADL document of at least `bytes` bytes. */
export function generateRadl(bytes: number): { text: string; systems: number } {
  const sections: string[] = ["description bench (name = 'parse benchmark')\n"];
  const items: string[] = [];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const u = unit(i++);
    sections.push(u.sections);
    items.push(u.item);
    size += u.sections.length + u.item.length;
  }
  const text = `${sections.join("")}contextualize 3600 (\noption ansible_version = '2.16.3'\n${items.join("")})\n`;
  return { text, systems: i };
}

interface OurFigures {
  bytes: number;
  /** Best of the timed loadRadl runs (parse + build + check): wall clock and CPU time of the process. */
  bestSeconds: number;
  bestCpuSeconds: number;
  /** Best parseRadl alone (CPU), to split the time between parsing and check(). */
  parseCpuSeconds: number;
  firstSeconds: number;
  peakRssGrowth: number;
  heapGrowth: number;
  errors: number;
}

interface RefFigures {
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  parseCpuSeconds: number;
  peakRssGrowth: number;
}

function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function statusKb(field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** Child process mode: measure one file and print the figures as JSON. */
async function measureFile(path: string, runs: number): Promise<OurFigures> {
  const { loadRadl } = await import("../compiler/load.js");
  const { parseRadl } = await import("../compiler/parse.js");
  const text = readFileSync(path, "utf8");
  // Lazy one-time initialisation (parser tables, YAML library) is not memory per input byte.
  loadRadl(generateRadl(16 * 1024).text);
  globalThis.gc?.();
  const rssBefore = statusKb("VmRSS");
  const heapBefore = process.memoryUsage().heapUsed;
  const canReset = resetPeakRss();
  const started = performance.now();
  const first = loadRadl(text, { source: path });
  const firstSeconds = (performance.now() - started) / 1000;
  const peakRssGrowth = (canReset ? statusKb("VmHWM") : process.memoryUsage().rss) - rssBefore;
  globalThis.gc?.(); // what is left is the document and its diagnostics
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const errors = first.diagnostics.filter((d) => d.severity === "error").length;

  let bestSeconds = Infinity;
  let bestCpuSeconds = Infinity;
  let parseCpuSeconds = Infinity;
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    let wall = performance.now();
    let cpu = process.cpuUsage();
    loadRadl(text, { source: path });
    bestSeconds = Math.min(bestSeconds, (performance.now() - wall) / 1000);
    bestCpuSeconds = Math.min(bestCpuSeconds, cpuSeconds(cpu));
    globalThis.gc?.();
    wall = performance.now();
    cpu = process.cpuUsage();
    parseRadl(text, { source: path });
    parseCpuSeconds = Math.min(parseCpuSeconds, cpuSeconds(cpu));
  }
  return {
    bytes: Buffer.byteLength(text),
    bestSeconds,
    bestCpuSeconds,
    parseCpuSeconds,
    firstSeconds,
    peakRssGrowth,
    heapGrowth,
    errors,
  };
}

function measureOurs(path: string, runs: number): OurFigures {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, "--expose-gc", self, "--measure", path, "--runs", String(runs)],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`measuring ${path} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as OurFigures;
}

function measureReference(root: string, path: string): RefFigures | string {
  const python = join(root, ".venv", "radl", "bin", "python");
  if (!existsSync(python)) return `no ${python} (run scripts/ci.d/40-python-radl.sh)`;
  const child = spawnSync(python, [join(root, "scripts", "radl-ref-json.py"), "--bench"], {
    input: readFileSync(path),
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) return `REF failed: ${child.stderr.trim().split("\n").pop()}`;
  const r = JSON.parse(child.stdout) as {
    bytes: number;
    parse_s: number;
    check_s: number;
    parse_cpu_s: number;
    check_cpu_s: number;
    rss_before_kb: number;
    maxrss_kb: number;
  };
  return {
    bytes: r.bytes,
    seconds: r.parse_s + r.check_s,
    cpuSeconds: r.parse_cpu_s + r.check_cpu_s,
    parseCpuSeconds: r.parse_cpu_s,
    peakRssGrowth: (r.maxrss_kb - r.rss_before_kb) * 1024,
  };
}

const mbps = (bytes: number, seconds: number) => bytes / MB / seconds;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      measure: { type: "string" },
      emit: { type: "string" },
      runs: { type: "string", default: "3" },
      sizes: { type: "string", default: "1,10" },
      "no-ref": { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  if (values.measure !== undefined) {
    process.stdout.write(JSON.stringify(await measureFile(values.measure, runs)));
    return;
  }
  const root = findRepoRoot();
  const sizes = values.sizes.split(",").map(Number);
  if (values.emit !== undefined) {
    writeFileSync(values.emit, generateRadl(sizes[0]! * MB).text);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "radl-bench-"));
  try {
    const rows: { mb: number; systems: number; ours: OurFigures; ref: RefFigures | string }[] = [];
    for (const mb of sizes) {
      const { text, systems } = generateRadl(mb * MB);
      const path = join(dir, `bench-${mb}mb.radl`);
      writeFileSync(path, text);
      const ours = measureOurs(path, runs);
      if (ours.errors > 0) throw new Error(`the generated ${mb} MB document has ${ours.errors} errors`);
      const ref = values["no-ref"] ? "skipped" : measureReference(root, path);
      rows.push({ mb, systems, ours, ref });
      const refText =
        typeof ref === "string"
          ? ref
          : `${fmt(mbps(ref.bytes, ref.cpuSeconds), 3)} MB/s of CPU (parse ${fmt(ref.parseCpuSeconds, 2)} s +` +
            ` check ${fmt(ref.cpuSeconds - ref.parseCpuSeconds, 2)} s CPU; ${fmt(ref.seconds, 2)} s wall),` +
            ` peak RSS +${fmt(ref.peakRssGrowth / MB)} MB = ${fmt(ref.peakRssGrowth / ref.bytes)}x input` +
            `\n  ours/REF throughput: ${fmt(ref.cpuSeconds / ours.bestCpuSeconds)}x by CPU time,` +
            ` ${fmt(ref.seconds / ours.bestSeconds)}x by wall clock (target: ≥30x)`;
      console.log(
        `${fmt(ours.bytes / MB, 2)} MB, ${systems} systems:` +
          `\n  ours: ${fmt(mbps(ours.bytes, ours.bestCpuSeconds), 2)} MB/s of CPU` +
          ` (parse ${fmt(ours.parseCpuSeconds, 3)} s + check ${fmt(ours.bestCpuSeconds - ours.parseCpuSeconds, 3)} s CPU;` +
          ` ${fmt(mbps(ours.bytes, ours.bestSeconds), 2)} MB/s wall, first run ${fmt(ours.firstSeconds, 3)} s),` +
          // RSS growth understates when V8 reuses pages freed before; the retained heap is a floor of the peak.
          ` memory: peak RSS +${fmt(ours.peakRssGrowth / MB)} MB, retained heap (the IR) +${fmt(ours.heapGrowth / MB)} MB;` +
          ` the larger = ${fmt(Math.max(ours.peakRssGrowth, ours.heapGrowth) / ours.bytes)}x input (target: ≤10x)` +
          `\n  REF:  ${refText}`,
      );
    }
    if (rows.length >= 2) {
      const [small, large] = [rows[0]!, rows[rows.length - 1]!];
      const inputRatio = large.ours.bytes / small.ours.bytes;
      const cpuRatio = large.ours.bestCpuSeconds / small.ours.bestCpuSeconds;
      const wallRatio = large.ours.bestSeconds / small.ours.bestSeconds;
      console.log(
        `scaling: ${fmt(inputRatio)}x the input took ${fmt(cpuRatio, 2)}x the CPU time, ${fmt(wallRatio, 2)}x the wall` +
          ` time (target: ≤${fmt(inputRatio * 1.2)}x)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
