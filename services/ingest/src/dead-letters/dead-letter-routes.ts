/**
 * The dead-letter API (an fnmesh extension beside Lambda's, SigV4 service "lambda"):
 *
 *   GET  /2015-03-31/functions/{FunctionName}/dead-letters?Marker={sequence}&MaxItems={1..1000, default 50}
 *        200 { "DeadLetters": [{ "Sequence": 12, "Reason": "retries_exhausted", "RequestId": "…",
 *              "Time": "2026-12-04T21:00:00.000Z", "Attempts": 3, "ErrorType": "Error", "ErrorMessage": "…",
 *              "Destination": "arn:…" (destination_failed only) }], "NextMarker": "13" (when there is more) }
 *   POST /2015-03-31/functions/{FunctionName}/dead-letters/{Sequence}/redrive   (no body)
 *        202 { "RequestId": "<the new invocation's id>", "Sequence": 12 } and x-amzn-RequestId: the same id
 *
 * A redrive queues the dead letter's original event as a fresh Event invocation of the function
 * (new request id, attempt 1, source "redrive") through the invoke client, then deletes the dead
 * letter. For `destination_failed` the event is the record's `requestPayload`. The new request id is
 * derived from the dead letter, so a redrive repeated within JetStream's duplicate window is one event.
 * 404 ResourceNotFoundException when the function or the dead letter (of that function) does not exist.
 */
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  catalog, DeadLetterReason, decodeFramed, DLQ_STREAM, Header, InvocationType, InvokeSource, LogType,
} from "@fnmesh/protocol";
import type { IngestEnv, IngestResources } from "../context.ts";
import { invalidParameter, LambdaApiError } from "../lambda/errors.ts";
import { localFunctionRef } from "../lambda/function-name.ts";
import { API, functionNotFound } from "../lambda/function-routes.ts";
import { scanDeadLetters } from "./scan.ts";

const DEFAULT_MAX_ITEMS = 50;
const MAX_ITEMS = 1000;

function positiveInt(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw invalidParameter(`${name} must be an integer between 1 and ${max}, got '${value}'`);
  return n;
}

/** A UUID (RFC 9562 version 8) from SHA-256 of `of`: the same dead letter always redrives under the same id. */
function derivedRequestId(of: string): string {
  const h = createHash("sha256").update(of).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const notFound = (name: string, seq: number) =>
  new LambdaApiError(404, "ResourceNotFoundException", `Dead letter ${seq} of function ${name} not found`);

/** The event a dead letter holds, and the client context it was queued with. */
function originalEvent(reason: string, data: Uint8Array): { payload: Uint8Array; clientContext?: string } {
  if (reason === DeadLetterReason.DestinationFailed) {
    const record = JSON.parse(new TextDecoder().decode(data)) as { requestPayload?: unknown };
    return { payload: new TextEncoder().encode(JSON.stringify(record.requestPayload ?? {})) };
  }
  try {
    const { envelope, payload } = decodeFramed(catalog.asyncInvoke.message, data, "dead letter");
    return { payload, ...(envelope.clientContext ? { clientContext: envelope.clientContext } : {}) };
  } catch {
    throw new LambdaApiError(400, "InvalidRequestContentException", "The dead letter does not hold a valid invocation (reason invalid_message) and cannot be redriven.");
  }
}

export function registerDeadLetterRoutes(app: Hono<IngestEnv>, res: IngestResources): void {
  app.get(`${API}/:name/dead-letters`, async (c) => {
    c.set("op", "ListDeadLetters");
    const { name } = localFunctionRef(c.req.param("name"), res.account, "ListDeadLetters");
    c.set("functionName", name);
    const from = positiveInt(c.req.query("Marker"), "Marker", Number.MAX_SAFE_INTEGER) ?? 1;
    const max = positiveInt(c.req.query("MaxItems"), "MaxItems", MAX_ITEMS) ?? DEFAULT_MAX_ITEMS;
    const { items, next } = await scanDeadLetters(res.nc, name, from, max);
    return c.json({ DeadLetters: items, ...(next !== undefined ? { NextMarker: String(next) } : {}) });
  });

  app.post(`${API}/:name/dead-letters/:seq/redrive`, async (c) => {
    c.set("op", "RedriveDeadLetter");
    const { name } = localFunctionRef(c.req.param("name"), res.account, "RedriveDeadLetter");
    c.set("functionName", name);
    const seq = positiveInt(c.req.param("seq"), "Sequence", Number.MAX_SAFE_INTEGER) ?? 0;
    const view = res.resolver.resolve(name);
    if (!view) throw functionNotFound(res, name, undefined);
    const jsm = await jetstreamManager(res.nc);
    const stored = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
    if (!stored || !stored.header?.has(Header.Function) || stored.header.get(Header.Function) !== name) throw notFound(name, seq);
    const reason = stored.header.get(Header.DeadLetterReason);
    const { payload, clientContext } = originalEvent(reason, stored.data);
    const requestId = derivedRequestId(`${DLQ_STREAM}:${seq}:${stored.header.get(Header.RequestId)}`);
    await res.invoker.enqueue({
      v: 2, requestId, invocationType: InvocationType.Event, logType: LogType.None, function: name,
      viewRevision: res.resolver.revisionOf(name), source: { kind: InvokeSource.Redrive }, attempt: 1, acceptedAt: Date.now(),
      ...(clientContext ? { clientContext } : {}),
    }, payload);
    // Queued first, deleted second: a crash in between leaves the dead letter, never loses the event.
    await jsm.streams.deleteMessage(DLQ_STREAM, seq, false);
    c.header("x-amzn-RequestId", requestId);
    return c.json({ RequestId: requestId, Sequence: seq }, 202);
  });
}
