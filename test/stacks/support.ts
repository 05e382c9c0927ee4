import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as command from "@pulumi/command";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { StackManager, type StackManagerOptions } from "../../stacks/stack-manager.js";

/** A fresh data directory under the system temp dir; `cleanup` removes it. */
export async function tempDataDir(
  prefix = "radl-stacks-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A StackManager on a temp data dir with a fixed passphrase (tests need no generated one). */
export function openManager(dataDir: string, extra: StackManagerOptions = {}): Promise<StackManager> {
  return StackManager.open({ dataDir, passphrase: "test-passphrase", ...extra });
}

/**
 * An inline program of `local.Command` resources, one per entry (name → shell command run on
 * create); each command's stdout is a stack output of the same name.
 */
export function commandsProgram(commands: Record<string, string>): PulumiFn {
  return async () => {
    const outputs: Record<string, unknown> = {};
    for (const [name, create] of Object.entries(commands)) {
      const resource = new command.local.Command(name, { create });
      outputs[name] = resource.stdout;
    }
    return outputs;
  };
}

/** `count` commands named vm-0..vm-N-1 that each print a value unique to the resource. */
export function vmCommands(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, `echo ${n}-$(date +%s%N)`]));
}
