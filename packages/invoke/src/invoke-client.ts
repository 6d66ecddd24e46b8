/**
 * The one way anything starts an invocation. Every caller — the API, the scheduler's retries,
 * destinations and schedule ticks, and later triggers and function URLs — builds the same
 * `InvokeRequest` (a function name, never a resolved spec) and sends it here:
 *
 * - `RequestResponse` goes by request/reply to `fnmesh.invoke.<fn>`, where an executor resolves the
 *   name from its view of FUNCTIONS_BUCKET, admits it against the mesh's concurrency and runs it;
 * - `Event` goes onto JetStream `fnmesh.async.<fn>` and resolves once it is stored (PubAck), with
 *   the request id as the message id so a repeated publish is dropped; the scheduler takes it from there.
 *
 * Trace context and the request id travel in NATS headers. Requests begun in one turn of the event
 * loop leave together, in one socket write (next-turn.ts).
 */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import {
  catalog, Component, decodeFramed, encodeFramed, ErrorCode, FnmeshError, Header, injectTraceContext,
  type InvokeRequestInput, type InvokeResult,
} from "@fnmesh/protocol";
import { createTurnGate } from "./next-turn.ts";
import { createReplyMux } from "./reply-mux.ts";

export interface SyncOutcome { result: InvokeResult; body: Uint8Array }
export interface Enqueued { seq: number; duplicate: boolean }

export interface InvokeClient {
  /** Runs it now and waits for the outcome. Transport failures throw a retryable FnmeshError. */
  call(request: InvokeRequestInput & { invocationType: "RequestResponse" }, payload: Uint8Array, options?: CallOptions): Promise<SyncOutcome>;
  /** Stores it on the async queue; resolves once JetStream has it. A failure throws `unavailable`. */
  enqueue(request: InvokeRequestInput & { invocationType: "Event" }, payload: Uint8Array): Promise<Enqueued>;
}

export interface CallOptions {
  /** The function's timeout, when the caller knows it; the reply wait is this plus a grace. Default 900 s. */
  functionTimeoutSec?: number;
}

/** Extra wait beyond the function timeout for init, transport and the executor's own reply. */
const REPLY_GRACE_MS = 15_000;
const MAX_FUNCTION_TIMEOUT_SEC = 900;

/**
 * The JetStream message id of an Event request: its request id, so a client's repeated publish is
 * one event; a retry (attempt > 1) is a new message of the same invocation.
 */
export function asyncMessageId(request: { requestId: string; attempt?: number }): string {
  const attempt = request.attempt ?? 1;
  return attempt > 1 ? `${request.requestId}.${attempt}` : request.requestId;
}

function requestHeaders(requestId: string) {
  const h = natsHeaders();
  h.set(Header.RequestId, requestId);
  injectTraceContext(h);
  return h;
}

export function createInvokeClient(nc: NatsConnection, js: JetStreamClient = jetstream(nc)): InvokeClient {
  const nextTurn = createTurnGate();
  const replies = createReplyMux(nc);
  return {
    async call(request, payload, options = {}) {
      const timeout = (options.functionTimeoutSec ?? MAX_FUNCTION_TIMEOUT_SEC) * 1000 + REPLY_GRACE_MS;
      const data = encodeFramed(catalog.invoke.request, request, payload);
      const headers = requestHeaders(request.requestId);
      let reply;
      try {
        await nextTurn();
        reply = await replies.request(catalog.invoke.subject(request.function), data, { timeoutMs: timeout, headers });
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (/no responders/i.test(message) || (err as { code?: string }).code === "503") {
          throw new FnmeshError(ErrorCode.NoExecutor, Component.Protocol, "No executor is available to run the function. Start an executor and retry.", { cause: err });
        }
        if (/timeout/i.test(message)) {
          throw new FnmeshError(ErrorCode.Timeout, Component.Protocol, `No reply from an executor within ${Math.round(timeout / 1000)} s.`, { cause: err });
        }
        throw new FnmeshError(ErrorCode.Unavailable, Component.Protocol, `Invocation transport failed: ${message}`, { cause: err });
      }
      const { envelope, payload: body } = decodeFramed(catalog.invoke.reply, reply.data, "invoke result");
      return { result: envelope, body };
    },

    async enqueue(request, payload) {
      const data = encodeFramed(catalog.asyncInvoke.message, request, payload);
      const headers = requestHeaders(request.requestId);
      try {
        await nextTurn();
        const ack = await js.publish(catalog.asyncInvoke.subject(request.function), data, { msgID: asyncMessageId(request), headers });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        throw new FnmeshError(ErrorCode.Unavailable, Component.Protocol, `Could not queue the event invocation: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
