/**
 * The one invocation path against a real nats-server: Event requests are stored on FNMESH_ASYNC with
 * the request id as message id (a repeat is a duplicate; a retry attempt is a new message of the same
 * invocation), and sync calls reach whoever serves `fnmesh.invoke.<fn>` or fail as `no_executor`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  ASYNC_STREAM, catalog, decodeFramed, encodeFramed, Header, InvocationType, isFnmeshError, subjects,
  type InvokeRequestInput,
} from "@fnmesh/protocol";
import { ensureAsyncStream } from "@fnmesh/service-kit";
import { startNats } from "@fnmesh/test-harness";
import { asyncMessageId, createInvokeClient } from "./invoke-client.ts";

const event = (fn: string, extra: Partial<InvokeRequestInput> = {}) => ({
  v: 2 as const, requestId: randomUUID(), logType: "None" as const, function: fn,
  source: { kind: "api" as const }, attempt: 1, acceptedAt: Date.now(), ...extra, invocationType: InvocationType.Event,
});

test("enqueue stores the event once per request id and attempt, with the id in Nats-Msg-Id and Fnmesh-Request-Id", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  await ensureAsyncStream(nc);
  const client = createInvokeClient(nc);
  const req = event("queued-fn");
  const payload = new TextEncoder().encode('{"n":1}');

  const first = await client.enqueue(req, payload);
  const again = await client.enqueue(req, payload);
  const retry = await client.enqueue({ ...req, attempt: 2, notBefore: Date.now() + 60_000 }, payload);
  assert.equal(first.duplicate, false);
  assert.equal(again.duplicate, true, "the same request id is one event");
  assert.equal(again.seq, first.seq);
  assert.equal(retry.duplicate, false, "a retry attempt is a new message");

  const jsm = await jetstreamManager(nc);
  assert.equal((await jsm.streams.info(ASYNC_STREAM)).state.messages, 2);
  const stored = await jsm.streams.getMessage(ASYNC_STREAM, { seq: retry.seq });
  assert.ok(stored, "the retry attempt is stored");
  assert.equal(stored.subject, subjects.async("queued-fn"));
  assert.equal(stored.header.get(Header.MsgId), asyncMessageId({ requestId: req.requestId, attempt: 2 }));
  assert.equal(stored.header.get(Header.MsgId), `${req.requestId}.2`);
  assert.equal(stored.header.get(Header.RequestId), req.requestId);
  const { envelope, payload: out } = decodeFramed(catalog.asyncInvoke.message, stored.data);
  assert.equal(envelope.attempt, 2);
  assert.equal(envelope.function, "queued-fn");
  assert.deepEqual(Buffer.from(out), Buffer.from(payload));
});

test("enqueue without the async stream fails as a retryable `unavailable`, never silently", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  await assert.rejects(createInvokeClient(nc).enqueue(event("nowhere"), new Uint8Array()),
    (err: unknown) => isFnmeshError(err) && err.code === "unavailable" && err.retryable);
});

test("call sends the framed request to fnmesh.invoke.<fn> and returns the decoded reply; with nobody serving it is no_executor", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const client = createInvokeClient(nc);
  const req = { ...event("called-fn"), invocationType: InvocationType.RequestResponse };

  await assert.rejects(client.call(req, new Uint8Array(), { functionTimeoutSec: 1 }),
    (err: unknown) => isFnmeshError(err) && err.code === "no_executor" && err.retryable);

  const seen: string[] = [];
  nc.subscribe(subjects.invoke("called-fn"), { callback: (_e, m) => {
    const { envelope, payload } = decodeFramed(catalog.invoke.request, m.data);
    seen.push(`${envelope.requestId} ${m.headers?.get(Header.RequestId)} ${new TextDecoder().decode(payload)}`);
    m.respond(encodeFramed(catalog.invoke.reply, {
      v: 1, status: "ok", requestId: envelope.requestId, executedVersion: "$LATEST", durationMs: 1, billedDurationMs: 1,
      memorySizeMb: 128, maxMemoryUsedMb: 10, cold: false, executorId: "peer",
    }, new TextEncoder().encode('"pong"')));
  } });
  await nc.flush();
  const { result, body } = await client.call(req, new TextEncoder().encode('"ping"'), { functionTimeoutSec: 1 });
  assert.equal(result.status, "ok");
  assert.equal(result.requestId, req.requestId);
  assert.equal(new TextDecoder().decode(body), '"pong"');
  assert.deepEqual(seen, [`${req.requestId} ${req.requestId} "ping"`]);
});
