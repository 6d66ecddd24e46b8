// Egress test support: local HTTP(S) servers (loopback only, disposed with `await using`) and assertions.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { TEST_TLS_CERT, TEST_TLS_KEY } from "./test-tls.ts";
import { EgressError, type EgressCallOptions, type EgressErrorCode, type EgressRequest } from "./types.ts";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** TLS server name the client sent (HTTPS servers only). */
  servername?: string | false | null;
}

export interface LocalServer extends AsyncDisposable {
  port: number;
  /** e.g. "http://127.0.0.1:4321" */
  origin: string;
  requests: SeenRequest[];
}

export type Handler = (req: SeenRequest, res: http.ServerResponse) => void;

/** Starts a server on `host` (default 127.0.0.1) and `port` (default: any free one). */
export async function startServer(
  handler: Handler,
  options: { host?: string; port?: number; tls?: boolean } = {},
): Promise<LocalServer> {
  const host = options.host ?? "127.0.0.1";
  const requests: SeenRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen: SeenRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
        ...(options.tls ? { servername: (req.socket as TLSSocket).servername } : {}),
      };
      requests.push(seen);
      handler(seen, res);
    });
  };
  const server = options.tls
    ? https.createServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `${options.tls ? "https" : "http"}://${host}:${port}`,
    requests,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server that answers every request with `status`, `headers` and `body`. */
export function replyWith(status: number, headers: Record<string, string> = {}, body: string | Buffer = ""): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

/** Call options for tests: generous limits unless overridden. */
export function callOptions(overrides: Partial<EgressCallOptions> = {}): EgressCallOptions {
  return { signal: new AbortController().signal, timeoutMs: 5000, maxResponseBytes: 1024 * 1024, ...overrides };
}

/** A GET (or other method) request as the isolate would send it. */
export function request(url: string, init: Partial<Omit<EgressRequest, "url">> = {}): EgressRequest {
  return { url, method: "GET", headers: [], ...init };
}

/** Asserts that `promise` rejects with an EgressError of `code` whose message matches `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: EgressErrorCode, message?: RegExp): Promise<EgressError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, got a response`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof EgressError, `expected an EgressError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

export const text = (body: Uint8Array): string => new TextDecoder().decode(body);
