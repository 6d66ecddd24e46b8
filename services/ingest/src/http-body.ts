import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Component, ErrorCode, FnmeshError, Limits } from "@fnmesh/protocol";

/**
 * Lambda's own limit for CreateFunction and UpdateFunctionCode bodies: the base64 of a 50 MiB zip
 * inside JSON (its error reads "Request must be smaller than 69905067 bytes for the CreateFunction
 * operation").
 */
export const MAX_DEPLOY_BODY_BYTES = 69_905_067;
/**
 * Every other operation's body is a small JSON document (the largest, UpdateFunctionConfiguration,
 * holds at most 4 KB of environment); a tight limit keeps JSON.parse on the request thread cheap.
 */
export const MAX_CONTROL_BODY_BYTES = 1024 * 1024;
/**
 * Bytes read between turns of the event loop. Chunks already buffered are handed over in one run of
 * microtasks, so without a turn a large upload is read and hashed in one go (tens of milliseconds
 * in which no other request is served); a turn every MiB keeps each stretch to a few milliseconds.
 */
const YIELD_EVERY_BYTES = 1024 * 1024;
/** Past this we stop draining an oversize body and let the connection go. */
const DRAIN_CAP_BYTES = 2 * MAX_DEPLOY_BODY_BYTES;

const FUNCTIONS = "/2015-03-31/functions";
const SCHEDULES = "/schedules";

/** The body limit for a request, and the operation named in its 413. */
export function bodyLimitFor(method: string, path: string): { limit: number; operation: string } {
  if (path.endsWith("/invocations")) return { limit: Limits.syncPayloadBytes, operation: "InvokeFunction" };
  if (method === "POST" && (path === FUNCTIONS || path === `${FUNCTIONS}/`)) return { limit: MAX_DEPLOY_BODY_BYTES, operation: "CreateFunction" };
  if (method === "PUT" && path.startsWith(`${FUNCTIONS}/`) && path.endsWith("/code")) return { limit: MAX_DEPLOY_BODY_BYTES, operation: "UpdateFunctionCode" };
  if (method === "PUT" && path.startsWith(`${FUNCTIONS}/`) && path.endsWith("/configuration")) return { limit: MAX_CONTROL_BODY_BYTES, operation: "UpdateFunctionConfiguration" };
  // The dead-letter API (an fnmesh extension) takes no body; a client's empty JSON document is fine.
  if (path.startsWith(`${FUNCTIONS}/`) && /\/dead-letters(\/|$)/.test(path)) return { limit: 1024, operation: method === "GET" ? "ListDeadLetters" : "RedriveDeadLetter" };
  // EventBridge Scheduler: a schedule is small JSON (Target.Input is at most 8192 characters).
  if (path.startsWith(`${SCHEDULES}/`) && (method === "POST" || method === "PUT")) {
    return { limit: MAX_CONTROL_BODY_BYTES, operation: method === "POST" ? "CreateSchedule" : "UpdateSchedule" };
  }
  // Async invocation config and reserved concurrency: a few numbers and two ARNs.
  if (/^\/2019-09-25\/functions\/[^/]+\/event-invoke-config\/?$/.test(path) && (method === "PUT" || method === "POST")) {
    return { limit: MAX_CONTROL_BODY_BYTES, operation: method === "PUT" ? "PutFunctionEventInvokeConfig" : "UpdateFunctionEventInvokeConfig" };
  }
  if (/^\/2017-10-31\/functions\/[^/]+\/concurrency\/?$/.test(path) && method === "PUT") return { limit: MAX_CONTROL_BODY_BYTES, operation: "PutFunctionConcurrency" };
  return { limit: MAX_CONTROL_BODY_BYTES, operation: `${method} ${path.length > 100 ? `${path.slice(0, 100)}…` : path}` };
}

export interface ReadBody { body: Uint8Array; sha256: string }

/** A request body as it arrives, with its declared Content-Length. */
export interface BodySource { contentLength: string | null; chunks: AsyncIterable<Uint8Array> | null }

/** A web Request's body (hono's `app.request` in tests, or a request not served by node:http). */
export function requestBody(req: Request): BodySource {
  return { contentLength: req.headers.get("content-length"), chunks: req.body as AsyncIterable<Uint8Array> | null };
}

/**
 * The body straight from node:http's IncomingMessage when there is one: reading `Request.body`
 * instead builds an undici Request and a web stream over the socket for every request (a large
 * share of a small Invoke's CPU in ingest).
 */
export function nodeOrRequestBody(incoming: IncomingMessage | undefined, req: Request): BodySource {
  if (incoming === undefined) return requestBody(req);
  const length = incoming.headers["content-length"];
  return { contentLength: length ?? null, chunks: incoming };
}

const tooLarge = (limit: number, operation: string) =>
  new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest, `Request must be smaller than ${limit} bytes for the ${operation} operation`);

/**
 * Reads the whole body, refusing more than `limit` bytes, and hashes it (SHA-256, hex) as it streams
 * in, for the signature check. A declared Content-Length over the limit is refused before reading;
 * an oversize chunked body is drained (up to a cap) before the 413 so the client reads a typed error
 * instead of a reset connection. Call only after the request's headers were authenticated.
 */
export async function readBody(source: BodySource, limit: number, operation: string): Promise<ReadBody> {
  const declared = Number(source.contentLength ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, operation);
  const hash = createHash("sha256");
  if (!source.chunks) return { body: new Uint8Array(), sha256: hash.digest("hex") };
  // With a declared length the body is copied chunk by chunk into one buffer as it arrives, so no
  // single step copies all of a large upload at once on the thread that serves requests.
  const into = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  const overflow: Uint8Array[] = [];
  let filled = 0;
  let size = 0;
  let sinceTurn = 0;
  for await (const chunk of source.chunks) {
    size += chunk.length;
    sinceTurn += chunk.length;
    if (sinceTurn >= YIELD_EVERY_BYTES) {
      sinceTurn = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (size > limit) {
      if (size > DRAIN_CAP_BYTES) break;
      continue;
    }
    hash.update(chunk);
    if (into !== undefined && overflow.length === 0 && filled + chunk.length <= into.length) {
      into.set(chunk, filled);
      filled += chunk.length;
    } else {
      overflow.push(chunk);
    }
  }
  if (size > limit) throw tooLarge(limit, operation);
  if (into === undefined) return { body: Buffer.concat(overflow), sha256: hash.digest("hex") };
  // A body that did not match its Content-Length (the HTTP layer normally refuses those) is joined.
  const body = filled === into.length && overflow.length === 0 ? into : Buffer.concat([into.subarray(0, filled), ...overflow]);
  return { body, sha256: hash.digest("hex") };
}
