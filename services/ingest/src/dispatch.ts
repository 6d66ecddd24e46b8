/**
 * Sends invocations to executors: sync ones by request/reply on `fnmesh.invoke.<fn>`, event ones
 * durably onto JetStream (de-duplicated by request id) before the caller gets its 202.
 */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import {
  catalog, Component, decodeFramed, encodeFramed, ErrorCode, FnmeshError, Header, injectTraceContext,
  type InvokeRequestInput, type InvokeResult,
} from "@fnmesh/protocol";

export interface SyncOutcome { result: InvokeResult; body: Uint8Array }

/** Extra wait beyond the function timeout for init, transport and the executor's own reply. */
const REPLY_GRACE_MS = 15_000;

function requestHeaders(requestId: string) {
  const h = natsHeaders();
  h.set(Header.RequestId, requestId);
  injectTraceContext(h);
  return h;
}

export async function invokeSync(nc: NatsConnection, request: InvokeRequestInput, payload: Uint8Array): Promise<SyncOutcome> {
  const timeout = request.function.timeoutSec * 1000 + REPLY_GRACE_MS;
  let reply;
  try {
    reply = await nc.request(catalog.invoke.subject(request.function.name), encodeFramed(catalog.invoke.request, request, payload), {
      timeout, headers: requestHeaders(request.requestId),
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/no responders/i.test(message) || (err as { code?: string }).code === "503") {
      throw new FnmeshError(ErrorCode.NoExecutor, Component.Ingest, "No executor is available to run the function. Start an executor and retry.", { cause: err });
    }
    if (/timeout/i.test(message)) {
      throw new FnmeshError(ErrorCode.Timeout, Component.Ingest, `No reply from an executor within ${Math.round(timeout / 1000)} s.`, { cause: err });
    }
    throw new FnmeshError(ErrorCode.Unavailable, Component.Ingest, `Invocation transport failed: ${message}`, { cause: err });
  }
  const { envelope, payload: body } = decodeFramed(catalog.invoke.reply, reply.data, "invoke result");
  return { result: envelope, body };
}

export async function invokeAsync(js: JetStreamClient, request: InvokeRequestInput, payload: Uint8Array): Promise<void> {
  try {
    await js.publish(catalog.asyncInvoke.subject(request.function.name), encodeFramed(catalog.asyncInvoke.message, request, payload), {
      msgID: request.requestId, headers: requestHeaders(request.requestId),
    });
  } catch (err) {
    throw new FnmeshError(ErrorCode.Unavailable, Component.Ingest, `Could not queue the event invocation: ${(err as Error).message}`, { cause: err });
  }
}
