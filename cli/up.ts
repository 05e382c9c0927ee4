import { basename, extname } from "node:path";
import { parseAuthText } from "../compiler/auth/index.js";
import { isError } from "../compiler/diagnostic.js";
import { loadRadl } from "../compiler/load.js";
import type { DeploymentInput } from "../stacks/deployment.js";
import { OperationCancelledError } from "../stacks/errors.js";
import { parseCommandArgs, type Command } from "./command.js";
import { reportDiagnostics } from "./diagnostics.js";
import { UsageError } from "./errors.js";
import { EXIT_INVALID, EXIT_OK } from "./exit-codes.js";
import { readInput } from "./input.js";
import type { Io } from "./io.js";
import { EXIT_INTERRUPTED, formatChanges, progressPrinter, withInterrupt } from "./progress.js";

export const ENVIRONMENT_HELP = `Environment: IM_DATA_DIR (data directory, default ./data: stored plans, passphrase, file
backend), PULUMI_BACKEND_URL (default file://<data>/state), PULUMI_CONFIG_PASSPHRASE (default a
passphrase generated once in the data directory).`;

const DEPLOY_OPTIONS = { auth: { type: "string" }, stack: { type: "string" } } as const;

/**
 * The drivers, the stack layer and the engine SDK, loaded when a command needs them: importing
 * them takes seconds, which `radl check` and `radl fmt` should not pay.
 */
export async function loadStackLayer() {
  const [deployment, stackManager, registry] = await Promise.all([
    import("../stacks/deployment.js"),
    import("../stacks/stack-manager.js"),
    import("../providers/registry.js"),
  ]);
  return { ...deployment, StackManager: stackManager.StackManager, driverRegistry: registry.driverRegistry };
}

/** FILE, --auth AUTHFILE and --stack of preview/up, read and checked; undefined if the RADL is invalid. */
export async function readDeploymentArgs(
  command: string,
  args: string[],
  io: Io,
): Promise<Omit<DeploymentInput, "drivers"> | undefined> {
  const { values, positionals } = parseCommandArgs(command, args, DEPLOY_OPTIONS);
  if (positionals.length !== 1) throw new UsageError("exactly one FILE is needed", command);
  if (values.auth === undefined) throw new UsageError("--auth AUTHFILE is needed", command);
  const input = await readInput(positionals[0]!, io);
  const authInput = await readInput(values.auth, io);
  const loaded = loadRadl(input.text, { source: input.source });
  reportDiagnostics(io, loaded.diagnostics, input.text);
  if (!loaded.document || loaded.diagnostics.some(isError)) return undefined;
  const auth = parseAuthText(authInput.text, { strict: true, source: authInput.source });
  return { stack: values.stack ?? stackNameOf(input.path), document: loaded.document, auth };
}

/** The default stack name: the file's name without extension, with characters stacks refuse replaced. */
function stackNameOf(path: string): string {
  const name = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, "-");
  return name === "" || name === "-" ? "radl" : name;
}

/** Runs a stack operation with Ctrl-C cancelling it; a cancelled operation exits 130. */
export async function runInterruptible(
  io: Io,
  body: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  try {
    return await withInterrupt(io, body);
  } catch (error) {
    if (error instanceof OperationCancelledError) {
      io.err(`radl: ${error.message}\n`);
      return EXIT_INTERRUPTED;
    }
    throw error;
  }
}

export const upCommand: Command = {
  name: "up",
  summary: "deploy a RADL file as a stack, or bring the stack in line with the file",
  usage: "radl up FILE --auth AUTHFILE [--stack NAME]",
  details: `Plans FILE with the clouds of AUTHFILE (IM auth lines, one item per line) and brings the
stack NAME (default: FILE's name) up to it through the Pulumi engine, showing each resource as it
changes. Running it again on the same file changes nothing; on an edited file, VMs are added or
removed (highest ids first) and the others keep their ids. Ctrl-C cancels the operation (exit 130).

${ENVIRONMENT_HELP}

Exit status: 0 deployed, 1 invalid input or failed operation, 2 usage error or unreadable file,
130 interrupted.`,

  async run(args, { io }) {
    const input = await readDeploymentArgs("up", args, io);
    if (!input) return EXIT_INVALID;
    const layer = await loadStackLayer();
    const { contextualize, launchGraph, recordedHostKeys } =
      await import("../stacks/contextualization-run.js");
    const store = await layer.DeploymentStore.configured();
    const prepared = await layer.prepareDeployment(store, { ...input, drivers: layer.driverRegistry() });
    const manager = await layer.StackManager.open();
    try {
      return await runInterruptible(io, async (signal) => {
        io.out(`Updating stack ${input.stack}\n`);
        const started = Date.now();
        const onEvent = progressPrinter(io);
        // Launching and contextualizing are two ups (spec contextualization.md §2.10). A plan that
        // did not change has a new generation of nothing: its single up re-runs no playbook.
        let launched: Record<string, number> | undefined;
        if (prepared.changed) {
          const launch = await layer.applyDeployment(
            manager,
            store,
            { ...prepared, graph: launchGraph(prepared.graph) },
            { signal, onEvent, message: "radl up (launch)" },
          );
          launched = launch.summary.resourceChanges as Record<string, number> | undefined;
        } else {
          await store.write(prepared.record);
        }
        const maxTime = input.document.contextualize.maxTime;
        const ctxt = await contextualize(manager, input.stack, prepared.graph, {
          signal,
          onEvent,
          message: "radl up (contextualize)",
          maxTimeSeconds: maxTime === 0 || maxTime.value <= 0 ? 7200 : maxTime.value,
        });
        if (ctxt.cancelled) throw new OperationCancelledError(input.stack, "up");
        const hostKeys = recordedHostKeys(ctxt.up?.outputs);
        if (Object.keys(hostKeys).length > 0) {
          await store.write({ ...prepared.record, hostKeys: { ...prepared.record.hostKeys, ...hostKeys } });
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const outputs = ctxt.up?.outputs ?? {};
        const vms = Object.keys((outputs.vms?.value ?? {}) as object).length;
        for (const [id, vm] of ctxt.vms) {
          io.out(`  vm ${id}: ${vm.configured ? "configured" : "unconfigured"}\n`);
          if (!vm.configured) io.err(indent(`vm ${id}`, vm.log));
        }
        if (!ctxt.ok) io.err(indent("contextualization", ctxt.infrastructureLog));
        io.out(
          `Stack ${input.stack}: ${formatChanges(bothUps(launched, ctxt.up?.summary.resourceChanges))}; ${vms} VMs; ` +
            `${ctxt.stepsRun} contextualization steps run (${seconds} s)\n`,
        );
        const allConfigured = ctxt.ok && [...ctxt.vms.values()].every((v) => v.configured);
        return allConfigured ? EXIT_OK : EXIT_INVALID;
      });
    } finally {
      await manager.close();
    }
  },
};

function indent(title: string, text: string): string {
  const lines = text.trimEnd().split("\n").slice(-40);
  return `${title}:\n${lines.map((l) => `    ${l}`).join("\n")}\n`;
}

/**
 * The changes of the launch `up` (when there was one) plus what the contextualization `up` changed
 * on top: resources the launch already counted are not counted again as unchanged.
 */
function bothUps(
  launch: Record<string, number> | undefined,
  ctxt: Record<string, number> | undefined,
): Record<string, number> | undefined {
  if (launch === undefined) return ctxt;
  const total = { ...launch };
  for (const [op, count] of Object.entries(ctxt ?? {})) {
    if (op !== "same") total[op] = (total[op] ?? 0) + count;
  }
  return total;
}
