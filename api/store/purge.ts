import { StoreInputError } from "./errors.js";
import type { InfrastructureStore } from "./types.js";

/**
 * The date argument of `radl purge --before DATE` (the reference's delete_old_infs takes
 * `YYYY-MM-DD`, also with `/`): midnight UTC of that day.
 */
export function parsePurgeDate(text: string): Date {
  const m = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(text.trim());
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !date || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) {
    throw new StoreInputError(`Invalid date ${JSON.stringify(text)}: expected YYYY-MM-DD`);
  }
  return date;
}

/** Deletes the records marked deleted whose last write is before `DATE`; returns how many. */
export async function purgeBefore(store: InfrastructureStore, text: string): Promise<number> {
  return store.purgeDeletedBefore(parsePurgeDate(text));
}
