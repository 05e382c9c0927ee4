import { ApiError } from "../errors.js";

/** Media-type lists of im-api §1.2/§1.3: split on `,`, parameters (and q-values) dropped, YAML aliases normalised. */
export function mediaList(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((part) => part.split(";")[0]!.trim().toLowerCase())
    .filter((t) => t !== "")
    .map((t) => (t === "text/x-yaml" || t === "application/yaml" ? "text/yaml" : t));
}

/** Python's rendering of a list of strings, as the reference embeds it in 415 texts. */
export function pythonList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(", ")}]`;
}

/** An error produced before the core is called: it carries no route prefix (§1.4.3 notes). */
export class BareError extends ApiError {
  constructor(status: number, message: string) {
    super(`E-REST-${status}`, "Other", status, message);
  }
}

/**
 * A request for something this server does not implement (TOSCA documents, the reverse-SSH
 * `command` route, the OAI-PMH record verbs): 501 with a message naming it, never a generic error.
 */
export class NotSupportedError extends BareError {
  constructor(message: string) {
    super(501, message);
  }
}

export type Representation = "json" | "default";

/**
 * §1.3: the first entry of Accept (in written order) that matches decides. `jsonOnly` routes
 * (`/state`, `/outputs`, `/data`) accept only application/json, application/* and * / *.
 */
export function negotiate(
  accept: string | undefined,
  defaultType: string,
  options: { jsonOnly?: boolean } = {},
): Representation {
  const list = mediaList(accept);
  if (accept === undefined || list.length === 0)
    return defaultType === "application/json" ? "json" : "default";
  for (const type of list) {
    if (type === "application/json" || type === "application/*") return "json";
    if (type === "*/*") return defaultType === "application/json" ? "json" : "default";
    if (options.jsonOnly) continue;
    if (type === defaultType || type === "text/*")
      return defaultType === "application/json" ? "json" : "default";
  }
  throw new BareError(
    415,
    `Unsupported Accept Media Types: ${options.jsonOnly ? pythonList(list) : list.join(",")}`,
  );
}

/** §1.5: yes/true/1, no/false/0 in any case (plus 2.0's on/off/y/n/t/f); anything else is 400. */
export function booleanParam(query: Record<string, unknown>, name: string, defaultValue: boolean): boolean {
  let raw = query[name];
  if (Array.isArray(raw)) raw = raw[0];
  if (raw === undefined) return defaultValue;
  const value = String(raw).toLowerCase();
  if (["yes", "true", "1", "on", "y", "t"].includes(value)) return true;
  if (["no", "false", "0", "off", "n", "f"].includes(value)) return false;
  throw new BareError(400, `Incorrect value in ${name} parameter`);
}

/** The first value of a query parameter. */
export function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (Array.isArray(raw)) return raw[0] === undefined ? undefined : String(raw[0]);
  return raw === undefined ? undefined : String(raw);
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** §1.4.1: JSON when Accept lists exactly application/json, HTML when it lists text/html, else plain. */
export function errorBody(
  accept: string | undefined,
  status: number,
  message: string,
): { contentType: string; body: string } {
  const list = mediaList(accept);
  if (list.includes("application/json")) {
    return { contentType: "application/json", body: JSON.stringify({ message, code: status }) };
  }
  if (list.includes("text/html")) {
    const m = escapeHtml(message);
    return {
      contentType: "text/html",
      body: `<!DOCTYPE html>\n<html><head><title>Error ${status}.</title></head><body><h1>Code: ${status}.</h1><h1>Message: ${m}</h1></body></html>`,
    };
  }
  return { contentType: "text/plain", body: message };
}
