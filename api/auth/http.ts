import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpResponse {
  status: number;
  body: string;
}

export interface HttpOptions {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** VERIFI_SSL: verify the server's TLS certificate. */
  verifyTls: boolean;
}

/**
 * One outbound HTTP(S) call with a hard timeout. Not `fetch`: VERIFI_SSL = false must be able to
 * skip certificate checks for one call without touching the process.
 */
export function httpCall(url: string, options: HttpOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === "https:" ? httpsRequest : u.protocol === "http:" ? httpRequest : undefined;
    if (!send) {
      reject(new Error(`unsupported URL ${url}`));
      return;
    }
    const req = send(
      u,
      {
        method: options.method ?? "GET",
        headers: {
          accept: "application/json",
          ...(options.body !== undefined
            ? { "content-length": String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs,
        ...(u.protocol === "https:" ? { rejectUnauthorized: options.verifyTls } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > 4 * 1024 * 1024) req.destroy(new Error("response larger than 4 MiB"));
          else chunks.push(c);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`no answer from ${u.origin} within ${options.timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
