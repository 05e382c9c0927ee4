import { XmlRpcMarshalError, XmlRpcParseError } from "./errors.js";
import { parseXml, type XmlElement } from "./xml.js";

/** A `dateTime.iso8601` value, kept as its text (XML-RPC dates carry no zone; IM never uses them). */
export class XmlRpcDateTime {
  constructor(readonly text: string) {}
}

/** Forces `<double>` for a number that happens to be integral. */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

/**
 * A decoded XML-RPC value. Integers are `number` when safe, `bigint` beyond 2^53; doubles are
 * `number`; `nil` is `null`; `base64` is a Buffer; structs are plain objects (later duplicate
 * names win).
 */
export type XmlRpcValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Buffer
  | XmlRpcDateTime
  | XmlRpcDouble
  | XmlRpcValue[]
  | { [name: string]: XmlRpcValue };

export interface MethodCall {
  methodName: string;
  params: XmlRpcValue[];
}

export type MethodResponse =
  { fault: false; value: XmlRpcValue } | { fault: true; faultCode: number; faultString: string };

const INT_TAGS = new Set(["int", "i4", "i8", "i1", "i2", "biginteger"]);
const DOUBLE_TAGS = new Set(["double", "float", "bigdecimal"]);
const I4_MIN = -(2 ** 31);
const I4_MAX = 2 ** 31 - 1;
const I8_MIN = -(2n ** 63n);
const I8_MAX = 2n ** 63n - 1n;

// ------------------------------------------------------------------ decoding

/**
 * Reads a request body (bytes as received) into its method name and parameters. The declared
 * encoding is honoured for ISO-8859-1 / Latin-1; anything else is read as UTF-8, as Python sends.
 */
export function decodeMethodCall(body: Buffer | string): MethodCall {
  const root = parseXml(bodyText(body));
  if (root.name !== "methodCall") throw new XmlRpcParseError(`expected <methodCall>, found <${root.name}>`);
  const nameEl = onlyChild(root, "methodName", true);
  const methodName = textOf(nameEl!).trim();
  if (methodName === "") throw new XmlRpcParseError("empty <methodName>");
  const paramsEl = onlyChild(root, "params", false);
  return { methodName, params: paramsEl ? decodeParams(paramsEl) : [] };
}

/** Reads a response body: one value, or a fault with its code and string. */
export function decodeMethodResponse(body: Buffer | string): MethodResponse {
  const root = parseXml(bodyText(body));
  if (root.name !== "methodResponse")
    throw new XmlRpcParseError(`expected <methodResponse>, found <${root.name}>`);
  const kids = elements(root);
  if (kids.length !== 1)
    throw new XmlRpcParseError("<methodResponse> must hold exactly one <params> or <fault>");
  const only = kids[0]!;
  if (only.name === "fault") {
    const value = decodeValue(singleElement(only, "value"), 1);
    if (!isStruct(value) || typeof value.faultString !== "string" || typeof value.faultCode !== "number") {
      throw new XmlRpcParseError("<fault> must hold a struct with faultCode and faultString");
    }
    return { fault: true, faultCode: value.faultCode, faultString: value.faultString };
  }
  if (only.name !== "params") throw new XmlRpcParseError(`unexpected <${only.name}> in <methodResponse>`);
  const params = decodeParams(only);
  if (params.length !== 1) throw new XmlRpcParseError(`a response holds one <param>, found ${params.length}`);
  return { fault: false, value: params[0]! };
}

function bodyText(body: Buffer | string): string {
  if (typeof body === "string") return body;
  const head = body.subarray(0, 200).toString("latin1");
  const declared = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1];
  if (declared && /^(iso-8859-1|latin-?1|us-ascii|ascii)$/i.test(declared)) return body.toString("latin1");
  return body.toString("utf8");
}

function decodeParams(paramsEl: XmlElement): XmlRpcValue[] {
  return elements(paramsEl).map((param) => {
    if (param.name !== "param") throw new XmlRpcParseError(`unexpected <${param.name}> in <params>`);
    return decodeValue(singleElement(param, "value"), 1);
  });
}

function decodeValue(valueEl: XmlElement, depth: number): XmlRpcValue {
  if (valueEl.name !== "value") throw new XmlRpcParseError(`expected <value>, found <${valueEl.name}>`);
  if (valueEl.children.every((c) => typeof c === "string")) return textOf(valueEl);
  const kids = elements(valueEl);
  if (kids.length > 1) throw new XmlRpcParseError("a <value> holds one typed element");
  const typed = kids[0]!;
  const tag = typed.name;
  const text = () => textOf(typed);
  if (tag === "string") return text();
  if (INT_TAGS.has(tag)) return parseInteger(tag, text());
  if (tag === "boolean") {
    const t = text().trim();
    if (t === "1" || t === "true") return true;
    if (t === "0" || t === "false") return false;
    throw new XmlRpcParseError(`bad boolean value '${t}'`);
  }
  if (DOUBLE_TAGS.has(tag)) {
    const t = text().trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t))
      throw new XmlRpcParseError(`bad double value '${t}'`);
    return Number(t);
  }
  if (tag === "nil") {
    if (elements(typed).length > 0 || text().trim() !== "") throw new XmlRpcParseError("<nil> must be empty");
    return null;
  }
  if (tag === "dateTime.iso8601") return new XmlRpcDateTime(text().trim());
  if (tag === "base64") {
    const t = text().replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw new XmlRpcParseError("bad base64 value");
    return Buffer.from(t, "base64");
  }
  if (tag === "array") {
    const data = elements(typed);
    // Tolerate an <array> whose values are not wrapped in <data>.
    const values = data.length === 1 && data[0]!.name === "data" ? elements(data[0]!) : data;
    return values.map((v) => decodeValue(v, depth + 1));
  }
  if (tag === "struct") {
    const out: { [name: string]: XmlRpcValue } = Object.create(null) as { [name: string]: XmlRpcValue };
    for (const member of elements(typed)) {
      if (member.name !== "member") throw new XmlRpcParseError(`unexpected <${member.name}> in <struct>`);
      const name = onlyChild(member, "name", true)!;
      const value = onlyChild(member, "value", true)!;
      out[textOf(name)] = decodeValue(value, depth + 1);
    }
    return { ...out };
  }
  throw new XmlRpcParseError(`unknown type <${tag}>`);
}

function parseInteger(tag: string, raw: string): number | bigint {
  const t = raw.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new XmlRpcParseError(`bad <${tag}> value '${t}'`);
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

function elements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of el.children) {
    if (typeof child !== "string") out.push(child);
    else if (child.trim() !== "") throw new XmlRpcParseError(`unexpected text inside <${el.name}>`);
  }
  return out;
}

function onlyChild(el: XmlElement, name: string, required: boolean): XmlElement | undefined {
  const found = el.children.filter((c): c is XmlElement => typeof c !== "string" && c.name === name);
  if (found.length > 1) throw new XmlRpcParseError(`more than one <${name}> in <${el.name}>`);
  if (required && found.length === 0) throw new XmlRpcParseError(`missing <${name}> in <${el.name}>`);
  return found[0];
}

function singleElement(el: XmlElement, name: string): XmlElement {
  const kids = elements(el);
  if (kids.length !== 1 || kids[0]!.name !== name)
    throw new XmlRpcParseError(`<${el.name}> must hold one <${name}>`);
  return kids[0]!;
}

function textOf(el: XmlElement): string {
  let s = "";
  for (const child of el.children) {
    if (typeof child !== "string")
      throw new XmlRpcParseError(`unexpected <${child.name}> inside <${el.name}>`);
    s += child;
  }
  return s;
}

function isStruct(v: XmlRpcValue): v is { [name: string]: XmlRpcValue } {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    !Buffer.isBuffer(v) &&
    !(v instanceof XmlRpcDateTime) &&
    !(v instanceof XmlRpcDouble)
  );
}

// ------------------------------------------------------------------ encoding

export interface EncodeOptions {
  /** Emit `<nil/>` for null (requests, as Python's allow_none); otherwise null is a marshal error. */
  allowNone?: boolean;
}

const DECLARATION = '<?xml version="1.0"?>\n';

export function encodeMethodResponse(value: XmlRpcValue, options: EncodeOptions = {}): string {
  return `${DECLARATION}<methodResponse>\n<params>\n<param>\n${encodeValue(value, options)}\n</param>\n</params>\n</methodResponse>\n`;
}

export function encodeFault(faultCode: number, faultString: string): string {
  const fault = encodeValue({ faultCode, faultString });
  return `${DECLARATION}<methodResponse>\n<fault>\n${fault}\n</fault>\n</methodResponse>\n`;
}

export function encodeMethodCall(
  methodName: string,
  params: XmlRpcValue[],
  options: EncodeOptions = {},
): string {
  const body = params.map((p) => `<param>\n${encodeValue(p, options)}\n</param>\n`).join("");
  return `${DECLARATION}<methodCall>\n<methodName>${escapeXml(methodName)}</methodName>\n<params>\n${body}</params>\n</methodCall>\n`;
}

/** One `<value>` element; throws XmlRpcMarshalError for what XML-RPC cannot carry. */
export function encodeValue(value: XmlRpcValue | undefined, options: EncodeOptions = {}): string {
  const parts: string[] = [];
  write(value, options, parts, 0);
  return parts.join("");
}

function write(value: XmlRpcValue | undefined, options: EncodeOptions, out: string[], depth: number): void {
  if (depth > 200) throw new XmlRpcMarshalError("value nested too deeply");
  if (value === null || value === undefined) {
    if (!options.allowNone) throw new XmlRpcMarshalError("cannot marshal None unless allow_none is enabled");
    out.push("<value><nil/></value>");
  } else if (typeof value === "string") {
    out.push(`<value><string>${escapeXml(value)}</string></value>`);
  } else if (typeof value === "boolean") {
    out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>`);
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new XmlRpcMarshalError(`cannot marshal ${value}`);
    if (Number.isInteger(value)) {
      if (value >= I4_MIN && value <= I4_MAX) out.push(`<value><int>${value}</int></value>`);
      else out.push(integer8(BigInt(value)));
    } else {
      out.push(`<value><double>${doubleText(value)}</double></value>`);
    }
  } else if (typeof value === "bigint") {
    if (value >= BigInt(I4_MIN) && value <= BigInt(I4_MAX)) out.push(`<value><int>${value}</int></value>`);
    else out.push(integer8(value));
  } else if (value instanceof XmlRpcDouble) {
    if (!Number.isFinite(value.value)) throw new XmlRpcMarshalError(`cannot marshal ${value.value}`);
    out.push(`<value><double>${doubleText(value.value)}</double></value>`);
  } else if (value instanceof XmlRpcDateTime) {
    out.push(`<value><dateTime.iso8601>${escapeXml(value.text)}</dateTime.iso8601></value>`);
  } else if (Buffer.isBuffer(value)) {
    out.push(`<value><base64>${value.toString("base64")}</base64></value>`);
  } else if (Array.isArray(value)) {
    out.push("<value><array><data>\n");
    for (const item of value) {
      write(item, options, out, depth + 1);
      out.push("\n");
    }
    out.push("</data></array></value>");
  } else {
    out.push("<value><struct>\n");
    for (const [name, item] of Object.entries(value)) {
      out.push(`<member>\n<name>${escapeXml(name)}</name>\n`);
      write(item, options, out, depth + 1);
      out.push("\n</member>\n");
    }
    out.push("</struct></value>");
  }
}

function integer8(value: bigint): string {
  if (value < I8_MIN || value > I8_MAX) throw new XmlRpcMarshalError("int exceeds XML-RPC limits");
  return `<value><i8>${value}</i8></value>`;
}

function doubleText(n: number): string {
  // Python's float() reads exponents; repr-like text keeps the value exact.
  return String(n);
}

/**
 * Escapes text for element content and drops what XML 1.0 cannot hold (control characters other
 * than TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF) by replacing it with U+FFFD, so that a log with
 * ANSI escapes still parses in Python's client (im-xmlrpc.md §3.7).
 */
export function escapeXml(text: string): string {
  return text.replace(NEEDS_ESCAPE, (ch) => ESCAPES[ch] ?? "\uFFFD");
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const NEEDS_ESCAPE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
