/**
 * A minimal Kubernetes REST client (providers.md §5.3): JSON over HTTP(S) with a bearer token or
 * Basic credentials, a hard timeout, and typed errors. node:https rather than fetch so that TLS
 * verification can be switched off per client (the IM's VERIFI_SSL = False default).
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AuthItem } from "../../compiler/auth/types.js";
import { apiServerUrl, kubernetesCredentials, type KubernetesCredentials } from "./auth.js";
import { KubernetesApiError, KubernetesUnreachableError } from "./errors.js";

export interface KubernetesClientOptions {
  server: string;
  credentials: KubernetesCredentials;
  verifyTls: boolean;
  timeoutMs?: number;
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class KubernetesClient {
  constructor(private readonly options: KubernetesClientOptions) {}

  static fromAuth(auth: AuthItem, verifyTls: boolean, timeoutMs?: number): KubernetesClient {
    return new KubernetesClient({
      server: apiServerUrl(auth),
      credentials: kubernetesCredentials(auth),
      verifyTls,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  private authorization(): string {
    const c = this.options.credentials;
    return c.kind === "token"
      ? `Bearer ${c.token}`
      : `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  }

  /** Any status comes back; only transport failures throw. */
  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeResponse> {
    const url = new URL(this.options.server + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      Authorization: this.authorization(),
      Accept: "application/json",
    };
    if (payload !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const isHttps = url.protocol === "https:";
    const send = isHttps ? https.request : http.request;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method, headers, ...(isHttps ? { rejectUnauthorized: this.options.verifyTls } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => reject(new KubernetesUnreachableError(this.options.server, e.message)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text === "" ? undefined : JSON.parse(text);
            } catch {
              // not JSON: kept as text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", (e: NodeJS.ErrnoException) =>
        reject(new KubernetesUnreachableError(this.options.server, e.code ?? e.message)),
      );
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The JSON answer of a 2xx; any other status is a KubernetesApiError. */
  async json(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const res = await this.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300)
      throw new KubernetesApiError(res.status, path, describe(res.body));
    return res.body;
  }
}

function describe(body: unknown): string {
  if (
    body !== null &&
    typeof body === "object" &&
    typeof (body as { message?: unknown }).message === "string"
  ) {
    return (body as { message: string }).message;
  }
  return typeof body === "string" && body !== "" ? body.slice(0, 300) : "(no message)";
}

export function segment(name: string): string {
  return encodeURIComponent(name);
}
