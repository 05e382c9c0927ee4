import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { encodeRadlJson } from "../../compiler/json/encode.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { printRadl } from "../../compiler/print.js";
import { AuthorizationMemo, type AuthContext, type VaultSettings } from "../auth/index.js";
import { ApiError } from "../errors.js";
import { FeatureEntries } from "../operations/feature-entries.js";
import type { ImService, OperationMode, RadlBody } from "../operations/service.js";
import {
  BareError,
  booleanParam,
  errorBody,
  mediaList,
  negotiate,
  NotSupportedError,
  pythonList,
  stringParam,
} from "./media.js";
import { oaiEnabled, oaiResponse, type OaiSettings } from "./oai.js";
import { openApiDocument } from "./openapi.js";

/** The im.cfg options the REST layer reads. */
export interface RestSettings extends VaultSettings, OaiSettings {
  REST_ROOT_PATH: string;
  ENABLE_CORS: boolean;
  CORS_ORIGIN: string;
  /** At most this many core operations at once; the others wait (values < 1 mean 1). */
  REST_MAX_BLOCKING_CALLS?: number;
  /** Seconds after which a waiting client gets 504 `Operation timed out` (0 = never); the operation goes on. */
  REST_BLOCKING_CALL_TIMEOUT?: number;
  STATIC_FILES_DIR?: string | undefined;
}

export interface RestAppOptions {
  service: ImService;
  settings: RestSettings;
  /** Request body limit in bytes (default 16 MiB, §1.1). */
  bodyLimit?: number;
  /** TLS key and certificate (REST_SSL). */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
  /** Fastify's logger (default off). */
  logger?: boolean;
}

const MiB = 1024 * 1024;
/** Node's default 16 KiB is too small for several PEM keys and JWTs (§1.1: at least 64 KiB). */
export const MAX_HEADER_SIZE = 128 * 1024;

/** What a route produces, known before the operation runs so a bad Accept changes nothing (§1.3). */
interface Produces {
  defaultType: string;
  /** JSON wrapper field (F) and list item name (I) of §1.3. */
  field?: string;
  item?: string;
  /** `/state`, `/outputs`, `/data`: JSON only. */
  jsonOnly?: boolean;
}

interface Call {
  req: FastifyRequest;
  reply: FastifyReply;
  ctx: AuthContext;
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** `<scheme>://<host>[:<port>]<root>` with no trailing slash (§1.1). */
  base: string;
  body(): RadlBody;
}

type Value =
  string | number | string[] | RadlDocument | FeatureEntries | Record<string, unknown> | unknown[] | null;

interface Answer {
  value?: Value;
  /** An empty `text/plain` 200 (operations that return nothing). */
  empty?: boolean;
  headers?: Record<string, string>;
  /** Overrides the route's Produces (create with dry_run). */
  produces?: Produces;
}

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  summary: string;
  auth: boolean;
  produces?: Produces;
  /** The §1.4.3 message prefix for an error with this status. */
  prefix(status: number): string;
  /** Status of DisabledFunction when not 403 (§1.4.3: the property routes, export with delete, say 400). */
  disabledStatus?: number;
  /** The BOOT_MODE gate of the operation (§5.7), checked before the credentials; none = read. */
  gate?(query: Record<string, unknown>): OperationMode;
  handler(call: Call): Promise<Answer>;
}

const fixed = (text: string) => () => text;

function isRadlDocument(v: unknown): v is RadlDocument {
  return typeof v === "object" && v !== null && "systems" in v && "networks" in v && "deploys" in v;
}

/**
 * Response bodies of the documents operations return, by document and form (`text` or the JSON
 * wrapper field): GetVMInfo returns the same (never mutated) document until the record changes,
 * so it is printed and encoded once.
 */
const renderedDocuments = new WeakMap<RadlDocument, Map<string, Buffer>>();

function renderedDocument(doc: RadlDocument, form: string, make: () => string): Buffer {
  let forms = renderedDocuments.get(doc);
  if (!forms) renderedDocuments.set(doc, (forms = new Map()));
  let body = forms.get(form);
  if (!body) forms.set(form, (body = Buffer.from(make())));
  return body;
}

function render(value: Value, rep: "json" | "default", p: Produces): { contentType: string; body: Buffer } {
  if (rep === "json") {
    if (isRadlDocument(value)) {
      const body = renderedDocument(value, `json:${p.field ?? ""}`, () => {
        const json = encodeRadlJson(value);
        return JSON.stringify(p.field ? { [p.field]: json } : json);
      });
      return { contentType: "application/json", body };
    }
    let json: unknown;
    if (value instanceof FeatureEntries) json = p.field ? { [p.field]: value.toSimple() } : value.toSimple();
    else if (p.field && p.item && Array.isArray(value))
      json = { [p.field]: value.map((e) => ({ [p.item!]: e })) };
    else if (p.field) json = { [p.field]: value };
    else json = value;
    return { contentType: "application/json", body: Buffer.from(JSON.stringify(json)) };
  }
  let body: string;
  if (Array.isArray(value)) body = value.join("\n");
  else if (isRadlDocument(value)) {
    return { contentType: p.defaultType, body: renderedDocument(value, "text", () => printRadl(value)) };
  } else if (value instanceof FeatureEntries) body = value.toText();
  else body = value === null || value === undefined ? "" : String(value);
  return { contentType: p.defaultType, body: Buffer.from(body) };
}

/** Content-Type of a description body (§1.2). */
function bodyKind(header: string | undefined): RadlBody["kind"] {
  if (header === undefined || header.trim() === "") return "radl";
  const list = mediaList(header);
  for (const type of list) {
    if (type === "text/plain" || type === "text/*" || type === "*/*") return "radl";
    if (type === "application/json") return "json";
    if (type === "text/yaml") {
      throw new NotSupportedError(
        "TOSCA documents (Content-Type: text/yaml) are not supported by this server: send RADL (text/plain) or RADL-JSON (application/json).",
      );
    }
  }
  throw new BareError(415, `Unsupported Media Type ${pythonList(list)}`);
}

function onlyJsonBody(header: string | undefined): void {
  if (header === undefined || header.trim() === "") return;
  const list = mediaList(header);
  if (!list.includes("application/json"))
    throw new BareError(415, `Unsupported Media Type ${pythonList(list)}`);
}

function rawBody(req: FastifyRequest): string {
  return typeof req.body === "string" ? req.body : "";
}

function statusOf(err: unknown): number {
  if (!(err instanceof ApiError)) return 400;
  switch (err.imClass) {
    case "IncorrectInfrastructure":
    case "DeletedInfrastructure":
    case "IncorrectVM":
    case "DeletedVM":
      return 404;
    case "UnauthorizedUser":
    case "DisabledFunction":
      return 403;
    case "IncorrectState":
      return 409;
    // §8.6: 401 on every route for bad IM credentials
    case "NoAuthData":
    case "InvalidUser":
    case "InvalidAuthId":
      return 401;
    default:
      return err.status;
  }
}

function hasPrefix(err: unknown): boolean {
  if (err instanceof BareError) return false;
  if (err instanceof ApiError) return err.imClass !== "NoAuthData" && err.code !== "E-IM-INCORRECT-PROPERTY";
  return true;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `<scheme>://<host>[:<port>]<prefix><root>` from the request and one proxy hop's X-Forwarded-* (§1.1). */
function baseUrl(req: FastifyRequest, root: string, tls: boolean): string {
  const proto = header(req, "x-forwarded-proto")?.split(",")[0]?.trim() || (tls ? "https" : "http");
  let host = header(req, "x-forwarded-host")?.split(",")[0]?.trim() || header(req, "host") || "localhost";
  const port = header(req, "x-forwarded-port")?.split(",")[0]?.trim();
  if (
    port &&
    !/:\d+$/.test(host) &&
    !(proto === "https" && port === "443") &&
    !(proto === "http" && port === "80")
  ) {
    host = `${host}:${port}`;
  }
  const prefix = (header(req, "x-forwarded-prefix") ?? "").replace(/\/+$/, "");
  return `${proto}://${host}${prefix}${root}`;
}

function parseDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(value);
  const date = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
  if (!date || date.getMonth() !== Number(m![2]) - 1 || date.getDate() !== Number(m![3])) {
    throw new BareError(400, `Incorrect format in ${name} parameter: YYYY/MM/dd`);
  }
  return date;
}

const STATS_KEYS = [
  "creation_date",
  "tosca_name",
  "vm_count",
  "cpu_count",
  "memory_size",
  "cloud_type",
  "cloud_host",
  "hybrid",
  "deleted",
  "im_user",
  "inf_id",
  "last_date",
] as const;

function csvCell(v: unknown): string {
  const s = typeof v === "boolean" ? (v ? "True" : "False") : String(v ?? "");
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The route table of §1.6; the OpenAPI description is generated from it. */
export function routeTable(service: ImService, settings: RestSettings): RouteSpec[] {
  const infUri = (c: Call, id: string) => `${c.base}/infrastructures/${id}`;
  const vmUri = (c: Call, id: string, vm: string | number) => `${c.base}/infrastructures/${id}/vms/${vm}`;
  const infProp = fixed("Error Getting Inf. prop: ");
  const vmOp = (op: string) => fixed(`Error in ${op} op in VM: `);
  const uriList: Produces = { defaultType: "text/uri-list", field: "uri-list", item: "uri" };

  const infProperty = (
    name: string,
    produces: Produces,
    summary: string,
    get: (c: Call) => Promise<Value>,
  ): RouteSpec => ({
    method: "GET",
    path: `/infrastructures/:infId/${name}`,
    summary,
    auth: true,
    produces,
    prefix: infProp,
    disabledStatus: 400,
    handler: async (c) => ({ value: await get(c) }),
  });

  const vmPower = (op: "start" | "stop" | "reboot"): RouteSpec => ({
    method: "PUT",
    path: `/infrastructures/:infId/vms/:vmId/${op}`,
    summary: `${op[0]!.toUpperCase()}${op.slice(1)}VM`,
    auth: true,
    gate: () => "write",
    prefix: vmOp(op),
    handler: async (c) => {
      const { infId, vmId } = c.params as { infId: string; vmId: string };
      if (op === "start") await service.startVm(c.ctx, infId, vmId);
      else if (op === "stop") await service.stopVm(c.ctx, infId, vmId);
      else await service.rebootVm(c.ctx, infId, vmId);
      return { empty: true };
    },
  });

  const infPower = (op: "start" | "stop"): RouteSpec => ({
    method: "PUT",
    path: `/infrastructures/:infId/${op}`,
    summary: `${op === "start" ? "Start" : "Stop"}Infrastructure`,
    auth: true,
    gate: () => "write",
    prefix: fixed(`Error in ${op} operation: `),
    handler: async (c) => {
      const infId = c.params.infId!;
      if (op === "start") await service.startInfrastructure(c.ctx, infId);
      else await service.stopInfrastructure(c.ctx, infId);
      return { empty: true };
    },
  });

  return [
    {
      method: "GET",
      path: "/version",
      summary: "GetVersion",
      auth: false,
      produces: { defaultType: "text/plain", field: "version" },
      prefix: fixed("Error getting IM version: "),
      handler: async () => ({ value: service.version() }),
    },
    {
      method: "GET",
      path: "/infrastructures",
      summary: "GetInfrastructureList",
      auth: true,
      produces: uriList,
      prefix: fixed("Error Getting Inf. List: "),
      handler: async (c) => {
        const ids = await service.listInfrastructures(c.ctx, stringParam(c.query, "filter"));
        return { value: ids.map((id) => infUri(c, id)) };
      },
    },
    {
      method: "POST",
      path: "/infrastructures",
      summary: "CreateInfrastructure",
      auth: true,
      // A bad dry_run value is left to the handler, which answers 400 after authenticating as before.
      gate: (q) => {
        try {
          return booleanParam(q, "dry_run", false) ? "read" : "write";
        } catch {
          return "read";
        }
      },
      produces: { defaultType: "text/uri-list", field: "uri" },
      prefix: fixed("Error Creating Inf.: "),
      handler: async (c) => {
        const async = booleanParam(c.query, "async", false);
        if (booleanParam(c.query, "dry_run", false)) {
          return {
            value: await service.estimateResources(c.ctx, c.body()),
            produces: { defaultType: "application/json" },
          };
        }
        const id = await service.createInfrastructure(c.ctx, c.body(), { async });
        return { value: infUri(c, id), headers: { InfID: id } };
      },
    },
    {
      method: "PUT",
      path: "/infrastructures",
      summary: "ImportInfrastructure",
      auth: true,
      gate: () => "write",
      produces: { defaultType: "text/uri-list", field: "uri" },
      prefix: fixed("Error Importing Inf.: "),
      handler: async (c) => {
        onlyJsonBody(header(c.req, "content-type"));
        const id = await service.importInfrastructure(c.ctx, rawBody(c.req));
        return { value: infUri(c, id) };
      },
    },
    {
      method: "GET",
      path: "/infrastructures/:infId",
      summary: "GetInfrastructureInfo",
      auth: true,
      produces: uriList,
      prefix: fixed("Error Getting Inf. info: "),
      handler: async (c) => {
        const infId = c.params.infId!;
        const vms = await service.getInfrastructureInfo(c.ctx, infId);
        return { value: vms.map((vm) => vmUri(c, infId, vm)) };
      },
    },
    {
      method: "POST",
      path: "/infrastructures/:infId",
      summary: "AddResource",
      auth: true,
      gate: () => "write",
      produces: uriList,
      prefix: fixed("Error Adding resources: "),
      handler: async (c) => {
        const infId = c.params.infId!;
        const context = booleanParam(c.query, "context", true);
        const ids = await service.addResource(c.ctx, infId, c.body(), { context });
        return {
          value: ids.map((vm) => vmUri(c, infId, vm)),
          ...(context ? { headers: { InfID: infId } } : {}),
        };
      },
    },
    {
      method: "DELETE",
      path: "/infrastructures/:infId",
      summary: "DestroyInfrastructure",
      auth: true,
      gate: () => "delete",
      prefix: fixed("Error Destroying Inf: "),
      handler: async (c) => {
        const force = booleanParam(c.query, "force", false);
        const async = booleanParam(c.query, "async", false);
        await service.destroyInfrastructure(c.ctx, c.params.infId!, { force, async });
        return { empty: true };
      },
    },
    infProperty("contmsg", { defaultType: "text/plain", field: "contmsg" }, "GetInfrastructureContMsg", (c) =>
      service.getInfrastructureContMsg(c.ctx, c.params.infId!, booleanParam(c.query, "headeronly", false)),
    ),
    infProperty("radl", { defaultType: "text/plain", field: "radl" }, "GetInfrastructureRADL", (c) =>
      service.getInfrastructureRadl(c.ctx, c.params.infId!),
    ),
    infProperty("tosca", { defaultType: "text/plain", field: "tosca" }, "GetInfrastructureTOSCA", (c) =>
      service.getInfrastructureTosca(c.ctx, c.params.infId!),
    ),
    infProperty(
      "state",
      { defaultType: "application/json", field: "state", jsonOnly: true },
      "GetInfrastructureState",
      async (c) => ({ ...(await service.getInfrastructureState(c.ctx, c.params.infId!)) }),
    ),
    infProperty(
      "outputs",
      { defaultType: "application/json", field: "outputs", jsonOnly: true },
      "GetInfrastructureOutputs",
      (c) => service.getInfrastructureOutputs(c.ctx, c.params.infId!),
    ),
    infProperty(
      "data",
      { defaultType: "application/json", field: "data", jsonOnly: true },
      "ExportInfrastructure",
      (c) =>
        service.exportInfrastructure(c.ctx, c.params.infId!, {
          delete: booleanParam(c.query, "delete", false),
        }),
    ),
    infProperty(
      "authorization",
      { defaultType: "text/plain", field: "authorization" },
      "GetInfrastructureOwners",
      (c) => service.getInfrastructureOwners(c.ctx, c.params.infId!),
    ),
    {
      method: "GET",
      path: "/infrastructures/:infId/:property",
      summary: "Unknown infrastructure property (404)",
      auth: true,
      prefix: infProp,
      handler: async () => {
        throw new BareError(404, "Incorrect infrastructure property");
      },
    },
    {
      method: "POST",
      path: "/infrastructures/:infId/authorization",
      summary: "ChangeInfrastructureAuth",
      auth: true,
      prefix: (status) =>
        status === 404 ? "Error modifying infrastructure owners: " : "Error modifying infrastructure owner: ",
      handler: async (c) => {
        onlyJsonBody(header(c.req, "content-type"));
        const overwrite = booleanParam(c.query, "overwrite", false);
        let item: Record<string, unknown>;
        try {
          item = JSON.parse(rawBody(c.req)) as Record<string, unknown>;
          if (!item || typeof item !== "object" || Array.isArray(item))
            throw new Error("expected a JSON object");
        } catch (err) {
          throw new ApiError(
            "E-REST-OWNER",
            "Other",
            400,
            `Invalid new infrastructure data provided: ${(err as Error).message}`,
          );
        }
        const newAuth = Object.fromEntries(
          Object.entries(item)
            .filter(([, v]) => typeof v === "string")
            .map(([k, v]) => [k, v as string]),
        );
        await service.changeInfrastructureAuth(
          c.ctx,
          c.params.infId!,
          { ...newAuth, type: "InfrastructureManager" },
          overwrite,
        );
        return { empty: true };
      },
    },
    infPower("start"),
    infPower("stop"),
    {
      method: "PUT",
      path: "/infrastructures/:infId/reconfigure",
      summary: "Reconfigure",
      auth: true,
      gate: () => "write",
      prefix: fixed("Error reconfiguring infrastructure: "),
      handler: async (c) => {
        const infId = c.params.infId!;
        await service.reconfigure(c.ctx, infId, c.body(), stringParam(c.query, "vm_list"));
        return { empty: true, headers: { InfID: infId } };
      },
    },
    {
      method: "PUT",
      path: "/infrastructures/:infId/:op",
      summary: "Unknown infrastructure operation (404)",
      auth: true,
      prefix: fixed(""),
      handler: async (c) => {
        throw new BareError(404, `Incorrect infrastructure operation: ${c.params.op}`);
      },
    },
    {
      method: "GET",
      path: "/infrastructures/:infId/vms/:vmId",
      summary: "GetVMInfo",
      auth: true,
      produces: { defaultType: "text/plain", field: "radl" },
      prefix: (status) => (status === 400 ? "Error Getting VM info: " : "Error Getting VM. info: "),
      handler: async (c) => ({ value: await service.getVmInfo(c.ctx, c.params.infId!, c.params.vmId!) }),
    },
    {
      method: "PUT",
      path: "/infrastructures/:infId/vms/:vmId",
      summary: "AlterVM",
      auth: true,
      gate: () => "write",
      produces: { defaultType: "text/plain", field: "radl" },
      prefix: fixed("Error modifying resources: "),
      handler: async (c) => ({
        value: await service.alterVm(c.ctx, c.params.infId!, c.params.vmId!, c.body()),
      }),
    },
    {
      method: "DELETE",
      path: "/infrastructures/:infId/vms/:vmIds",
      summary: "RemoveResource",
      auth: true,
      gate: () => "write",
      prefix: fixed("Error Removing resources: "),
      handler: async (c) => {
        const context = booleanParam(c.query, "context", true);
        await service.removeResource(c.ctx, c.params.infId!, c.params.vmIds!, { context });
        return { empty: true };
      },
    },
    {
      method: "GET",
      path: "/infrastructures/:infId/vms/:vmId/contmsg",
      summary: "GetVMContMsg",
      auth: true,
      produces: { defaultType: "text/plain", field: "contmsg" },
      prefix: (status) => (status === 400 ? "Error Getting VM property: " : "Error Getting VM. property: "),
      handler: async (c) => ({ value: await service.getVmContMsg(c.ctx, c.params.infId!, c.params.vmId!) }),
    },
    {
      method: "GET",
      path: "/infrastructures/:infId/vms/:vmId/command",
      summary: "Reverse-SSH bootstrap (not supported in this release, §9.5)",
      auth: true,
      prefix: (status) => (status === 400 ? "Error Getting VM property: " : "Error Getting VM. property: "),
      handler: async (c) => {
        const step = stringParam(c.query, "step");
        if (step !== undefined && !/^\d+$/.test(step))
          throw new BareError(400, "Incorrect value in step parameter");
        await service.getVmInfo(c.ctx, c.params.infId!, c.params.vmId!);
        throw new NotSupportedError(
          "The reverse-SSH command route (SSH_REVERSE_TUNNELS) is not supported by this server (im-api.md §9.5).",
        );
      },
    },
    {
      method: "GET",
      path: "/infrastructures/:infId/vms/:vmId/:property",
      summary: "GetVMProperty",
      auth: true,
      produces: { defaultType: "text/plain" },
      prefix: (status) => (status === 400 ? "Error Getting VM property: " : "Error Getting VM. property: "),
      handler: async (c) => {
        const property = c.params.property!;
        const value = await service.getVmProperty(c.ctx, c.params.infId!, c.params.vmId!, property);
        return { value, produces: { defaultType: "text/plain", field: property } };
      },
    },
    vmPower("start"),
    vmPower("stop"),
    vmPower("reboot"),
    {
      method: "PUT",
      path: "/infrastructures/:infId/vms/:vmId/:op",
      summary: "Unknown VM operation (404)",
      auth: true,
      prefix: fixed(""),
      handler: async (c) => {
        throw new BareError(404, `Incorrect VM operation: ${c.params.op}`);
      },
    },
    {
      method: "PUT",
      path: "/infrastructures/:infId/vms/:vmId/disks/:diskNum/snapshot",
      summary: "CreateDiskSnapshot",
      auth: true,
      gate: () => "write",
      produces: { defaultType: "text/plain" },
      prefix: fixed("Error creating snapshot: "),
      handler: async (c) => {
        const name = stringParam(c.query, "image_name");
        if (!name) throw new BareError(400, "Parameter image_name required.");
        const autoDelete = booleanParam(c.query, "auto_delete", false);
        if (!/^\d+$/.test(c.params.diskNum!)) throw new BareError(400, "Incorrect disk number.");
        const url = await service.createDiskSnapshot(
          c.ctx,
          c.params.infId!,
          c.params.vmId!,
          Number(c.params.diskNum),
          name,
          autoDelete,
        );
        return { value: url };
      },
    },
    {
      method: "GET",
      path: "/clouds/:cloudId/images",
      summary: "GetCloudImageList",
      auth: true,
      produces: { defaultType: "application/json", field: "images" },
      prefix: fixed("Error getting cloud info: "),
      handler: async (c) => {
        const filters: Record<string, string> = {};
        const raw = stringParam(c.query, "filters");
        if (raw !== undefined && raw !== "") {
          for (const part of raw.split(",")) {
            const kv = part.split("=");
            if (kv.length !== 2) throw new BareError(400, "Invalid format in filters parameter.");
            filters[kv[0]!.trim()] = kv[1]!.trim();
          }
        }
        return { value: await service.getCloudImageList(c.ctx, c.params.cloudId!, filters) };
      },
    },
    {
      method: "GET",
      path: "/clouds/:cloudId/quotas",
      summary: "GetCloudQuotas",
      auth: true,
      produces: { defaultType: "application/json", field: "quotas" },
      prefix: fixed("Error getting cloud info: "),
      handler: async (c) => ({ value: await service.getCloudQuotas(c.ctx, c.params.cloudId!) }),
    },
    {
      method: "GET",
      path: "/stats",
      summary: "GetStats",
      auth: true,
      prefix: fixed("Error getting stats: "),
      handler: async (c) => {
        const list = mediaList(header(c.req, "accept"));
        let csv: boolean | undefined = list.length === 0 ? false : undefined;
        for (const t of list) {
          if (t === "application/json" || t === "application/*" || t === "*/*") csv = false;
          else if (t === "text/csv" || t === "text/*") csv = true;
          if (csv !== undefined) break;
        }
        if (csv === undefined) throw new BareError(415, `Unsupported Accept Media Types: ${list.join(",")}`);
        const init = parseDate(stringParam(c.query, "init_date"), "init_date");
        const end = parseDate(stringParam(c.query, "end_date"), "end_date");
        const stats = await service.getStats(c.ctx, init, end);
        if (!csv) return { value: { stats }, produces: { defaultType: "application/json" } };
        const rows = [
          STATS_KEYS.join(","),
          ...stats.map((s) => STATS_KEYS.map((k) => csvCell(s[k])).join(",")),
        ];
        return {
          value: stats.length === 0 ? "\r\n" : `${rows.join("\r\n")}\r\n`,
          produces: { defaultType: "text/csv" },
        };
      },
    },
    ...(["GET", "POST"] as const).map((method): RouteSpec => ({
      method,
      path: "/oai",
      summary: "OAI-PMH endpoint (Identify, ListMetadataFormats, ListSets)",
      auth: false,
      prefix: fixed(""),
      handler: async (c) => {
        if (!oaiEnabled(settings)) throw new BareError(400, "OAI-PMH not enabled.");
        const args: Record<string, string> = {};
        for (const [k, v] of Object.entries(c.query)) {
          const first = Array.isArray(v) ? v[0] : v;
          if (typeof first === "string") args[k] = first;
        }
        if (method === "POST") {
          for (const [k, v] of new URLSearchParams(rawBody(c.req))) args[k] ??= v;
        }
        return { value: oaiResponse(settings, args, `${c.base}/oai`), produces: { defaultType: "text/xml" } };
      },
    })),
    {
      method: "GET",
      path: "/static/:filename",
      summary: "Static files from STATIC_FILES_DIR",
      auth: false,
      prefix: fixed(""),
      handler: async (c) => {
        const dir = settings.STATIC_FILES_DIR;
        if (!dir) throw new BareError(404, "Static files not enabled.");
        const name = c.params.filename!;
        if (name !== basename(name) || name.startsWith(".")) throw new BareError(404, "File not found");
        let content: string;
        try {
          content = await readFile(join(dir, name), "utf8");
        } catch {
          throw new BareError(404, "File not found");
        }
        return { value: content, produces: { defaultType: staticType(name) } };
      },
    },
  ];
}

/** REST_MAX_BLOCKING_CALLS: a counting semaphore in front of the core operations. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function staticType(name: string): string {
  if (name.endsWith(".html")) return "text/html";
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".css")) return "text/css";
  if (name.endsWith(".js")) return "text/javascript";
  return "text/plain";
}

function sendError(req: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply {
  const { contentType, body } = errorBody(header(req, "accept"), status, message);
  return reply.code(status).header("content-type", contentType).send(Buffer.from(body));
}

/** Routing of a path that exists with another method → 405 (§1.4.1). */
function knownPath(routes: RouteSpec[], path: string, root: string): boolean {
  const clean = path
    .split("?")[0]!
    .replace(/\/{2,}/g, "/")
    .replace(/(.)\/$/, "$1");
  const relative = root && clean.startsWith(root) ? clean.slice(root.length) || "/" : clean;
  return routes.some((r) => new RegExp(`^${r.path.replace(/:[A-Za-z]+/g, "[^/]+")}$`).test(relative));
}

/**
 * The IM REST API (im-api §1) on Fastify: raw string bodies, §1.3 negotiation, §1.4 error
 * bodies, routes under REST_ROOT_PATH and at the bare path.
 */
export function buildRestApp(options: RestAppOptions): FastifyInstance {
  const { service, settings } = options;
  const root = settings.REST_ROOT_PATH.replace(/\/+$/, "");
  const tls = Boolean(options.https);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 16 * MiB,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2000 },
    ...(options.https
      ? { https: { ...options.https, maxHeaderSize: MAX_HEADER_SIZE } }
      : { http: { maxHeaderSize: MAX_HEADER_SIZE } }),
    // Long operations (sync create, destroy) keep requests open for minutes.
    requestTimeout: 0,
    connectionTimeout: 0,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  const routes = routeTable(service, settings);

  app.setErrorHandler((err, req, reply) => {
    const e = err as { statusCode?: number; code?: string; message: string };
    if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(req, reply, 413, "Request body too large");
    if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(
        req,
        reply,
        415,
        `Unsupported Media Type ${pythonList(mediaList(header(req, "content-type")))}`,
      );
    }
    if (e.statusCode && e.statusCode >= 400) return sendError(req, reply, e.statusCode, e.message);
    return sendError(req, reply, 500, e.message);
  });
  app.setNotFoundHandler((req, reply) => {
    if (knownPath(routes, req.url, root)) return sendError(req, reply, 405, "Method Not Allowed");
    return sendError(req, reply, 404, "Not Found");
  });

  if (settings.ENABLE_CORS) {
    app.addHook("onSend", async (_req, reply, payload) => {
      reply.header("Access-Control-Allow-Origin", settings.CORS_ORIGIN);
      reply.header("Access-Control-Allow-Methods", "PUT, GET, POST, DELETE, OPTIONS");
      reply.header("Access-Control-Allow-Headers", "Origin, Accept, Content-Type, Authorization");
      reply.header("Access-Control-Expose-Headers", "InfID");
      return payload;
    });
  }

  const register = (prefix: string) => {
    for (const route of routes) {
      app.route({
        method: route.method,
        url: `${prefix}${route.path}`,
        handler: (req, reply) => handle(route, req, reply),
      });
    }
    app.route({
      method: "GET",
      url: prefix === "" ? "/" : prefix,
      handler: async (req, reply) => {
        const doc = openApiDocument(routes, baseUrl(req, root, tls), service.version());
        return reply.header("content-type", "application/json").send(Buffer.from(JSON.stringify(doc)));
      },
    });
    app.route({
      method: "OPTIONS",
      url: `${prefix}/*`,
      handler: async (_req, reply) =>
        reply.code(200).header("content-type", "application/json").send(Buffer.from("{}")),
    });
  };

  const authorizations = new AuthorizationMemo(settings);
  const slots = new Slots(Math.max(1, settings.REST_MAX_BLOCKING_CALLS ?? 32));
  const timeoutMs = (settings.REST_BLOCKING_CALL_TIMEOUT ?? 0) * 1000;
  const guarded = async (run: () => Promise<Answer>): Promise<Answer> => {
    const operation = slots.run(run);
    if (timeoutMs <= 0) return operation;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BareError(504, "Operation timed out")), timeoutMs);
    });
    operation.catch(() => undefined);
    try {
      return await Promise.race([operation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const handle = async (route: RouteSpec, req: FastifyRequest, reply: FastifyReply) => {
    try {
      let ctx: AuthContext | undefined;
      if (route.auth) {
        const items = authorizations.decode(header(req, "authorization"));
        const mode = route.gate?.(req.query as Record<string, unknown>);
        if (mode !== undefined) service.requireMode(mode);
        ctx = await service.authenticate(items);
      }
      const rep = route.produces
        ? negotiate(header(req, "accept"), route.produces.defaultType, route.produces)
        : "default";
      const call: Call = {
        req,
        reply,
        ctx: ctx as AuthContext,
        params: req.params as Record<string, string>,
        query: req.query as Record<string, unknown>,
        base: baseUrl(req, root, tls),
        body: () => ({ text: rawBody(req), kind: bodyKind(header(req, "content-type")) }),
      };
      const answer = route.auth ? await guarded(() => route.handler(call)) : await route.handler(call);
      for (const [k, v] of Object.entries(answer.headers ?? {})) reply.header(k, v);
      if (answer.empty) return reply.code(200).header("content-type", "text/plain").send("");
      const produces = answer.produces ?? route.produces ?? { defaultType: "text/plain" };
      const finalRep = answer.produces ? negotiate(header(req, "accept"), produces.defaultType) : rep;
      const { contentType, body } = render(answer.value ?? null, finalRep, produces);
      return reply.code(200).header("content-type", contentType).send(body);
    } catch (err) {
      const disabled = err instanceof ApiError && err.imClass === "DisabledFunction";
      const status = disabled && route.disabledStatus ? route.disabledStatus : statusOf(err);
      const message = err instanceof Error ? err.message : String(err);
      return sendError(req, reply, status, hasPrefix(err) ? `${route.prefix(status)}${message}` : message);
    }
  };

  register("");
  if (root !== "") register(root);
  return app;
}
