/**
 * The S3 fan-out against a real nats-server: MinIO's documents (vendored from its docs), published on
 * `fnmesh.s3.minio` exactly as MinIO's JetStream target publishes them (no message id), become one
 * Event invocation per Enabled mapping of the bucket whose FilterCriteria they pass, with Lambda's
 * record; replays are one invocation; invalid documents land in FNMESH_DLQ and never stall; a
 * notification whose invocations cannot be queued comes back; two replicas share the consumer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import {
  ASYNC_STREAM, catalog, decodeFramed, DeadLetterReason, DLQ_STREAM, Header, S3_EVENTS_STREAM, subjects,
  type EventSourceMappingView, type InvokeRequest, type S3NotificationRecord,
} from "@fnmesh/protocol";
import { createInvokeClient } from "@fnmesh/invoke";
import { ensureAsyncStream } from "@fnmesh/service-kit";
import { createLogger } from "@fnmesh/telemetry";
import { parseS3Notification, s3RequestId, toLambdaS3Record } from "@fnmesh/s3-events";
import { MINIO_FIXTURES, minioFixture } from "@fnmesh/s3-events/testing";
import { eventually, randomName, startNats, type NatsServer } from "@fnmesh/test-harness";
import { startS3Fanout, type S3Fanout } from "./s3-fanout.ts";
import type { S3MessageOutcome } from "./s3-fanout-message.ts";

const log = createLogger({ service: "trigger-test", write: () => undefined });

let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
});
after(async () => {
  await nc?.close();
  await nats?.stop();
});

const fnName = (p: string) => randomName(p).replace(/_/g, "-");

function mapping(functionName: string, bucket: string, extra: Partial<EventSourceMappingView> = {}): EventSourceMappingView {
  return {
    v: 1, uuid: randomUUID(), functionName, eventSourceArn: `arn:aws:s3:::${bucket}`, source: { kind: "s3", bucket },
    state: "Enabled", batchSize: 1, maximumBatchingWindowInSeconds: 0, functionResponseTypes: [], maximumRetryAttempts: -1,
    revision: randomUUID(), lastModified: Date.now(), ...extra,
  };
}

/** The Event invocations stored on FNMESH_ASYNC for a function, in order. */
async function queued(fn: string): Promise<{ envelope: InvokeRequest; event: unknown; msgId: string }[]> {
  const info = await jsm.streams.info(ASYNC_STREAM);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(ASYNC_STREAM, { seq }).catch(() => null);
    if (!m || m.subject !== subjects.async(fn)) continue;
    const { envelope, payload } = decodeFramed(catalog.asyncInvoke.message, m.data);
    out.push({ envelope, event: JSON.parse(new TextDecoder().decode(payload)), msgId: m.header.get(Header.MsgId) });
  }
  return out;
}

function firstRecord(bytes: Uint8Array): S3NotificationRecord {
  const p = parseS3Notification(bytes);
  assert.ok(p.ok);
  return p.notification.Records[0] as S3NotificationRecord;
}

/** A fan-out with an outcome log; `await using` stops it. */
async function fanout(mappings: EventSourceMappingView[], options: { retryDelayMs?: number } = {}) {
  const outcomes: S3MessageOutcome[] = [];
  const started: S3Fanout = await startS3Fanout({
    nc, log, invoker: createInvokeClient(nc), mappings: () => mappings, region: "us-east-1", ...options,
    onOutcome: (o: S3MessageOutcome, _m: JsMsg) => { outcomes.push(o); },
  });
  return { outcomes, mappings, stop: () => started.stop(), [Symbol.asyncDispose]: () => started.stop() };
}

// MinIO's documents all name bucket "images"; the fan-out serves every mapping of every test from
// one shared consumer, so each test uses its own functions and waits for its own outcomes.

test("each vendored MinIO document, published as MinIO does, invokes each Enabled mapping of the bucket once with Lambda's record", async () => {
  const a = fnName("s3a");
  const b = fnName("s3b");
  const disabled = fnName("s3off");
  const other = fnName("s3other");
  const mA = mapping(a, "images");
  const mB = mapping(b, "images");
  await using f = await fanout([mA, mB, mapping(disabled, "images", { state: "Disabled" }), mapping(other, "other-bucket")]);
  const js = jetstream(nc);
  for (const name of MINIO_FIXTURES) await js.publish(subjects.s3Events("minio"), minioFixture(name));
  await eventually(() => f.outcomes.length === MINIO_FIXTURES.length, { name: "every document answered", timeoutMs: 30_000 });
  assert.deepEqual(f.outcomes.map((o) => o.kind), MINIO_FIXTURES.map(() => "fanned_out"));

  for (const [fn, m] of [[a, mA], [b, mB]] as const) {
    const got = await queued(fn);
    assert.equal(got.length, MINIO_FIXTURES.length, `${fn}: one invocation per document`);
    MINIO_FIXTURES.forEach((name, i) => {
      const record = firstRecord(minioFixture(name));
      const item = got[i]!;
      assert.deepEqual(item.event, { Records: [toLambdaS3Record(record, { defaultRegion: "us-east-1" })] }, name);
      assert.equal(item.envelope.invocationType, "Event");
      assert.equal(item.envelope.function, fn);
      assert.deepEqual(item.envelope.source, { kind: "trigger", arn: "arn:aws:s3:::images" });
      assert.equal(item.envelope.requestId, s3RequestId(m.uuid, record));
      assert.equal(item.msgId, item.envelope.requestId);
    });
  }
  assert.equal((await queued(disabled)).length, 0, "a Disabled mapping gets nothing");
  assert.equal((await queued(other)).length, 0, "another bucket's mapping gets nothing");
  assert.equal((await jsm.streams.info(S3_EVENTS_STREAM)).state.messages, 0, "every notification acknowledged (work queue empty)");
});

test("FilterCriteria are matched against the Lambda record (encoded key, eventName without s3:)", async () => {
  const jpg = fnName("s3jpg");
  const png = fnName("s3png");
  const created = fnName("s3created");
  const pattern = (p: unknown) => ({ filters: [{ pattern: JSON.stringify(p) }] });
  await using f = await fanout([
    mapping(jpg, "images", { filterCriteria: pattern({ s3: { object: { key: [{ suffix: ".jpg" }] } } }) }),
    mapping(png, "images", { filterCriteria: pattern({ s3: { object: { key: [{ suffix: ".png" }] } } }) }),
    mapping(created, "images", { filterCriteria: pattern({ eventName: [{ prefix: "ObjectCreated:" }], eventSource: ["aws:s3"] }) }),
  ]);
  await jetstream(nc).publish(subjects.s3Events("minio"), minioFixture("minio-nsq-put"));
  await eventually(() => f.outcomes.length === 1, { name: "the document answered" });
  assert.equal((await queued(jpg)).length, 1);
  assert.equal((await queued(png)).length, 0);
  assert.equal((await queued(created)).length, 1);
});

test("a replayed document (MinIO sets no message id, replays its queue dir) is one invocation per mapping", async () => {
  const fn = fnName("s3replay");
  await using f = await fanout([mapping(fn, "images")]);
  const js = jetstream(nc);
  const bytes = minioFixture("minio-kafka-put");
  await js.publish(subjects.s3Events("minio"), bytes);
  await js.publish(subjects.s3Events("minio"), bytes);
  await eventually(() => f.outcomes.length === 2, { name: "both copies answered" });
  assert.deepEqual(f.outcomes, [{ kind: "fanned_out", records: 1, invocations: 1 }, { kind: "fanned_out", records: 1, invocations: 1 }]);
  assert.equal((await queued(fn)).length, 1, "FNMESH_ASYNC dropped the second as a duplicate");
});

test("an invalid document goes to FNMESH_DLQ with its bytes and reason, is acknowledged, and the next one still flows", async () => {
  const fn = fnName("s3dlq");
  await using f = await fanout([mapping(fn, "images")]);
  const js = jetstream(nc);
  const bad = new TextEncoder().encode(`{"EventName":"s3:ObjectCreated:Put","Records":[{"s3":{"bucket":{"name":"images"}}}],"n":"${randomUUID()}"}`);
  const before = (await jsm.streams.info(DLQ_STREAM)).state.last_seq;
  await js.publish(subjects.s3Events("minio"), bad);
  await js.publish(subjects.s3Events("minio"), minioFixture("minio-nsq-put"));
  await eventually(() => f.outcomes.length === 2, { name: "both answered" });
  assert.equal(f.outcomes.filter((o) => o.kind === "dead_lettered").length, 1);
  const dl = await jsm.streams.getMessage(DLQ_STREAM, { seq: before + 1 });
  assert.ok(dl);
  assert.equal(dl.subject, subjects.dlq(DeadLetterReason.InvalidSourceRecord));
  assert.deepEqual(Buffer.from(dl.data), Buffer.from(bad), "the original bytes");
  assert.equal(dl.header.get(Header.DeadLetterReason), DeadLetterReason.InvalidSourceRecord);
  assert.equal(dl.header.get(Header.OriginalSubject), subjects.s3Events("minio"));
  assert.match(dl.header.get(Header.ErrorMessage), /Records\.0\.eventName/);
  assert.equal((await queued(fn)).length, 1, "the valid document after it was fanned out");
  assert.equal((await jsm.streams.info(S3_EVENTS_STREAM)).state.messages, 0, "both acknowledged");
});

test("a notification whose invocations cannot be queued is not acknowledged: it comes back and is fanned out once the queue is back", async () => {
  const fn = fnName("s3retry");
  await using f = await fanout([mapping(fn, "images")], { retryDelayMs: 200 });
  await jsm.streams.delete(ASYNC_STREAM);
  try {
    await jetstream(nc).publish(subjects.s3Events("minio"), minioFixture("minio-nats-streaming-put"));
    await eventually(() => f.outcomes.some((o) => o.kind === "retry"), { name: "the enqueue failed and the notification was nak'ed" });
    assert.equal((await jsm.streams.info(S3_EVENTS_STREAM)).state.messages, 1, "still held by FNMESH_S3");
  } finally {
    await ensureAsyncStream(nc);
  }
  await eventually(() => f.outcomes.some((o) => o.kind === "fanned_out"), { name: "fanned out after the queue came back", timeoutMs: 30_000 });
  assert.equal((await queued(fn)).length, 1);
  await eventually(async () => (await jsm.streams.info(S3_EVENTS_STREAM)).state.messages === 0, { name: "acknowledged" });
});

test("two replicas share the consumer: every notification is fanned out by one of them, once", async () => {
  const fn = fnName("s3shared");
  const mappings = [mapping(fn, "images")];
  await using one = await fanout(mappings);
  await using two = await fanout(mappings);
  const js = jetstream(nc);
  const base = JSON.parse(new TextDecoder().decode(minioFixture("minio-nsq-put"))) as { Records: [{ s3: { object: { sequencer: string } } }] };
  const n = 40;
  for (let i = 0; i < n; i++) {
    base.Records[0].s3.object.sequencer = `1562A792DAA5${String(i).padStart(4, "0")}`;
    await js.publish(subjects.s3Events("minio"), new TextEncoder().encode(JSON.stringify(base)));
  }
  await eventually(() => one.outcomes.length + two.outcomes.length >= n, { name: "all answered", timeoutMs: 30_000 });
  assert.equal(one.outcomes.length + two.outcomes.length, n, "each notification answered once");
  assert.equal((await queued(fn)).length, n, "one invocation per distinct record");
});
