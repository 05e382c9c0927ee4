import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation/index.js";
import type { Io } from "./io.js";

const DOING: Partial<Record<OpType, [string, string]>> = {
  create: ["creating", "created"],
  update: ["updating", "updated"],
  delete: ["deleting", "deleted"],
  replace: ["replacing", "replaced"],
  "create-replacement": ["creating replacement", "created replacement"],
  "delete-replaced": ["deleting replaced", "deleted replaced"],
  read: ["reading", "read"],
  refresh: ["refreshing", "refreshed"],
};

const WOULD: Partial<Record<OpType, string>> = {
  create: "would create",
  update: "would update",
  delete: "would delete",
  replace: "would replace",
  "create-replacement": "would create replacement",
  "delete-replaced": "would delete replaced",
};

/** Provider instances are an engine detail; the display shows the resources users asked for. */
function shown(type: string): boolean {
  return !type.startsWith("pulumi:providers:");
}

/** The resource's logical name and type from its URN (`urn:pulumi:stack::project::type::name`). */
function describe(urn: string, type: string): string {
  const name = urn.split("::").pop() ?? urn;
  return `${name} (${type})`;
}

/** "3 created, 2 unchanged" from an engine summary. */
export function formatChanges(changes: OpMap | undefined, preview = false): string {
  const parts: string[] = [];
  for (const [op, count] of Object.entries(changes ?? {})) {
    if (!count) continue;
    const word = op === "same" ? "unchanged" : preview ? `to ${op}` : (DOING[op as OpType]?.[1] ?? op);
    parts.push(`${count} ${word}`);
  }
  return parts.length === 0 ? "no resources" : parts.join(", ");
}

/**
 * One line per resource step from engine events: "creating vm-0-server (...)", then "created" or
 * "failed"; unchanged resources are not shown. Diagnostics of severity error are shown once.
 */
export function progressPrinter(io: Io, options: { preview?: boolean } = {}): (event: EngineEvent) => void {
  return (event) => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same" && shown(pre.type)) {
      if (options.preview) {
        const word = WOULD[pre.op];
        if (word) io.out(`  ${word} ${describe(pre.urn, pre.type)}\n`);
      } else {
        io.out(`  ${DOING[pre.op]?.[0] ?? pre.op} ${describe(pre.urn, pre.type)}\n`);
      }
      return;
    }
    const done = event.resOutputsEvent?.metadata;
    if (done && done.op !== "same" && !options.preview && shown(done.type)) {
      io.out(`  ${DOING[done.op]?.[1] ?? done.op} ${describe(done.urn, done.type)}\n`);
      return;
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) {
      io.out(`  failed ${describe(failed.urn, failed.type)}\n`);
      return;
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && diagnostic.severity === "error" && !diagnostic.ephemeral) {
      const text = diagnostic.message.trim();
      if (text) io.err(`  error: ${text.split("\n")[0]}\n`);
    }
  };
}

/** Exit status of an operation stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs `operation` with a signal that the first Ctrl-C aborts (the engine is interrupted and the
 * stack left consistent); a second Ctrl-C exits at once.
 */
export async function withInterrupt<T>(io: Io, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    io.err("radl: interrupted, cancelling the operation (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await operation(controller.signal);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
