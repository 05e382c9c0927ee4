import { AuthFormatError } from "../../compiler/auth/errors.js";
import { authItemsFromXmlRpc } from "../../compiler/auth/forms.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import { stringifyRadlJson } from "../../compiler/json/encode.js";
import { printRadl } from "../../compiler/print.js";
import type { AuthContext } from "../auth/index.js";
import { FeatureEntries } from "../operations/feature-entries.js";
import { XmlRpcDateTime, XmlRpcDouble, type XmlRpcValue } from "./codec.js";
import type { XmlRpcOperations, XmlRpcRadlBody } from "./operations-port.js";
import { pythonRegexToJs } from "./python-regex.js";

/** What a call needs besides its arguments. */
export interface DispatchSettings {
  /** im-api §5.7: 0 normal, 1 read-only, 2 read + delete. Checked before the credentials. */
  bootMode: number;
  /** VMINFO_JSON: GetVMInfo answers RADL-JSON text. */
  vmInfoJson: boolean;
}

/** The answer to a dispatched call: a `[success, value]` pair, or a fault (dispatch problems only). */
export type DispatchResult = { fault: false; value: XmlRpcValue } | { fault: true; faultString: string };

type Gate = "read" | "write" | "delete";
type Args = (XmlRpcValue | undefined)[];

interface MethodSpec {
  /** Upstream parameter names: they appear in the arity fault texts. */
  params: readonly string[];
  required: number;
  gate: Gate | ((args: Args) => Gate);
  /** Index of the caller's auth array, absent for GetVersion. */
  auth?: number;
  run: (ops: XmlRpcOperations, ctx: AuthContext, args: Args, settings: DispatchSettings) => Promise<unknown>;
}

/** A failure with the IM's text, returned as `[false, message]`. */
class CallError extends Error {}

const INVALID_INF = "Invalid infrastructure ID or access not granted.";
const NO_CREDENTIALS = "No credentials provided for the InfrastructureManager.";

const method = (spec: MethodSpec) => spec;
const infMethod = (
  names: readonly string[],
  gate: Gate,
  run: (ops: XmlRpcOperations, ctx: AuthContext, infId: string) => Promise<unknown>,
) =>
  method({
    params: names,
    required: names.length,
    gate,
    auth: 1,
    run: (ops, ctx, a) => run(ops, ctx, infId(a[0])),
  });
const vmMethod = (
  gate: Gate,
  run: (ops: XmlRpcOperations, ctx: AuthContext, infId: string, vmId: string) => Promise<unknown>,
) =>
  method({
    params: ["inf_id", "vm_id", "auth_data"],
    required: 3,
    gate,
    auth: 2,
    run: (ops, ctx, a) => run(ops, ctx, infId(a[0]), vmId(a[1])),
  });

/** The 29 methods of im-xmlrpc.md §1.2, with the two misspelt aliases of §1.3. */
export const METHODS: Readonly<Record<string, MethodSpec>> = Object.freeze({
  GetVersion: method({ params: [], required: 0, gate: "read", run: async (ops) => ops.version() }),
  CreateInfrastructure: method({
    params: ["radl_data", "auth_data", "async_call"],
    required: 2,
    gate: "write",
    auth: 1,
    run: (ops, ctx, a) => ops.createInfrastructure(ctx, radlBody(a[0]), { async: truthy(a[2], false) }),
  }),
  DestroyInfrastructure: method({
    params: ["inf_id", "auth_data", "force", "async_call"],
    required: 2,
    gate: "delete",
    auth: 1,
    run: async (ops, ctx, a) => {
      await ops.destroyInfrastructure(ctx, infId(a[0]), {
        force: truthy(a[2], false),
        async: truthy(a[3], false),
      });
      return "";
    },
  }),
  StartInfrastructure: infMethod(["inf_id", "auth_data"], "write", async (ops, ctx, id) => {
    await ops.startInfrastructure(ctx, id);
    return "";
  }),
  StopInfrastructure: infMethod(["inf_id", "auth_data"], "write", async (ops, ctx, id) => {
    await ops.stopInfrastructure(ctx, id);
    return "";
  }),
  ImportInfrastructure: method({
    params: ["str_inf", "auth_data"],
    required: 2,
    gate: "write",
    auth: 1,
    run: (ops, ctx, a) => ops.importInfrastructure(ctx, stringArg(a[0], "the exported data")),
  }),
  ExportInfrastructure: method({
    params: ["inf_id", "delete", "auth_data"],
    required: 3,
    gate: (a) => (truthy(a[1], false) ? "delete" : "read"),
    auth: 2,
    run: (ops, ctx, a) => ops.exportInfrastructure(ctx, infId(a[0]), { delete: truthy(a[1], false) }),
  }),
  Reconfigure: method({
    params: ["inf_id", "radl_data", "auth_data", "vm_list"],
    required: 3,
    gate: "write",
    auth: 2,
    run: async (ops, ctx, a) => {
      await ops.reconfigure(ctx, infId(a[0]), radlBody(a[1]), vmListArg(a[3]));
      return "";
    },
  }),
  GetInfrastructureList: method({
    params: ["auth_data", "flt"],
    required: 1,
    gate: "read",
    auth: 0,
    run: (ops, ctx, a) => ops.listInfrastructures(ctx, filterArg(a[1])),
  }),
  GetInfrastructureInfo: infMethod(["inf_id", "auth_data"], "read", (ops, ctx, id) =>
    ops.getInfrastructureInfo(ctx, id),
  ),
  GetInfrastructureState: infMethod(["inf_id", "auth_data"], "read", (ops, ctx, id) =>
    ops.getInfrastructureState(ctx, id),
  ),
  GetInfrastructureRADL: infMethod(["inf_id", "auth_data"], "read", (ops, ctx, id) =>
    ops.getInfrastructureRadl(ctx, id),
  ),
  GetInfrastructureContMsg: method({
    params: ["inf_id", "auth_data", "headeronly"],
    required: 2,
    gate: "read",
    auth: 1,
    run: (ops, ctx, a) => ops.getInfrastructureContMsg(ctx, infId(a[0]), truthy(a[2], false)),
  }),
  GetInfrastructureOwners: infMethod(["inf_id", "auth_data"], "read", (ops, ctx, id) =>
    ops.getInfrastructureOwners(ctx, id),
  ),
  ChangeInfrastructureAuth: method({
    params: ["inf_id", "new_auth_data", "overwrite", "auth_data"],
    required: 4,
    // Not gated upstream (im-xmlrpc §1.1.6).
    gate: "read",
    auth: 3,
    run: async (ops, ctx, a) => {
      const id = infId(a[0]);
      // Lookup and ownership come before the new auth is judged (§1.2 item 15).
      await ops.getInfrastructureOwners(ctx, id);
      await ops.changeInfrastructureAuth(ctx, id, newImItem(a[1]), truthy(a[2], false));
      return "";
    },
  }),
  GetVMInfo: method({
    params: ["inf_id", "vm_id", "auth_data"],
    required: 3,
    gate: "read",
    auth: 2,
    run: async (ops, ctx, a, settings) => {
      const doc = await ops.getVmInfo(ctx, infId(a[0]), vmId(a[1]));
      return settings.vmInfoJson ? stringifyRadlJson(doc) : printRadl(doc);
    },
  }),
  GetVMProperty: method({
    params: ["inf_id", "vm_id", "property_name", "auth_data"],
    required: 4,
    gate: "read",
    auth: 3,
    run: async (ops, ctx, a) => {
      const value = await ops.getVmProperty(
        ctx,
        infId(a[0]),
        vmId(a[1]),
        stringArg(a[2], "the property name"),
      );
      // a `contains` feature: a struct shaped like the REST simple-JSON form (im-xmlrpc.md, GetVMProperty)
      return value instanceof FeatureEntries ? value.toSimple() : value;
    },
  }),
  GetVMContMsg: vmMethod("read", (ops, ctx, id, vm) => ops.getVmContMsg(ctx, id, vm)),
  AlterVM: method({
    params: ["inf_id", "vm_id", "radl_data", "auth_data"],
    required: 4,
    gate: "write",
    auth: 3,
    run: async (ops, ctx, a) => printRadl(await ops.alterVm(ctx, infId(a[0]), vmId(a[1]), radlBody(a[2]))),
  }),
  AddResource: method({
    params: ["inf_id", "radl_data", "auth_data", "context"],
    required: 3,
    gate: "write",
    auth: 2,
    run: (ops, ctx, a) => ops.addResource(ctx, infId(a[0]), radlBody(a[1]), { context: truthy(a[3], true) }),
  }),
  RemoveResource: method({
    params: ["inf_id", "vm_list", "auth_data", "context"],
    required: 3,
    gate: "write",
    auth: 2,
    run: (ops, ctx, a) =>
      ops.removeResource(ctx, infId(a[0]), removeListArg(a[1]), { context: truthy(a[3], true) }),
  }),
  StartVM: vmMethod("write", async (ops, ctx, id, vm) => {
    await ops.startVm(ctx, id, vm);
    return "";
  }),
  StopVM: vmMethod("write", async (ops, ctx, id, vm) => {
    await ops.stopVm(ctx, id, vm);
    return "";
  }),
  RebootVM: vmMethod("write", async (ops, ctx, id, vm) => {
    await ops.rebootVm(ctx, id, vm);
    return "";
  }),
  CreateDiskSnapshot: method({
    params: ["inf_id", "vm_id", "disk_num", "image_name", "auto_delete", "auth_data"],
    required: 6,
    gate: "write",
    auth: 5,
    run: (ops, ctx, a) =>
      ops.createDiskSnapshot(
        ctx,
        infId(a[0]),
        vmId(a[1]),
        integerArg(a[2], "disk_num"),
        stringArg(a[3], "image_name"),
        truthy(a[4], false),
      ),
  }),
  GetCloudImageList: method({
    params: ["cloud_id", "auth_data", "filters"],
    required: 2,
    gate: "read",
    auth: 1,
    run: (ops, ctx, a) => ops.getCloudImageList(ctx, scalarText(a[0]), filtersArg(a[2])),
  }),
  GetCloudQuotas: method({
    params: ["cloud_id", "auth_data"],
    required: 2,
    gate: "read",
    auth: 1,
    run: (ops, ctx, a) => ops.getCloudQuotas(ctx, scalarText(a[0])),
  }),
  EstimateResources: method({
    params: ["radl_data", "auth_data"],
    required: 2,
    gate: "read",
    auth: 1,
    run: (ops, ctx, a) => {
      if (!ops.estimateResources) throw new CallError("EstimateResources is not supported by this server.");
      return ops.estimateResources(ctx, radlBody(a[0]));
    },
  }),
  GetStats: method({
    params: ["init_date", "end_date", "auth_data"],
    required: 3,
    gate: "read",
    auth: 2,
    run: (ops, ctx, a) => ops.getStats(ctx, dateArg(a[0], "init_date"), dateArg(a[1], "end_date")),
  }),
});

const ALIASES: Readonly<Record<string, string>> = {
  EstimateResouces: "EstimateResources",
  GetStat: "GetStats",
};

/** Every callable name (the 29 methods and the two aliases). */
export const METHOD_NAMES: readonly string[] = [...Object.keys(METHODS), ...Object.keys(ALIASES)];

/**
 * Runs one call as the reference does: dispatch problems (unknown name, arity) are faults with
 * Python's texts; everything else, including bugs, is a `[success, value]` pair.
 */
export async function dispatch(
  ops: XmlRpcOperations,
  name: string,
  args: readonly XmlRpcValue[],
  settings: DispatchSettings,
): Promise<DispatchResult> {
  const spec = Object.hasOwn(METHODS, name)
    ? METHODS[name]
    : Object.hasOwn(ALIASES, name)
      ? METHODS[ALIASES[name]!]
      : undefined;
  if (!spec) return { fault: true, faultString: `<class 'Exception'>:method "${name}" is not supported` };
  const arity = arityError(ALIASES[name] ?? name, spec, args.length);
  if (arity) return { fault: true, faultString: `<class 'TypeError'>:${arity}` };
  const padded: Args = [...args];
  try {
    const items = authArg(spec.auth === undefined ? undefined : padded[spec.auth]);
    // A bad auth item id is reported before the boot-mode gate (§1.1.2 steps 1-2).
    const gate = typeof spec.gate === "function" ? spec.gate(padded) : spec.gate;
    if (gate !== "read" && (settings.bootMode === 1 || (settings.bootMode === 2 && gate === "write"))) {
      throw new CallError("Function currently disabled.");
    }
    const ctx = items ? await ops.authenticate(items) : ANONYMOUS;
    const result = await spec.run(ops, ctx, padded, settings);
    const value = marshallable(result);
    if (value === undefined) return { fault: false, value: [false, `${name} produced no result`] };
    return { fault: false, value: [true, value] };
  } catch (err) {
    return { fault: false, value: [false, messageOf(err)] };
  }
}

const ANONYMOUS: AuthContext = { identities: [], credentials: [], admin: false };

function arityError(name: string, spec: MethodSpec, given: number): string | undefined {
  const max = spec.params.length;
  if (given < spec.required) {
    const missing = spec.params.slice(given, spec.required).map((p) => `'${p}'`);
    const list =
      missing.length === 1
        ? missing[0]
        : missing.length === 2
          ? `${missing[0]} and ${missing[1]}`
          : `${missing.slice(0, -1).join(", ")}, and ${missing[missing.length - 1]}`;
    return `${name}() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${list}`;
  }
  if (given > max) {
    const takes =
      spec.required === max
        ? `${max} positional argument${max === 1 ? "" : "s"}`
        : `from ${spec.required} to ${max} positional arguments`;
    return `${name}() takes ${takes} but ${given} ${given === 1 ? "was" : "were"} given`;
  }
  return undefined;
}

// ------------------------------------------------------------------ argument adapters

/** Python truthiness (§1.1.4): omitted → default; nil, false, 0, "", [] and {} → false. */
export function truthy(value: XmlRpcValue | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === null || value === false || value === "" || value === 0 || value === 0n) return false;
  if (value instanceof XmlRpcDouble) return value.value !== 0;
  if (Array.isArray(value) || Buffer.isBuffer(value)) return value.length > 0;
  if (typeof value === "object" && !(value instanceof XmlRpcDateTime)) return Object.keys(value).length > 0;
  return true;
}

function authArg(value: XmlRpcValue | undefined): AuthItem[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new CallError(NO_CREDENTIALS);
  try {
    return authItemsFromXmlRpc(value.map(authStruct));
  } catch (err) {
    if (err instanceof AuthFormatError) throw new CallError(NO_CREDENTIALS);
    throw err;
  }
}

/** A struct with scalar values turned into text (an int port is "22"); anything else fails the format. */
function authStruct(value: XmlRpcValue): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value))
    return value;
  if (value instanceof XmlRpcDateTime || value instanceof XmlRpcDouble) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    out[k] = typeof v === "bigint" ? String(v) : v instanceof XmlRpcDouble ? String(v.value) : v;
  }
  return out;
}

/** ChangeInfrastructureAuth's new auth: an array of items or, as im_client sends it, one bare struct. */
function newImItem(value: XmlRpcValue | undefined): AuthItem {
  let items: AuthItem[];
  try {
    const list = Array.isArray(value) ? value : value !== null && typeof value === "object" ? [value] : value;
    items = authArg(list as XmlRpcValue) ?? [];
  } catch (err) {
    throw new CallError(`Invalid new infrastructure data provided: ${messageOf(err)}`);
  }
  const im = items.find((i) => i.type === undefined || i.type === "InfrastructureManager");
  if (!im) throw new CallError(`Invalid new infrastructure data provided: ${NO_CREDENTIALS}`);
  return { ...im, type: "InfrastructureManager" };
}

function infId(value: XmlRpcValue | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value === "bigint") return String(value);
  throw new CallError(INVALID_INF);
}

/** VM ids travel as int or string; Python's int() accepts surrounding blanks. */
function vmId(value: XmlRpcValue | undefined): string {
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string" && /^\s*[+]?\d+\s*$/.test(value)) return String(Number(value.trim()));
  throw new CallError("Invalid VM ID");
}

function radlBody(value: XmlRpcValue | undefined): XmlRpcRadlBody {
  return { text: stringArg(value ?? "", "the RADL data"), kind: "radl" };
}

function stringArg(value: XmlRpcValue | undefined, what: string): string {
  if (typeof value === "string") return value;
  throw new CallError(`Incorrect type for ${what}: expected a string.`);
}

function scalarText(value: XmlRpcValue | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return "";
}

function integerArg(value: XmlRpcValue | undefined, what: string): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) return Number(value.trim());
  throw new CallError(`Incorrect type for ${what}: expected an integer.`);
}

function filterArg(value: XmlRpcValue | undefined): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new CallError("Incorrect type for the filter: expected a string.");
  return pythonRegexToJs(value);
}

function filtersArg(value: XmlRpcValue | undefined): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new CallError("Incorrect type for filters: expected a struct.");
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scalarText(v)]));
}

function vmListArg(value: XmlRpcValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => vmId(v)).join(",");
}

function removeListArg(value: XmlRpcValue | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) {
    return value.map((v) => String(v)).join(",");
  }
  throw new CallError(
    "Incorrect parameter type to RemoveResource function: expected: str, int or list of str.",
  );
}

function dateArg(value: XmlRpcValue | undefined, what: string): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CallError(`Incorrect format for ${what}: expected YYYY-MM-DD.`);
  }
  return new Date(`${value}T00:00:00`);
}

// ------------------------------------------------------------------ results

/**
 * Makes a result marshallable (§3.4): nulls inside structs are dropped, inside arrays become "",
 * Dates become text; undefined means "no result".
 */
export function marshallable(value: unknown): XmlRpcValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof XmlRpcDateTime || value instanceof XmlRpcDouble)
    return value;
  if (Array.isArray(value)) return value.map((v) => marshallable(v) ?? "");
  if (typeof value === "object") {
    const out: { [k: string]: XmlRpcValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const m = marshallable(v);
      if (m !== undefined) out[k] = m;
    }
    return out;
  }
  return String(value);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
