import type { Command } from "./command.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { formatChanges, progressPrinter } from "./progress.js";
import { ENVIRONMENT_HELP, loadStackLayer, readDeploymentArgs, runInterruptible } from "./up.js";

export const previewCommand: Command = {
  name: "preview",
  summary: "show what `radl up` would change",
  usage: "radl preview FILE --auth AUTHFILE [--stack NAME]",
  details: `Plans FILE with the clouds of AUTHFILE exactly as "radl up" would, and lists the resources
the engine would create, update or delete in stack NAME (default: FILE's name). Changes nothing.

${ENVIRONMENT_HELP}

Exit status: 0 previewed, 1 invalid input or failed operation, 2 usage error or unreadable file,
130 interrupted.`,

  async run(args, { io }) {
    const input = await readDeploymentArgs("preview", args, io);
    if (!input) return EXIT_INVALID;
    const layer = await loadStackLayer();
    const store = await layer.DeploymentStore.configured();
    const prepared = await layer.prepareDeployment(store, { ...input, drivers: layer.driverRegistry() });
    const manager = await layer.StackManager.open();
    try {
      return await runInterruptible(io, async (signal) => {
        io.out(`Previewing stack ${input.stack}\n`);
        const outcome = await layer.previewPrepared(manager, prepared, {
          signal,
          onEvent: progressPrinter(io, { preview: true }),
        });
        const changes = Object.entries(outcome.changeSummary).filter(([op, n]) => op !== "same" && n);
        io.out(
          changes.length === 0
            ? `Stack ${input.stack}: no changes (${formatChanges(outcome.changeSummary, true)})\n`
            : `Stack ${input.stack}: ${formatChanges(outcome.changeSummary, true)}\n`,
        );
        return EXIT_OK;
      });
    } finally {
      await manager.close();
    }
  },
};
