/**
 * Contextualization benchmark (issue 6). For each size N it builds a rig of N hosts (the master and
 * N-1 private workers, scripts/rig), then prints:
 *  1. the time to configure them with a small recipe through our pipeline: a DeployedNode RADL with
 *     one configure per host, lowered by the CommandContextualizer (server probe) and brought `up`
 *     by the StackManager on the real engine (wait, bootstrap, tool, bundle, activate, hosts, then
 *     basic, main and the recipe's step on every host);
 *  2. the time of plain `ansible-playbook` of the same recipe from the master against the same hosts
 *     (forks = N, facts gathered, no IM wrapper);
 *  3. the time of plain `ansible-playbook` of the playbooks our run generated (the IM's basic and
 *     main, then the recipe), by hand on the master with cold caches: the same Ansible work without
 *     our pipeline;
 *  4. both ratios (target ≤ 1.5 at 20 hosts) and the server-side peak memory (this process, and the
 *     sum of its engine child processes).
 * Needs root and the rig's packages, like test/e2e/ctxt-*.test.ts.
 *
 * Run: node --import tsx bench/ctxt.ts [--sizes 1,5,20]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lowerPlanDetailed } from "../compiler/plan/lower.js";
import { planDeployment } from "../compiler/plan/plan.js";
import { driverRegistry } from "../providers/registry.js";
import { registerGraph } from "../runtime/register.js";
import { parseStepOutput } from "../runtime/contextualize/contmsg.js";
import { CommandContextualizer } from "../runtime/contextualize/graph.js";
import { generateServerKey } from "../runtime/contextualize/server-key.js";
import { StackManager } from "../stacks/stack-manager.js";
import { radlDocument, requireRig, startRig, type DocSpec, type Rig } from "../test/support/rig.js";
import { peakMemorySampler } from "./process-rss.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const sizes = arg("sizes", "1,5,20").split(",").map(Number);

/** The small recipe: a fact-using file and a debug line on every host (no privilege needed). */
const RECIPE = `- tasks:
  - name: Leave a mark
    copy: dest=/var/tmp/bench-mark content="{{ansible_hostname}} configured"
  - name: Say hello
    debug: msg="hello from {{inventory_hostname}}"
`;

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One system per host: the master with a public and a private address, workers private only. */
function benchSpec(rig: Rig): DocSpec {
  const m = rig.master;
  const spec: DocSpec = {
    networks: { pub: { outbound: "yes" }, priv: {} },
    systems: {
      front: {
        "net_interface.0.connection": "pub",
        "net_interface.0.ip": m.publicIp!,
        "net_interface.0.dns_name": "front",
        "net_interface.1.connection": "priv",
        "net_interface.1.ip": m.privateIp,
        "disk.0.os.credentials.username": rig.user,
        "disk.0.os.credentials.password": rig.masterPassword,
      },
    },
    configures: { small: RECIPE },
    deploys: { front: 1 },
    items: [{ system: "front", configure: "small", step: 1 }],
  };
  rig.workers.forEach((w, i) => {
    const id = `wn${i + 1}`;
    spec.systems[id] = {
      "net_interface.0.connection": "priv",
      "net_interface.0.ip": w.privateIp,
      "net_interface.0.dns_name": `${id}`,
      "disk.0.os.credentials.username": rig.user,
      "disk.0.os.credentials.password": rig.workerPassword,
      "disk.0.os.credentials.private_key": readFileSync(rig.vmKey, "utf8"),
    };
    spec.deploys[id] = 1;
    spec.items!.push({ system: id, configure: "small", step: 1 });
  });
  return spec;
}

async function ours(
  rig: Rig,
  n: number,
): Promise<{ ms: number; phases: string; ours: number; engine: number }> {
  const manager = await StackManager.open({
    dataDir: join(rig.dir, "data"),
    passphrase: "bench",
    parallelism: 1,
  });
  try {
    const stack = `bench${n}`;
    const drivers = driverRegistry();
    const auth = [{ id: "dn", type: "DeployedNode" }];
    const plan = await planDeployment({
      infId: stack,
      document: radlDocument(benchSpec(rig)),
      auth,
      drivers,
    });
    const bundleRoot = join(rig.dir, "bundles");
    mkdirSync(bundleRoot, { recursive: true });
    const ctxt = new CommandContextualizer({
      generation: 1,
      serverKey: generateServerKey(),
      bundleRoot,
      waitProbe: "server",
      settings: { waitSshAccessTimeout: 60 },
    });
    const lowered = lowerPlanDetailed(plan, drivers, { contextualizer: ctxt, auth });
    ctxt.writeBundle({ plan, vms: lowered.vms, nodes: lowered.graph.nodes });
    const holder = Number(readFileSync(join(rig.dir, "ready"), "utf8").trim());
    const sampler = peakMemorySampler(200, holder);
    // When each phase ran, from the engine's events: infrastructure nodes, then each stage.
    const spans = new Map<string, [number, number]>();
    const phaseOf = (urn: string): string | undefined => {
      const name = urn.slice(urn.lastIndexOf("::") + 2);
      if (/^ctxt-(wait-master|bootstrap|tool|bundle|activate|hosts)$/.test(name)) return "master";
      return /^ctxt-vm\d+-(.+)$/.exec(name)?.[1];
    };
    const mark = (urn: string | undefined): void => {
      const phase = urn === undefined ? undefined : phaseOf(urn);
      if (phase === undefined) return;
      const now = performance.now();
      const span = spans.get(phase) ?? [now, now];
      spans.set(phase, [Math.min(span[0], now), Math.max(span[1], now)]);
    };
    const start = performance.now();
    // The engine's default parallelism runs every step node of a stage at once.
    const up = await manager.up(stack, () => registerGraph(lowered.graph), {
      onEvent: (e) => {
        mark(e.resourcePreEvent?.metadata.urn);
        mark(e.resOutputsEvent?.metadata.urn);
      },
    });
    const ms = performance.now() - start;
    const mem = sampler.stop();
    const steps = up.outputs.ctxtSteps!.value as Record<string, string>;
    for (const [node, out] of Object.entries(steps))
      if (parseStepOutput(out).result?.ok !== true) throw new Error(`${node} failed:\n${out}`);
    if (Object.keys(steps).length !== 3 * n) throw new Error(`expected ${3 * n} step nodes`);
    const phases = [...spans].map(([name, [a, b]]) => `${name} ${secs(b - a)}`).join(", ");
    return { ms, phases, ...mem };
  } finally {
    await manager.close({ cancel: true });
  }
}

function plain(rig: Rig, n: number): number {
  const dir = join(rig.master.root, "vartmp", "bench-plain");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "vm_key"), readFileSync(rig.vmKey), { mode: 0o600 });
  const lines = ["[all]", "front ansible_connection=local"];
  rig.workers.forEach((w, i) =>
    lines.push(
      `wn${i + 1} ansible_host=${w.privateIp} ansible_user=${rig.user} ansible_ssh_private_key_file=/var/tmp/bench-plain/vm_key`,
    ),
  );
  writeFileSync(join(dir, "hosts"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "small.yml"), RECIPE.replace("- tasks:", "- hosts: all\n  tasks:"));
  rig.exec(rig.master, ["chown", "-R", rig.user, "/var/tmp/bench-plain"]);
  const start = performance.now();
  const r = rig.exec(rig.master, [
    "su",
    rig.user,
    "-c",
    `cd /var/tmp/bench-plain && ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_FORKS=${n} ansible-playbook -i hosts small.yml`,
  ]);
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`plain ansible-playbook failed: ${r.stdout}${r.stderr}`);
  return ms;
}

/**
 * Plain `ansible-playbook`, by hand on the master, of the playbooks our run generated (basic, main,
 * the recipe; one run each over every host, as the shared stage runs do), with the fact cache and SSH
 * control sockets emptied first: what the same Ansible work costs without our pipeline.
 */
function plainGenerated(rig: Rig, n: number): { ms: number; each: string } {
  const conf = `/var/tmp/.im/bench${n}`;
  const gen = `${conf}/gen-1`;
  rig.exec(rig.master, ["sh", "-c", `rm -rf ${conf}/facts_cache ${conf}/cp/*`]);
  const start = performance.now();
  const each: string[] = [];
  for (const playbook of ["basic_task_all.yml", "main_front_task_all.yml", "small_front_task_all.yml"]) {
    const t = performance.now();
    const r = rig.exec(rig.master, [
      "su",
      rig.user,
      "-c",
      `cd ${gen} && ANSIBLE_CONFIG=${gen}/ansible.cfg ansible-playbook -i hosts ${playbook} -e IM_HOST=all`,
    ]);
    if (r.status !== 0) throw new Error(`plain ${playbook} failed: ${r.stdout}${r.stderr}`);
    each.push(`${playbook.replace(/_task_all\.yml$/, "")} ${secs(performance.now() - t)}`);
  }
  return { ms: performance.now() - start, each: each.join(", ") };
}

async function main(): Promise<void> {
  requireRig();
  const rows: string[] = [];
  for (const n of sizes) {
    const rig = await startRig({ workers: n - 1, timeoutMs: 120_000 });
    try {
      const baseline = plain(rig, n);
      const run = await ours(rig, n);
      const same = plainGenerated(rig, n);
      const row =
        `${String(n).padStart(3)} hosts: ours ${secs(run.ms).padStart(8)}   plain ansible-playbook of the recipe ${secs(baseline).padStart(7)} ` +
        `(ratio ${(run.ms / baseline).toFixed(2)}), of the generated basic+main+recipe ${secs(same.ms).padStart(7)} (ratio ${(run.ms / same.ms).toFixed(2)}: ${same.each})\n` +
        `           server memory: node ${mb(run.ours)}, engine processes ${mb(run.engine)}; phases: ${run.phases}`;
      console.log(row);
      rows.push(row);
    } finally {
      await rig.down();
    }
  }
  console.log(`\n${rows.join("\n")}`);
}

await main();
