/**
 * MAX_SIMULTANEOUS_LAUNCHES, MAX_VM_FAILS / DELAY_BETWEEN_VM_RETRIES and
 * VM_INFO_UPDATE_ERROR_GRACE_PERIOD (im-api.md §5.4, §5.8, §4.2, §4.7) against a real listening
 * server and the real engine. The driver is the Dummy one with its VM command wrapped: it logs when
 * each launch attempt starts and ends, sleeps, and fails as many times as the test asks; its
 * read-back can be made to fail.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CloudSlice, LoweredCloud, VmFacts } from "../../compiler/plan/driver.js";
import type { PlannedVm } from "../../compiler/plan/types.js";
import { DummyDriver } from "../../providers/dummy/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { AUTH, startTestServer, type TestServer } from "../support/server.js";

/** The Dummy driver whose VM command logs its attempts, sleeps and fails on request. */
class ProbeDriver extends DummyDriver {
  /** infrastructure name (description) → VM id → how many attempts fail before one succeeds. */
  failures = new Map<string, Map<number, number>>();
  readBackFails = false;

  constructor(private readonly dir: string) {
    super();
  }

  override lower(slice: CloudSlice): LoweredCloud {
    const lowered = super.lower(slice);
    const name = slice.plan.document.description?.id ?? "none";
    for (const node of lowered.nodes) {
      const m = /^vm-(\d+)-server$/.exec(node.id);
      if (!m || node.type !== "command:local:Command") continue;
      const vmId = Number(m[1]);
      const fails = this.failures.get(name)?.get(vmId) ?? 0;
      const log = join(this.dir, `${name}.log`);
      const counter = join(this.dir, `${name}-${vmId}.count`);
      const original = String(node.args.create);
      const script =
        `echo "start ${vmId} $(date +%s%N)" >> ${log}; sleep 1; ` +
        `n=$(( $(cat ${counter} 2>/dev/null || echo 0) + 1 )); echo $n > ${counter}; ` +
        `echo "end ${vmId} $(date +%s%N)" >> ${log}; ` +
        `if [ $n -le ${fails} ]; then echo "probe failure of VM ${vmId} at attempt $n" >&2; exit 1; fi; ` +
        original;
      node.args = { ...node.args, create: script };
    }
    return lowered;
  }

  override async readBack(vm: PlannedVm): Promise<VmFacts> {
    if (this.readBackFails) throw new Error("the probe cloud does not answer");
    return super.readBack(vm);
  }
}

interface Interval {
  vm: number;
  start: number;
  end: number;
}

async function intervals(file: string): Promise<Interval[]> {
  const starts = new Map<number, number[]>();
  const out: Interval[] = [];
  for (const line of (await readFile(file, "utf8")).trim().split("\n")) {
    const [kind, vm, ns] = line.split(" ");
    const t = Number(BigInt(ns!) / 1_000_000n);
    if (kind === "start") starts.set(Number(vm), [...(starts.get(Number(vm)) ?? []), t]);
    else out.push({ vm: Number(vm), start: starts.get(Number(vm))!.shift()!, end: t });
  }
  return out;
}

let dir: string;
let driver: ProbeDriver;
let server: TestServer;
const H = { authorization: AUTH };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "radl-launch-"));
  driver = new ProbeDriver(dir);
  server = await startTestServer({
    drivers: driverRegistry([driver]),
    cfg: {
      MAX_SIMULTANEOUS_LAUNCHES: 2,
      MAX_VM_FAILS: 3,
      DELAY_BETWEEN_VM_RETRIES: 1,
      VM_INFO_UPDATE_FREQUENCY: 0,
      VM_INFO_UPDATE_ERROR_GRACE_PERIOD: 2,
    },
  });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const radl = (name: string, count: number) =>
  `description ${name} (name = '${name}')\nnetwork net ()\n` +
  `system web (cpu.count >= 1 and net_interface.0.connection = 'net' and disk.0.image.url = 'mock0://x/y')\n` +
  `deploy web ${count}\n`;

async function vmStates(id: string): Promise<{ state: string; vm_states: Record<string, string> }> {
  const res = await server.request("GET", `/infrastructures/${id}/state`, { headers: H });
  assert.equal(res.status, 200, res.body);
  return (JSON.parse(res.body) as { state: { state: string; vm_states: Record<string, string> } }).state;
}

test(
  "MAX_SIMULTANEOUS_LAUNCHES = 2: five VMs launch two at a time, in batches of ascending ids",
  { timeout: 180_000 },
  async () => {
    const res = await server.request("POST", "/infrastructures", { headers: H, body: radl("batches", 5) });
    assert.equal(res.status, 200, res.body);
    const runs = await intervals(join(dir, "batches.log"));
    assert.deepEqual(runs.map((r) => r.vm).sort(), [0, 1, 2, 3, 4], "each VM launched once");
    let most = 0;
    for (const r of runs) {
      const overlapping = runs.filter((o) => o.start <= r.start && o.end > r.start).length;
      most = Math.max(most, overlapping);
    }
    assert.equal(most, 2, `at most two launches at once, and two did run together: ${JSON.stringify(runs)}`);
    const at = (vm: number) => runs.find((r) => r.vm === vm)!;
    for (const [later, earlier] of [
      [
        [2, 3],
        [0, 1],
      ],
      [[4], [2, 3]],
    ] as const) {
      for (const l of later) {
        for (const e of earlier) assert.ok(at(l).start >= at(e).end, `VM ${l} starts after VM ${e} ended`);
      }
    }
    const state = await vmStates(String(res.headers.infid));
    assert.deepEqual(Object.keys(state.vm_states), ["0", "1", "2", "3", "4"]);
  },
);

test(
  "MAX_VM_FAILS = 3: a VM is tried three times, DELAY_BETWEEN_VM_RETRIES apart, then ends failed with every reason",
  { timeout: 240_000 },
  async () => {
    driver.failures.set(
      "retries",
      new Map([
        [0, 99],
        [1, 1],
      ]),
    );
    const res = await server.request("POST", "/infrastructures", { headers: H, body: radl("retries", 2) });
    assert.equal(res.status, 200, `one VM launched, so the create succeeds: ${res.body}`);
    const id = String(res.headers.infid);
    assert.equal((await readFile(join(dir, "retries-0.count"), "utf8")).trim(), "3", "VM 0: three attempts");
    assert.equal(
      (await readFile(join(dir, "retries-1.count"), "utf8")).trim(),
      "2",
      "VM 1: failed once, then ran",
    );
    const attempts0 = (await intervals(join(dir, "retries.log"))).filter((r) => r.vm === 0);
    for (let i = 1; i < attempts0.length; i++) {
      assert.ok(attempts0[i]!.start - attempts0[i - 1]!.end >= 1000, "retries are one second apart");
    }
    const state = await vmStates(id);
    assert.equal(state.vm_states["0"], "failed");
    assert.notEqual(state.vm_states["1"], "failed");
    assert.equal(state.state, "failed", "§4.4: any failed VM makes the infrastructure failed");
    const contmsg = await server.request("GET", `/infrastructures/${id}/vms/0/contmsg`, { headers: H });
    assert.equal(contmsg.status, 200);
    for (const n of [1, 2, 3]) {
      assert.match(contmsg.body, new RegExp(`Attempt ${n}: [\\s\\S]*?probe failure of VM 0 at attempt ${n}`));
    }
    assert.doesNotMatch(contmsg.body, /Attempt 4/);
    const vm1 = await server.request("GET", `/infrastructures/${id}/vms/1/contmsg`, { headers: H });
    assert.doesNotMatch(vm1.body, /Attempt/, "the VM that ran in the end carries no launch error");
    // the failed VM is out of the stack: removing it works and leaves VM 1 alone
    const removed = await server.request("DELETE", `/infrastructures/${id}/vms/0?context=0`, { headers: H });
    assert.equal(removed.status, 200, removed.body);
    assert.deepEqual(Object.keys((await vmStates(id)).vm_states), ["1"]);
  },
);

test(
  "when every VM of a create uses up its attempts the create fails with each attempt's reason",
  { timeout: 240_000 },
  async () => {
    driver.failures.set("doomed", new Map([[0, 99]]));
    const res = await server.request("POST", "/infrastructures", { headers: H, body: radl("doomed", 1) });
    assert.equal(res.status, 400);
    assert.match(res.body, /^Error Creating Inf\.: Error adding VMs: /);
    assert.match(res.body, /Attempt 3: [\s\S]*?probe failure of VM 0 at attempt 3/);
    assert.equal((await readFile(join(dir, "doomed-0.count"), "utf8")).trim(), "3");
    const list = await server.request("GET", "/infrastructures", { headers: H });
    assert.ok(!list.body.includes(String(res.headers.infid ?? "none")));
    assert.equal(list.body.split("\n").filter(Boolean).length, 2, "only the two earlier infrastructures");
  },
);

test(
  "VM_INFO_UPDATE_ERROR_GRACE_PERIOD: failed read-backs keep the last state, then `unknown`, until the cloud answers again",
  { timeout: 180_000 },
  async () => {
    const res = await server.request("POST", "/infrastructures", { headers: H, body: radl("grace", 1) });
    assert.equal(res.status, 200, res.body);
    const id = String(res.headers.infid);
    const healthy = (await vmStates(id)).vm_states["0"];
    assert.ok(healthy === "configured" || healthy === "running", healthy);
    driver.readBackFails = true;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await vmStates(id)).vm_states["0"], healthy, "within the grace period: last state");
      await new Promise((r) => setTimeout(r, 3000));
      const late = await vmStates(id);
      assert.equal(late.vm_states["0"], "unknown");
      assert.equal(late.state, "unknown");
      const info = await server.request("GET", `/infrastructures/${id}/vms/0/state`, { headers: H });
      assert.equal(info.body, "unknown");
    } finally {
      driver.readBackFails = false;
    }
    assert.equal(
      (await vmStates(id)).vm_states["0"],
      healthy,
      "back to the real state once the cloud answers",
    );
  },
);
