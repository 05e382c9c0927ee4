/**
 * Stack layer benchmark (issue 3). Prints:
 *  1. the median time of `up` of a one-VM infrastructure (one command resource) on a new stack,
 *     through StackManager and through the plain Automation API (createOrSelectStack + up) on
 *     the same inline program; the ratio is our overhead (the plain `pulumi up` CLI would need the
 *     Node.js language host, which cannot be built here);
 *  2. time and peak memory (this process, and the sum of its engine child processes) to create
 *     and destroy N infrastructures at concurrency C.
 *
 * Run: node --import tsx bench/stacks.ts [--runs 5] [--sizes 1,10] [--concurrency 1,4]
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as command from "@pulumi/command";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { engineEnv, pulumiCommand } from "../stacks/engine.js";
import { StackManager } from "../stacks/stack-manager.js";
import { peakMemorySampler } from "./process-rss.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg("runs", "5"));
const sizes = arg("sizes", "1,10").split(",").map(Number);
const concurrencies = arg("concurrency", "1,4").split(",").map(Number);

const vmProgram = (name: string) => async () => {
  const vm = new command.local.Command(`${name}-vm`, { create: `echo ${name}` });
  return { vm: vm.stdout };
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const data = await mkdtemp(join(tmpdir(), "radl-bench-"));
  try {
    const manager = await StackManager.open({
      dataDir: data,
      passphrase: "bench",
      parallelism: Math.max(...concurrencies),
    });
    console.log(`engine ${manager.engine.root}\n`);

    // 1. StackManager vs plain CLI, one VM, new stack each run
    const ours: number[] = [];
    for (let i = 0; i < runs; i++) {
      const stack = `bench-ours-${i}`;
      ours.push(await timed(() => manager.up(stack, vmProgram(stack))));
      await manager.destroy(stack, { remove: true });
    }
    // Baseline: the same inline program through the plain Automation API (no queue, no
    // journal, no limit). The plain `pulumi up` CLI needs the Node.js language host, which the
    // module proxy here does not serve (see scripts/setup-engine.sh).
    const cmd = await pulumiCommand(manager.engine);
    const env = engineEnv({
      pulumiHome: manager.settings.pulumiHome,
      backendUrl: manager.settings.backendUrl,
      passphrase: { value: "bench" },
    });
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      const stackName = `bench-raw-${i}`;
      const workDir = join(data, "raw", stackName);
      await mkdir(workDir, { recursive: true });
      let raw: Awaited<ReturnType<typeof LocalWorkspace.createOrSelectStack>> | undefined;
      cli.push(
        await timed(async () => {
          raw = await LocalWorkspace.createOrSelectStack(
            { projectName: "im", stackName, program: vmProgram(stackName) },
            { workDir, pulumiCommand: cmd, envVars: env, projectSettings: manager.settings.project },
          );
          await raw.up({ color: "never" });
        }),
      );
      await raw!.destroy({ color: "never" });
      await raw!.workspace.removeStack(stackName);
    }
    const ratio = median(ours) / median(cli);
    console.log(`up of 1 VM on a new stack, median of ${runs}:`);
    console.log(`  StackManager.up         ${secs(median(ours))}   (runs: ${ours.map(secs).join(", ")})`);
    console.log(`  plain Automation API up ${secs(median(cli))}   (runs: ${cli.map(secs).join(", ")})`);
    console.log(`  overhead               ${((ratio - 1) * 100).toFixed(1)} %\n`);

    // 2. create + destroy N infrastructures at concurrency C
    console.log("N   conc  create    destroy   total     per-inf   peak ours  peak engine  engine/op");
    const throughput = new Map<string, number>();
    for (const n of sizes) {
      for (const c of concurrencies) {
        const bounded = await StackManager.open({
          dataDir: data,
          passphrase: "bench",
          parallelism: c,
          recover: false,
        });
        const names = Array.from({ length: n }, (_, i) => `bench-n${n}-c${c}-${i}`);
        const sampler = peakMemorySampler(100);
        const create = await timed(() => Promise.all(names.map((s) => bounded.up(s, vmProgram(s)))));
        const destroy = await timed(() =>
          Promise.all(names.map((s) => bounded.destroy(s, { remove: true }))),
        );
        const peak = sampler.stop();
        await bounded.close();
        const total = create + destroy;
        throughput.set(`${n}/${c}`, n / total);
        console.log(
          [
            String(n).padEnd(3),
            String(c).padEnd(5),
            secs(create).padEnd(9),
            secs(destroy).padEnd(9),
            secs(total).padEnd(9),
            secs(total / n).padEnd(9),
            mb(peak.ours).padEnd(10),
            mb(peak.engine).padEnd(12),
            mb(peak.engine / Math.min(n, c)),
          ].join(" "),
        );
      }
    }
    for (const n of sizes) {
      const base = throughput.get(`${n}/1`);
      for (const c of concurrencies.filter((x) => x !== 1)) {
        const t = throughput.get(`${n}/${c}`);
        if (base && t)
          console.log(`throughput N=${n}: concurrency ${c} is ${(t / base).toFixed(2)}x concurrency 1`);
      }
    }
    await manager.close();
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}

await main();
