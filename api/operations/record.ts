import type { JsonObject } from "../store/types.js";
import type { ProviderState } from "./state.js";

/** One VM of the record (§6.5 VM object keys, without its credentials). */
export interface StoredVm {
  im_id: number;
  creation_im_id: number;
  /** The provider's id (instance id); null until launched. */
  id: string | null;
  cloud: { id: string; type: string; server?: string; port?: number; protocol?: string; path?: string };
  system: string;
  state: ProviderState;
  configured: boolean | null;
  destroy: boolean;
  deleting: boolean;
  creating: boolean;
  cont_out: string;
  error_msg: string | null;
  /** Epoch seconds of the last successful refresh. */
  last_update: number;
  creation_date: number;
  /** NIC index → address, from the stack outputs. */
  ips: Record<string, string>;
  cpu: number | null;
  memory_mb: number | null;
}

/** The serialised infrastructure kept in `InfrastructureRecord.data` (§6.1, §6.5 keys). */
export interface InfData {
  id: string;
  /** The accumulated RADL as text. */
  radl: string;
  extra_info: Record<string, string>;
  cont_out: string;
  configured: boolean | null;
  deleting: boolean;
  /** AddResource in progress (destroy answers 409 meanwhile). */
  adding: boolean;
  deleted: boolean;
  creation_date: number;
  vm_master: number | null;
  vm_id: number;
  system_counter: number;
  private_networks: Record<string, string>;
  snapshots: string[];
  vm_list: StoredVm[];
}

export function toJson(data: InfData): JsonObject {
  return data as unknown as JsonObject;
}

export function fromJson(data: JsonObject): InfData {
  return data as unknown as InfData;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `<local timestamp YYYY-MM-DD HH:MM:SS.ffffff>: <message>\n` (§4.6). */
export function logLine(message: string, at = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp =
    `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ` +
    `${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}.${p(at.getMilliseconds() * 1000, 6)}`;
  return `${stamp}: ${message}\n`;
}
