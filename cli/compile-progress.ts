/**
 * Planning is where `radl compile` may wait on clouds (discovery of what the RADL does not pin). After a
 * moment it says so on stderr, and an aborted signal (Ctrl-C) stops the wait at once: nothing has been
 * written yet, so stopping leaves DIR as it was.
 */
import { RadlPulumiError } from "../compiler/errors.js";

/** Ctrl-C during planning. Exit status 130. */
export class CompileCancelledError extends RadlPulumiError {
  constructor() {
    super("E-CLI-CANCELLED", "compile cancelled during discovery; nothing was written");
  }
}

export interface PlanWaitOptions {
  signal?: AbortSignal;
  /** Called once when planning takes longer than `noticeAfterMs`. */
  onSlow?: () => void;
  /** Default 1000 ms. */
  noticeAfterMs?: number;
}

/** `work`, raced against `signal`; `onSlow` fires once if it is still running after the delay. */
export async function awaitPlanning<T>(work: Promise<T>, options: PlanWaitOptions): Promise<T> {
  const { signal, onSlow } = options;
  if (signal?.aborted) throw new CompileCancelledError();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CompileCancelledError());
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  if (onSlow !== undefined) {
    timer = setTimeout(onSlow, options.noticeAfterMs ?? 1000);
    timer.unref();
  }
  try {
    return await Promise.race([work, cancelled]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    // a planning that goes on after a cancel must not end the process with an unhandled rejection
    work.catch(() => undefined);
  }
}
