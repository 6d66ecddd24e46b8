/**
 * S3 event sources end to end (ingest, scheduler, executor on real NATS and PostgreSQL): a function
 * with an S3 mapping made through @aws-sdk/client-lambda's CreateEventSourceMapping receives Lambda's
 * S3 event when MinIO's own documents (vendored from its docs) arrive — published on
 * `fnmesh.s3.minio` exactly as MinIO's JetStream target publishes them, or POSTed to ingest's webhook
 * as MinIO's webhook target does (raw HTTP: bearer token, wrong and missing tokens, malformed
 * documents, replays). The stack's trigger runs the S3 fan-out with the mappings it watches in
 * EVENT_SOURCES_BUCKET, as the trigger service does. Runs are recorded by the functions
 * themselves on an HTTP recorder in this process.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CreateEventSourceMappingCommand, CreateFunctionCommand, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ASYNC_STREAM, S3_EVENTS_STREAM, subjects, type S3NotificationRecord } from "@fnmesh/protocol";
import { parseS3Notification, toLambdaS3Record } from "@fnmesh/s3-events";
import { MINIO_FIXTURES, minioFixture } from "@fnmesh/s3-events/testing";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const TOKEN = "e2e-s3-webhook-token-0123456789abcdef";
const PATH = "/fnmesh/s3-notifications";

let stack: Stack;
let recorder: Server;
let recorderUrl = "";
/** Events each function received, by function name. */
const received = new Map<string, unknown[]>();

before(async () => {
  recorder = createServer((req, res) => {
    const fn = new URL(req.url ?? "/", "http://recorder").searchParams.get("fn") ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.set(fn, [...(received.get(fn) ?? []), JSON.parse(Buffer.concat(chunks).toString("utf8"))]);
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  const port = (recorder.address() as AddressInfo).port;
  recorderUrl = `http://127.0.0.1:${port}`;
  stack = await startStack({ ingestEnv: { FNMESH_S3_WEBHOOK_TOKEN: TOKEN }, executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}` } });
});

after(async () => {
  await stack?.[Symbol.asyncDispose]();
  recorder?.closeAllConnections();
  recorder?.close();
});

/** A function that posts each event it receives to the recorder, with an S3 mapping on `bucket` (Enabled in the bucket view). */
async function functionOnBucket(bucket: string): Promise<{ name: string; uuid: string }> {
  const name = randomName("s3fn").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      await fetch(${JSON.stringify(`${recorderUrl}/event?fn=${name}`)}, { method: "POST", body: JSON.stringify(event) });
      return "ok";
    };` }) },
  }));
  const out = await stack.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: `arn:aws:s3:::${bucket}` }));
  const uuid = out.UUID ?? "";
  await eventually(() => stack.trigger?.mappings.get(uuid)?.state === "Enabled", { name: `mapping ${uuid} seen by the trigger` });
  return { name, uuid };
}

const lambdaEvent = (bytes: Uint8Array) => {
  const p = parseS3Notification(bytes);
  assert.ok(p.ok);
  return { Records: [toLambdaS3Record(p.notification.Records[0] as S3NotificationRecord, { defaultRegion: "us-east-1" })] };
};

/** A vendored document with its bucket (and the record's sequencer) replaced, as MinIO would send it for that bucket. */
function forBucket(name: (typeof MINIO_FIXTURES)[number], bucket: string, sequencer?: string): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(minioFixture(name))) as { Key?: string; Records: { s3: { bucket: { name: string; arn: string }; object: { key: string; sequencer: string } } }[] };
  const r = doc.Records[0]!;
  r.s3.bucket.name = bucket;
  r.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
  if (sequencer) r.s3.object.sequencer = sequencer;
  if (doc.Key !== undefined) doc.Key = `${bucket}/${decodeURIComponent(r.s3.object.key)}`;
  return new TextEncoder().encode(JSON.stringify(doc));
}

async function post(body: string | Uint8Array, authorization?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.endpoint}${PATH}`, {
    method: "POST", body, headers: { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

async function settled(): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => (await jsm.streams.info(S3_EVENTS_STREAM)).state.messages === 0
    && (await jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_S3 and FNMESH_ASYNC drained", timeoutMs: 60_000 });
}

test("MinIO's documents published on fnmesh.s3.minio as its NATS target publishes them: the function receives Lambda's S3 event for each", async () => {
  const { name } = await functionOnBucket("images");
  const js = jetstream(stack.nc);
  for (const f of MINIO_FIXTURES) await js.publish(subjects.s3Events("minio"), minioFixture(f));
  await eventually(() => (received.get(name)?.length ?? 0) >= MINIO_FIXTURES.length, { name: "the function ran once per document", timeoutMs: 60_000 });
  await settled();
  const got = received.get(name) ?? [];
  assert.equal(got.length, MINIO_FIXTURES.length);
  const key = (e: unknown) => JSON.stringify(e);
  assert.deepEqual(got.map(key).sort(), MINIO_FIXTURES.map((f) => key(lambdaEvent(minioFixture(f)))).sort());
  const one = got[0] as { Records: { eventSource: string; eventName: string; s3: { bucket: { arn: string } } }[] };
  assert.equal(one.Records.length, 1);
  assert.equal(one.Records[0]?.eventSource, "aws:s3");
  assert.equal(one.Records[0]?.eventName, "ObjectCreated:Put");
  assert.equal(one.Records[0]?.s3.bucket.arn, "arn:aws:s3:::images");
});

test("the webhook: missing token 401, wrong token 403, malformed documents 400 — and nothing published for any of them", async () => {
  const jsm = await jetstreamManager(stack.nc);
  const before = (await jsm.streams.info(S3_EVENTS_STREAM)).state.last_seq;
  const doc = forBucket("minio-nsq-put", "refused-bucket");

  const missing = await post(doc);
  assert.equal(missing.status, 401);
  assert.equal(missing.json.error, "MissingToken");
  assert.equal((await post(doc, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`)).status, 401, "not a bearer token");
  const wrong = await post(doc, "Bearer not-the-token-0123456789");
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json.error, "InvalidToken");
  assert.equal((await post(doc, `Bearer ${TOKEN}x`)).status, 403);

  for (const bad of ["{not json", "[]", JSON.stringify({ EventName: "s3:ObjectCreated:Put", Records: [] }),
    JSON.stringify({ Records: [{ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" } } }] })]) {
    const res = await post(bad, `Bearer ${TOKEN}`);
    assert.equal(res.status, 400, bad);
    assert.equal(res.json.error, "InvalidNotification");
    assert.equal(typeof res.json.message, "string");
  }
  assert.equal((await jsm.streams.info(S3_EVENTS_STREAM)).state.last_seq, before, "nothing reached FNMESH_S3");
});

test("the webhook refuses a wrong token from the headers, before the body arrives; a body over 1 MiB is 413", async () => {
  // Headers promise 8 MB, only 1 KB is sent: the answer can only come if the body is not awaited.
  const url = new URL(`${stack.endpoint}${PATH}`);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: PATH, method: "POST",
      headers: { "content-type": "application/json", "content-length": String(8 * 1024 * 1024), authorization: "Bearer wrong-token-0123456789abcdef" } },
    (res) => { res.resume(); resolve(res.statusCode ?? 0); req.destroy(); });
    req.on("error", (err) => { if (!req.destroyed) reject(err); });
    req.write(Buffer.alloc(1024, 0x20));
  });
  assert.equal(status, 403);
  const big = await post(new Uint8Array(1024 * 1024 + 1).fill(0x20), `Bearer ${TOKEN}`);
  assert.equal(big.status, 413);
  assert.equal(big.json.error, "PayloadTooLarge");
});

test("the webhook with MinIO's bearer token: the function receives Lambda's S3 event; a replayed document is one invocation", async () => {
  const bucket = "webhook-bucket";
  const { name } = await functionOnBucket(bucket);
  const doc = forBucket("minio-kafka-put", bucket);
  const first = await post(doc, `Bearer ${TOKEN}`);
  assert.equal(first.status, 200);
  assert.deepEqual(first.json, { records: 1, duplicate: false });
  const replay = await post(doc, `bearer ${TOKEN}`);
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.json, { records: 1, duplicate: true });
  // The same record in other bytes (reformatted): the message id comes from the record, so still one message.
  const reformatted = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(doc)), null, 2));
  assert.deepEqual((await post(reformatted, `Bearer ${TOKEN}`)).json, { records: 1, duplicate: true });
  await eventually(() => (received.get(name)?.length ?? 0) >= 1, { name: "the function ran", timeoutMs: 60_000 });
  await settled();
  assert.deepEqual(received.get(name), [lambdaEvent(doc)], "exactly one run, with Lambda's record");
  // MinIO's NATS target replaying its queue dir later (no message id: a new FNMESH_S3 message), after
  // the first invocation has run and left the work queue: FNMESH_ASYNC's duplicate window drops it.
  await jetstream(stack.nc).publish(subjects.s3Events("minio"), doc);
  await settled();
  assert.equal(received.get(name)?.length, 1, "the replay after the run was dropped by FNMESH_ASYNC's duplicate window");
});

test("a document that came through NATS and then through the webhook runs the function once; a disabled mapping gets nothing", async () => {
  const bucket = "both-routes";
  const { name, uuid } = await functionOnBucket(bucket);
  const doc = forBucket("minio-nats-streaming-put", bucket);
  await jetstream(stack.nc).publish(subjects.s3Events("minio"), doc);
  assert.equal((await post(doc, `Bearer ${TOKEN}`)).status, 200);
  await eventually(() => (received.get(name)?.length ?? 0) >= 1, { name: "the function ran", timeoutMs: 60_000 });
  await settled();
  assert.equal(received.get(name)?.length, 1);

  await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  await eventually(() => stack.trigger?.mappings.get(uuid)?.state === "Disabled", { name: "disabled seen by the trigger" });
  assert.equal((await post(forBucket("minio-nats-streaming-put", bucket, "14CF20BD1EFD5B94"), `Bearer ${TOKEN}`)).status, 200);
  await settled();
  assert.equal(received.get(name)?.length, 1, "a Disabled mapping is not invoked");
});

test("without FNMESH_S3_WEBHOOK_TOKEN the endpoint does not exist (404)", async () => {
  await using plain = await startStack({ scheduler: false });
  const res = await fetch(`${plain.endpoint}${PATH}`, { method: "POST", body: "{}", headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
});
