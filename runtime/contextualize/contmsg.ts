/**
 * contmsg pieces (spec contextualization.md §1.11, §2.9): the step output of `bin/run-step` split into
 * the VM log and its `IM-CTXT-RESULT` line, infrastructure log lines, and the reading the IM's TOSCA
 * layer does on a VM log (`Launch task:`, `TASK [`, `=> {json}`), which our logs must keep working.
 */

export interface StepTaskResult {
  name: string;
  ok: boolean;
  attempts: number;
  rc: number;
}

export interface StepResult {
  vm: number;
  stage: string;
  ok: boolean;
  skipped: boolean;
  tasks: StepTaskResult[];
  credsChanged?: boolean;
}

const RESULT_PREFIX = "IM-CTXT-RESULT ";

/** Splits run-step's stdout: the log without the result line, and the parsed result (if any). */
export function parseStepOutput(stdout: string): { log: string; result?: StepResult } {
  const lines = stdout.split("\n");
  let result: StepResult | undefined;
  const kept: string[] = [];
  for (const line of lines) {
    if (line.startsWith(RESULT_PREFIX)) {
      try {
        result = JSON.parse(line.slice(RESULT_PREFIX.length)) as StepResult;
      } catch {
        kept.push(line);
      }
    } else {
      kept.push(line);
    }
  }
  // IM drops non-ASCII characters from VM logs.
  const log = [...kept.join("\n")]
    .filter((c) => c === "\t" || c === "\n" || c === "\r" || (c >= " " && c <= "~"))
    .join("");
  return result === undefined ? { log } : { log, result };
}

/** One infrastructure log line, `<timestamp>: <message>` as the IM writes them. */
export function infrastructureLine(message: string, when: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  const ts = `${when.getUTCFullYear()}-${pad(when.getUTCMonth() + 1)}-${pad(when.getUTCDate())} ${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}:${pad(when.getUTCSeconds())}.${String(when.getUTCMilliseconds()).padStart(3, "0")}`;
  return `${ts}: ${message}\n`;
}

/** The VM's status line closing its log for a run. */
export function vmStatusLine(results: StepResult[]): string {
  const failed = results.find((r) => !r.ok);
  if (failed === undefined) return "Contextualization finished successfully.\n";
  const task = failed.tasks.find((t) => !t.ok)?.name ?? failed.stage;
  return failed.skipped
    ? `Contextualization skipped step ${failed.stage}.\n`
    : `Contextualization failed at ${task}.\n`;
}

/**
 * What the IM's TOSCA layer extracts from a VM log for one task: split on `Launch task: `, then on
 * `TASK [<name>] `, then the first `<state>: [host]` line and its `=> {json}` result.
 */
export function taskResultFromLog(
  log: string,
  launch: string,
  taskName: string,
): { state: string; host: string; result?: unknown } | undefined {
  for (const part of log.split("Launch task: ").slice(1)) {
    if (!part.startsWith(launch)) continue;
    for (const task of part.split("TASK [").slice(1)) {
      const end = task.indexOf("]");
      if (task.slice(0, end) !== taskName) continue;
      const m = /^(ok|changed|failed|fatal|skipping): \[([^\]]+)\](?: => (\{[\s\S]*?\n\}))?/m.exec(task);
      if (m === null) return undefined;
      let result: unknown;
      if (m[3] !== undefined) {
        try {
          result = JSON.parse(m[3]);
        } catch {
          result = undefined;
        }
      }
      return { state: m[1]!, host: m[2]!, ...(result === undefined ? {} : { result }) };
    }
  }
  return undefined;
}
