import { StoreInputError } from "./errors.js";
import {
  JOB_STATES,
  type JobGuard,
  type JobRecord,
  type JobState,
  type JsonObject,
  type JsonValue,
  type StoredOwner,
} from "./types.js";

/** Checks shared by every backend, so that all of them refuse the same inputs before writing. */

export function checkId(id: unknown, what = "infrastructure id"): string {
  if (
    typeof id !== "string" ||
    id.length === 0 ||
    id.length > 255 ||
    [...id].some((c) => c.charCodeAt(0) < 0x20)
  ) {
    throw new StoreInputError(`Invalid ${what}: ${JSON.stringify(id)} (1 to 255 printable characters)`);
  }
  return id;
}

export function checkOwners(owners: unknown): StoredOwner[] {
  if (!Array.isArray(owners)) throw new StoreInputError("owners must be an array");
  return owners.map((o, i) => {
    const { username, key, tokenOnly, oidc } = (o ?? {}) as Record<string, unknown>;
    if (typeof username !== "string" || username.length > 255) {
      throw new StoreInputError(`owner ${i}: username must be a string of at most 255 characters`);
    }
    if (typeof key !== "string" || !/^s1:[A-Za-z0-9_-]{20,100}$/.test(key)) {
      throw new StoreInputError(`owner ${i}: key must come from OwnerHasher`);
    }
    if (typeof tokenOnly !== "boolean" || typeof oidc !== "boolean") {
      throw new StoreInputError(`owner ${i}: tokenOnly and oidc must be booleans`);
    }
    return { username, key, tokenOnly, oidc };
  });
}

/** Serialises a JSON object, refusing what JSON cannot carry faithfully. */
export function jsonText(value: unknown, what: string): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new StoreInputError(`${what} must be a JSON object`);
  }
  return jsonValueText(value, what);
}

export function jsonValueText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`non-finite number ${v}`);
      if (typeof v === "function" || typeof v === "symbol") throw new Error(`a ${typeof v} is not JSON`);
      return v;
    });
  } catch (err) {
    throw new StoreInputError(`${what} is not serialisable as JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === undefined) throw new StoreInputError(`${what} is not serialisable as JSON`);
  return text;
}

export function parseJsonObject(text: string): JsonObject {
  return JSON.parse(text) as JsonObject;
}

export function parseJsonValue(text: string | null): JsonValue {
  return text === null ? null : (JSON.parse(text) as JsonValue);
}

export function checkJobState(state: unknown): JobState {
  if (!JOB_STATES.includes(state as JobState)) {
    throw new StoreInputError(`Invalid job state ${JSON.stringify(state)} (one of ${JOB_STATES.join(", ")})`);
  }
  return state as JobState;
}

export function checkDate(date: unknown, what: string): number {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new StoreInputError(`${what} must be a valid date`);
  return date.getTime();
}

export function checkTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== "number" || !Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new StoreInputError("lease ttlMs must be a positive integer");
  }
  return ttlMs;
}

export function checkKind(kind: unknown): string {
  if (typeof kind !== "string" || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(kind)) {
    throw new StoreInputError(`Invalid job kind ${JSON.stringify(kind)}`);
  }
  return kind;
}

export function checkAttempts(attempts: unknown): number {
  if (typeof attempts !== "number" || !Number.isInteger(attempts) || attempts < 0) {
    throw new StoreInputError("job attempts must be a non-negative integer");
  }
  return attempts;
}

export function checkJobId(id: unknown): string {
  if (typeof id !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
    throw new StoreInputError(`Invalid job id ${JSON.stringify(id)} (1 to 64 letters, digits, _ . : -)`);
  }
  return id;
}

export function jobConflict(job: JobRecord, guard: JobGuard): string {
  const wanted = [
    guard.states ? `state ${guard.states.join(" or ")}` : "",
    guard.holder !== undefined ? `holder ${guard.holder ?? "none"}` : "",
  ].filter(Boolean);
  return `Job ${job.id} (state ${job.state}, holder ${job.holder ?? "none"}) does not have ${wanted.join(" and ")}`;
}
