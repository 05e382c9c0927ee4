import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { createGunzip, gzipSync } from "node:zlib";
import { RadlPulumiError } from "../../compiler/errors.js";
import type { ImConfig } from "../config/index.js";
import { decodeMethodCall, encodeFault, encodeMethodResponse } from "./codec.js";
import { XmlRpcMarshalError, XmlRpcParseError } from "./errors.js";
import { dispatch } from "./methods.js";
import type { XmlRpcOperations } from "./operations-port.js";

export interface XmlRpcTlsFiles {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA bundle that verifies optional client certificates. */
  ca?: string | Buffer;
}

export interface XmlRpcServerOptions {
  port: number;
  host?: string;
  /** PEM contents; when set the listener speaks TLS (XMLRCP_SSL). */
  tls?: XmlRpcTlsFiles;
  bootMode?: number;
  vmInfoJson?: boolean;
  /** Largest request body accepted, after gzip decoding; default 256 MiB. */
  bodyLimit?: number;
}

export interface XmlRpcServer {
  readonly server: Server;
  readonly port: number;
  /** `http://host:port` or `https://...`, with 127.0.0.1 for a wildcard address. */
  readonly url: string;
  close(): Promise<void>;
}

/** Reading a configured key, certificate or CA file failed. */
export class XmlRpcTlsError extends RadlPulumiError {
  constructor(message: string, cause: unknown) {
    super("E-XMLRPC-TLS", message, { cause });
  }
}

const GZIP_MIN = 1400;
/** Python's client refuses gzip bodies that expand beyond 20 MiB (im-xmlrpc §3.6). */
const GZIP_MAX = 20 * 1024 * 1024;
const DEFAULT_BODY_LIMIT = 256 * 1024 * 1024;

/** The listener options from im.cfg (XMLRCP_* / XMLRPC_*, BOOT_MODE, VMINFO_JSON). */
export function xmlRpcOptionsFromConfig(config: ImConfig): XmlRpcServerOptions {
  const im = config.im;
  const options: XmlRpcServerOptions = {
    port: im.XMLRCP_PORT,
    host: im.XMLRCP_ADDRESS,
    bootMode: im.BOOT_MODE,
    vmInfoJson: im.VMINFO_JSON,
  };
  if (im.XMLRCP_SSL) {
    const read = (option: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new XmlRpcTlsError(`${option}: cannot read ${file}: ${(err as Error).message}`, err);
      }
    };
    let ca: Buffer | undefined;
    try {
      ca = readFileSync(im.XMLRCP_SSL_CA_CERTS);
    } catch {
      // No CA bundle: client certificates cannot be verified, so any presented one is refused.
    }
    options.tls = {
      key: read("XMLRCP_SSL_KEYFILE", im.XMLRCP_SSL_KEYFILE),
      cert: read("XMLRCP_SSL_CERTFILE", im.XMLRCP_SSL_CERTFILE),
      ...(ca ? { ca } : {}),
    };
  }
  return options;
}

/**
 * Starts the XML-RPC listener (im-xmlrpc.md §3): POST to `/` or `/RPC2`, any Content-Type, gzip
 * request bodies, no server-side timeouts, every call run concurrently.
 */
export async function startXmlRpcServer(
  ops: XmlRpcOperations,
  options: XmlRpcServerOptions,
): Promise<XmlRpcServer> {
  const settings = { bootMode: options.bootMode ?? 0, vmInfoJson: options.vmInfoJson ?? false };
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(err instanceof Error ? err.message : String(err));
    });
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") {
      req.resume();
      return send(
        res,
        501,
        "text/html",
        `<html><body><h1>Error response</h1><p>Error code: 501</p><p>Message: Unsupported method ('${escapeHtml(req.method ?? "")}').</p></body></html>\n`,
      );
    }
    if (req.url !== "/" && req.url !== "/RPC2") {
      req.resume();
      return send(res, 404, "text/plain", "No such page");
    }
    const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "identity" && encoding !== "gzip") {
      req.resume();
      return send(res, 501, "text/plain", `encoding '${encoding}' not supported`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, encoding === "gzip", bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return send(res, 413, "text/plain", err.message);
      return send(res, 400, "text/plain", `Cannot read the request body: ${(err as Error).message}`);
    }
    let xml: string;
    try {
      const call = decodeMethodCall(body);
      const result = await dispatch(ops, call.methodName, call.params, settings);
      xml = result.fault ? encodeFault(1, result.faultString) : encodeMethodResponse(result.value);
    } catch (err) {
      if (err instanceof XmlRpcParseError)
        xml = encodeFault(1, `<class 'xml.parsers.expat.ExpatError'>:${err.message}`);
      else if (err instanceof XmlRpcMarshalError) xml = encodeFault(1, `<class 'TypeError'>:${err.message}`);
      else xml = encodeFault(1, `<class 'Exception'>:${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.destroyed) return;
    const payload = Buffer.from(xml, "utf8");
    const acceptsGzip = /\bgzip\b/i.test(String(req.headers["accept-encoding"] ?? ""));
    if (acceptsGzip && payload.length > GZIP_MIN && payload.length <= GZIP_MAX) {
      const zipped = gzipSync(payload);
      res.writeHead(200, {
        "Content-Type": "text/xml",
        "Content-Encoding": "gzip",
        "Content-Length": zipped.length,
      });
      res.end(zipped);
    } else {
      res.writeHead(200, { "Content-Type": "text/xml", "Content-Length": payload.length });
      res.end(payload);
    }
  };

  const server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          requestCert: true,
          rejectUnauthorized: false,
          minVersion: "TLSv1.2",
        },
        handler,
      )
    : createHttpServer(handler);
  if (options.tls) {
    // Client certificates are optional, but one that is presented must verify (§3.3).
    server.on("secureConnection", (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0 && !socket.authorized) socket.destroy();
    });
  }
  // A synchronous create can hold its connection for many minutes (§3.5).
  server.requestTimeout = 0;
  server.timeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  const hostText = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    port: address.port,
    url: `${options.tls ? "https" : "http"}://${hostText}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class BodyTooLargeError extends RadlPulumiError {
  constructor(limit: number) {
    super("E-XMLRPC-BODY", `Request body larger than ${limit} bytes`);
  }
}

async function readBody(req: IncomingMessage, gzip: boolean, limit: number): Promise<Buffer> {
  const source = gzip ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, { "Content-Type": type, "Content-Length": body.length });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
