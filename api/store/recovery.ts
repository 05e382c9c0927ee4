import { StoreConflictError } from "./errors.js";
import type { InfrastructureStore, JobRecord } from "./types.js";
import { UNFINISHED_JOB_STATES } from "./types.js";

/** The lease a live server holds (and renews) so that others leave its jobs alone. */
export function serverLeaseName(serverId: string): string {
  return `server:${serverId}`;
}

export interface RecoveryResult {
  /** Claimed by this server, to be run again (state `queued`, attempts + 1). */
  resumed: JobRecord[];
  /** Ended `failed` with the reason given. */
  failed: JobRecord[];
  /** Left alone: held by another server whose lease is live, or claimed by another server meanwhile. */
  skipped: JobRecord[];
}

/**
 * On start-up: every unfinished job whose server is gone (no holder, this server's old holder
 * id, or a holder whose server lease expired) is either claimed to be resumed or ended as
 * failed, as `decide` says. Claims are guarded by the job's state, so two servers recovering at
 * once never both take a job. Nothing is left pending forever.
 */
export async function recoverJobs(
  store: InfrastructureStore,
  serverId: string,
  decide: (job: JobRecord) => "resume" | "fail",
  failReason = "Interrupted by a server restart",
): Promise<RecoveryResult> {
  const result: RecoveryResult = { resumed: [], failed: [], skipped: [] };
  for (const job of await store.listJobs({ states: UNFINISHED_JOB_STATES })) {
    if (job.holder && job.holder !== serverId) {
      const lease = await store.getLease(serverLeaseName(job.holder));
      if (lease && lease.holder === job.holder && lease.expiresAt.getTime() > Date.now()) {
        result.skipped.push(job);
        continue;
      }
    }
    const claim = { states: [job.state], holder: job.holder };
    try {
      if (decide(job) === "resume") {
        result.resumed.push(
          await store.updateJob(
            job.id,
            { state: "queued", holder: serverId, attempts: job.attempts + 1 },
            claim,
          ),
        );
      } else {
        result.failed.push(
          await store.updateJob(job.id, { state: "failed", error: failReason, holder: null }, claim),
        );
      }
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      result.skipped.push(job);
    }
  }
  return result;
}
