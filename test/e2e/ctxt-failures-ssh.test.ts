/**
 * Failure cases of the master's SSH (spec contextualization.md §3.7 F1/F2, §4) and host-key pinning
 * (§2.7, §6.5) through the real engine: the CommandContextualizer's graph with the server's probe
 * (`waitProbe: "server"`) brought `up` by the StackManager on one shared rig.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { lowerPlanDetailed } from "../../compiler/plan/lower.js";
import { planDeployment } from "../../compiler/plan/plan.js";
import { driverRegistry } from "../../providers/registry.js";
import { registerGraph } from "../../runtime/register.js";
import { parseStepOutput } from "../../runtime/contextualize/contmsg.js";
import {
  CommandContextualizer,
  type CommandContextualizerOptions,
} from "../../runtime/contextualize/graph.js";
import { generateServerKey } from "../../runtime/contextualize/server-key.js";
import { hostKeyFingerprint, normalizeHostKey } from "../../runtime/contextualize/ssh-probe.js";
import { StackManager } from "../../stacks/stack-manager.js";
import {
  radlDocument,
  requireRig,
  rigFixture,
  rigLeftovers,
  startRig,
  type DocSpec,
  type Rig,
} from "../support/rig.js";

let rig: Rig;
let manager: StackManager | undefined;
const serverKey = generateServerKey();
const WRONG_PW = "Wr0ng+Secret";

before(async () => {
  requireRig();
  rig = await startRig({ workers: 1 });
  manager = await StackManager.open({
    dataDir: join(rig.dir, "data"),
    passphrase: "rig-passphrase",
    parallelism: 4,
  });
});

after(async () => {
  await manager?.close({ cancel: true });
  if (rig) {
    const id = rig.id;
    await rig.down();
    assert.deepEqual(rigLeftovers(id), []);
  }
});

/** The master alone, with a one-task recipe: the shortest run that goes through every node. */
function frontOnly(change: (spec: DocSpec) => void = () => {}): DocSpec {
  const spec = rigFixture(rig);
  delete spec.systems.wn;
  spec.configures = { front: "- tasks:\n  - name: Say hello\n    debug: msg=hello\n" };
  spec.deploys = { front: 1 };
  spec.items = [{ system: "front", configure: "front", step: 1 }];
  change(spec);
  return spec;
}

async function up(
  stack: string,
  spec: DocSpec,
  options: Partial<CommandContextualizerOptions> & { waitSshAccessTimeout?: number },
): Promise<{ error?: Error; outputs?: Record<string, { value: unknown }>; seconds: number }> {
  const doc = radlDocument(spec);
  const drivers = driverRegistry();
  const auth = [{ id: "dn", type: "DeployedNode" }];
  const plan = await planDeployment({ infId: stack, document: doc, auth, drivers });
  const bundleRoot = join(rig.dir, "bundles");
  mkdirSync(bundleRoot, { recursive: true });
  const ctxt = new CommandContextualizer({
    generation: 1,
    serverKey,
    bundleRoot,
    waitProbe: "server",
    ...options,
    settings: { waitSshAccessTimeout: options.waitSshAccessTimeout ?? 60 },
  });
  const lowered = lowerPlanDetailed(plan, drivers, { contextualizer: ctxt, auth });
  ctxt.writeBundle({ plan, vms: lowered.vms, nodes: lowered.graph.nodes });
  const started = Date.now();
  // The engine's diagnostics carry the failing command's output (the error keeps only its first line).
  let diagnostics = "";
  try {
    const r = await manager!.up(stack, () => registerGraph(lowered.graph), {
      onEvent: (e) => {
        const d = e.diagnosticEvent;
        if (d !== undefined && (d.severity as string) !== "debug") diagnostics += `${d.message}\n`;
      },
    });
    return { outputs: r.outputs, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    const error = new Error(`${(e as Error).message}\n${diagnostics}`);
    return { error, seconds: (Date.now() - started) / 1000 };
  }
}

function authorizedKeysOfMaster(): string {
  const f = join(rig.master.root, "home", rig.user, ".ssh/authorized_keys");
  return existsSync(f) ? readFileSync(f, "utf8") : "";
}

test(
  "F2: a wrong master password fails after 3 authentication failures, in seconds, naming user, host and methods",
  { timeout: 300_000 },
  async () => {
    const r = await up(
      "f2",
      frontOnly((s) => {
        s.systems.front!["disk.0.os.credentials.password"] = WRONG_PW;
      }),
      {},
    );
    assert.ok(r.error, "the up fails");
    const msg = r.error.message;
    assert.match(msg, /Error Waiting the Master VM to have the SSH active: incorrect credentials\./);
    assert.match(
      msg,
      new RegExp(
        `${rig.user}@${rig.master.publicIp!.replaceAll(".", "\\.")}:22 refused authentication 3 times`,
      ),
    );
    assert.match(msg, /methods tried: publickey,password; the server accepts: publickey,password/);
    const seconds = Number(/refused authentication 3 times in ([\d.]+) s/.exec(msg)?.[1]);
    assert.ok(seconds < 15, `gave up after ${seconds} s`);
    for (const s of [WRONG_PW, rig.masterPassword, serverKey.privateKey.split("\n")[1]!])
      assert.equal(msg.includes(s), false, "no secret in the message");
    // nothing changed on the VM, no step ran
    assert.equal(authorizedKeysOfMaster().includes(serverKey.publicKey.trim()), false);
    assert.equal(existsSync(join(rig.master.root, "vartmp/.im/f2")), false);
  },
);

test(
  "F1: SSH that never comes up ends the wait at WAIT_SSH_ACCCESS_TIMEOUT with the network error",
  { timeout: 300_000 },
  async () => {
    const silent = `${rig.serverIp.split(".").slice(0, 3).join(".")}.99`; // nobody answers ARP there
    const r = await up(
      "f1",
      frontOnly((s) => {
        s.systems.front!["net_interface.0.ip"] = silent;
      }),
      { waitSshAccessTimeout: 20 },
    );
    assert.ok(r.error, "the up fails");
    const msg = r.error.message;
    assert.match(msg, /Error Waiting the Master VM to have the SSH active: Timeout waiting SSH access/);
    assert.match(
      msg,
      new RegExp(`${silent.replaceAll(".", "\\.")}:22: (i/o timeout|EHOSTUNREACH|connection refused)`),
    );
    const waited = Number(/gave up after ([\d.]+) s of 20 s/.exec(msg)?.[1]);
    assert.ok(waited >= 10 && waited <= 35, `waited ${waited} s`);
    assert.ok(r.seconds < 120, `the whole up took ${r.seconds} s`);
    // no step node ran: the master (a real one elsewhere) was never touched, VMs stay unconfigured
    assert.doesNotMatch(msg, /IM-CTXT-RESULT/);
  },
);

test(
  "host keys: first contact records the master's key, a later run verifies it, a changed key is refused naming the VM",
  { timeout: 600_000 },
  async () => {
    const real = normalizeHostKey(
      readFileSync(join(rig.master.root, "etc/ssh/ssh_host_ed25519_key.pub"), "utf8"),
    )!;
    const first = await up("hk", frontOnly(), {});
    assert.equal(first.error, undefined, first.error?.message);
    const info = first.outputs!.ctxt!.value as { hostKeys?: Record<string, string> };
    assert.equal(info.hostKeys?.["0"]?.trim(), real, "the probe's key is what the server records");
    // what the probe leaves for the server's live log follower: the endpoint and key, no secret
    const endpointText = readFileSync(join(rig.dir, "bundles", "hk", "master-gen-1.json"), "utf8");
    assert.deepEqual(JSON.parse(endpointText), {
      host: rig.master.publicIp,
      port: 22,
      user: rig.user,
      hostKey: real,
      proxied: false,
    });
    assert.ok(!endpointText.includes(rig.masterPassword));
    const steps = first.outputs!.ctxtSteps!.value as Record<string, string>;
    for (const [node, out] of Object.entries(steps))
      assert.equal(parseStepOutput(out).result?.ok, true, `${node} ran with the pinned key:\n${out}`);

    // A later run with the recorded key verifies it (and works).
    const again = await up("hk", frontOnly(), { generation: 2, hostKeys: { 0: real } });
    assert.equal(again.error, undefined, again.error?.message);

    // The VM now presents another key: the probe refuses before anything runs.
    const other = normalizeHostKey(serverKey.publicKey)!;
    const changed = await up("hk", frontOnly(), { generation: 3, hostKeys: { 0: other } });
    assert.ok(changed.error, "a changed key fails the run");
    assert.match(changed.error.message, /The host key of the master VM front \(VM 0\) \([\d.]+:22\) changed/);
    assert.ok(changed.error.message.includes(hostKeyFingerprint(other)), changed.error.message);
    assert.equal(
      existsSync(join(rig.master.root, "vartmp/.im/hk/run/3")),
      false,
      "no step of generation 3 ran",
    );
  },
);
