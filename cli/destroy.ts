import { parseCommandArgs, type Command } from "./command.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";
import { progressPrinter } from "./progress.js";
import { ENVIRONMENT_HELP, loadStackLayer, runInterruptible } from "./up.js";

export const destroyCommand: Command = {
  name: "destroy",
  summary: "delete every resource of a stack, then the stack",
  usage: "radl destroy --stack NAME",
  details: `Deletes every resource of stack NAME through the Pulumi engine, then the stack itself and
its stored plan.

${ENVIRONMENT_HELP}

Exit status: 0 destroyed, 1 no such stack or failed operation, 2 usage error, 130 interrupted.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("destroy", args, { stack: { type: "string" } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, "destroy");
    if (values.stack === undefined) throw new UsageError("--stack NAME is needed", "destroy");
    const stack = values.stack;
    const layer = await loadStackLayer();
    const manager = await layer.StackManager.open();
    try {
      return await runInterruptible(io, async (signal) => {
        io.out(`Destroying stack ${stack}\n`);
        await layer.destroyDeployment(manager, stack, {
          signal,
          onEvent: progressPrinter(io),
          message: "radl destroy",
        });
        io.out(`Stack ${stack} destroyed and removed\n`);
        return EXIT_OK;
      });
    } finally {
      await manager.close();
    }
  },
};
