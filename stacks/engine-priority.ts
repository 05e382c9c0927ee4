import { mkdir, readdir, rename, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { EngineInstallation } from "./engine.js";

/**
 * An engine root whose `bin/pulumi` runs the real CLI through `nice`, so the CLI and every
 * provider plugin it starts (they inherit the priority) yield the CPU to the server that
 * answers API requests. The other entries of the real `bin/` are linked in, because the
 * Automation API puts the CLI's folder first on the engine's PATH to find bundled plugins.
 * The folder is named after the real root and the niceness, so its content never changes once
 * written. `niceness` 0 returns the engine unchanged.
 */
export async function lowPriorityEngine(
  engine: EngineInstallation,
  niceness: number,
  dataDir: string,
): Promise<EngineInstallation> {
  if (niceness === 0) return engine;
  const root = join(dataDir, "engine-nice", `${basename(engine.root)}-n${niceness}`);
  const bin = join(root, "bin");
  const wrapper = join(bin, "pulumi");
  if (!existsSync(wrapper)) {
    await mkdir(bin, { recursive: true });
    const realBin = join(engine.root, "bin");
    for (const name of await readdir(realBin)) {
      if (name === "pulumi") continue;
      await symlink(join(realBin, name), join(bin, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
    }
    const quoted = `'${engine.pulumi.replaceAll("'", "'\\''")}'`;
    // renamed into place last: a half-written wrapper is never run
    const partial = `${wrapper}.${process.pid}.partial`;
    await writeFile(partial, `#!/bin/sh\nexec nice -n ${niceness} ${quoted} "$@"\n`, { mode: 0o755 });
    await rename(partial, wrapper);
  }
  return { ...engine, root, pulumi: wrapper };
}
