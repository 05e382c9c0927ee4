/**
 * The driver's XML-RPC client for its own calls (discovery, read-back, power, images, quotas).
 * The dynamic provider has its own copy of the transport in runtime/dynamic/opennebula.ts because
 * that file must be self-contained (it is serialised into the state and shipped with emitted
 * projects) and providers/ may not import runtime/ (DESIGN.md); both are tested against the same
 * fake server, with the same error codes.
 */
import { XMLParser } from "fast-xml-parser";
import { OneApiError } from "./errors.js";

export type RpcParam = string | number | boolean;

export interface OneClientOptions {
  endpoint: string;
  session: string;
  timeoutMs?: number;
}

const responseParser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === "value" || name === "member",
});

/** OpenNebula documents (VM, VNET_POOL, …) with every element possibly repeated read as arrays. */
const documentParser = new XMLParser({ parseTagValue: false, trimValues: true, isArray: () => true });

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function encodeParam(p: RpcParam): string {
  if (typeof p === "boolean") return `<boolean>${p ? 1 : 0}</boolean>`;
  if (typeof p === "number") return `<int>${p}</int>`;
  return `<string>${escape(p)}</string>`;
}

type Decoded = string | number | boolean | Decoded[];

function decodeValue(v: unknown): Decoded {
  if (v === null || typeof v !== "object") return v === undefined ? "" : String(v);
  const o = v as Record<string, unknown>;
  if ("string" in o) return String(o.string ?? "");
  for (const t of ["int", "i4", "i8", "double"]) if (t in o) return Number(o[t]);
  if ("boolean" in o) return String(o.boolean).trim() === "1";
  if ("array" in o) {
    const array = o.array as { data?: { value?: unknown[] } } | string;
    return typeof array === "object" && typeof array.data === "object"
      ? (array.data.value ?? []).map(decodeValue)
      : [];
  }
  return "";
}

export class OneClient {
  constructor(private readonly options: OneClientOptions) {}

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** Calls `method(session, ...params)` and returns the result of the `[ok, result, code]` answer. */
  async call(method: string, ...params: RpcParam[]): Promise<string | number | boolean> {
    const where = `OpenNebula at ${this.options.endpoint}`;
    const body =
      `<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params>` +
      [this.options.session, ...params]
        .map((p) => `<param><value>${encodeParam(p)}</value></param>`)
        .join("") +
      `</params></methodCall>\n`;
    let response: Response;
    try {
      response = await fetch(this.options.endpoint, {
        method: "POST",
        headers: { "Content-Type": "text/xml" },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new OneApiError(
        "E-ONE-UNREACHABLE",
        `Cannot reach ${where} (${method}): ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new OneApiError("E-ONE-HTTP", `${where} answered HTTP ${response.status} to ${method}`);
    let answer: Decoded;
    try {
      const doc = responseParser.parse(text) as {
        methodResponse?: { params?: { param?: { value?: unknown[] } }; fault?: unknown };
      };
      if (doc.methodResponse?.fault !== undefined) throw new Error("XML-RPC fault");
      answer = decodeValue(doc.methodResponse?.params?.param?.value?.[0]);
    } catch (e) {
      throw new OneApiError("E-ONE-XML", `${where} (${method}): unreadable answer (${(e as Error).message})`);
    }
    if (!Array.isArray(answer) || typeof answer[0] !== "boolean") {
      throw new OneApiError("E-ONE-XML", `${where} (${method}): unexpected answer shape`);
    }
    if (answer[0]) return answer[1] as string | number | boolean;
    const code = answer[2];
    const message = String(answer[1]);
    if (code === 0x100)
      throw new OneApiError("E-ONE-AUTH", `${where} rejected the credentials (${method}): ${message}`);
    if (code === 0x200)
      throw new OneApiError("E-ONE-AUTHZ", `${where} refused ${method} (not authorized): ${message}`);
    if (code === 0x400) throw new OneApiError("E-ONE-NOT-FOUND", `${where} (${method}): ${message}`);
    throw new OneApiError("E-ONE-API", `${where} refused ${method}: ${message}`);
  }

  /** A call whose result is an XML document, parsed with every element as an array. */
  async document(method: string, ...params: RpcParam[]): Promise<XmlDoc> {
    const text = String(await this.call(method, ...params));
    try {
      return documentParser.parse(text) as XmlDoc;
    } catch (e) {
      throw new OneApiError(
        "E-ONE-XML",
        `OpenNebula at ${this.options.endpoint} (${method}): ${(e as Error).message}`,
      );
    }
  }
}

/** A parsed document: element name → its occurrences. */
export type XmlDoc = { [name: string]: (XmlDoc | string)[] | undefined };

/** The elements at a `/`-separated path (all occurrences along the way). */
export function all(doc: XmlDoc | undefined, path: string): XmlDoc[] {
  let current: XmlDoc[] = doc === undefined ? [] : [doc];
  for (const seg of path.split("/")) {
    current = current.flatMap((d) =>
      (d[seg] ?? []).map((x) => (typeof x === "string" ? { "#text": [x] } : x)),
    );
  }
  return current;
}

/** Text of the first element at `path`; undefined when missing. */
export function text(doc: XmlDoc | undefined, path: string): string | undefined {
  const segs = path.split("/");
  const last = segs.pop()!;
  const parent = segs.length === 0 ? (doc === undefined ? [] : [doc]) : all(doc, segs.join("/"));
  for (const p of parent) {
    const v = p[last]?.[0];
    if (v === undefined) continue;
    if (typeof v === "string") return v;
    const t = v["#text"]?.[0];
    return typeof t === "string" ? t : "";
  }
  return undefined;
}
