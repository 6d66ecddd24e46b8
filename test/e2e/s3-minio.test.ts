/**
 * A real MinIO (the image infra/compose.yaml pins, under testcontainers) with its NATS target in
 * JetStream mode on fnmesh's NATS and a webhook target on ingest, both configured as the package
 * README says: an S3 mapping made through @aws-sdk/client-lambda binds the bucket (the trigger's
 * binding reconcile with the `minio` client), an upload runs the function with Lambda's S3 event,
 * and deleting the last mapping unbinds the bucket. Needs a container engine: without one every
 * test here is skipped with the reason testcontainers gives (this machine has none; see
 * ../shared/TOOLCHAIN.md); with one they run for real.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import type { StartedTestContainer } from "testcontainers";
import { createInvokeClient } from "@fnmesh/invoke";
import { EVENT_SOURCES_BUCKET, EventSourceMappingView } from "@fnmesh/protocol";
import { createS3Client, DEFAULT_TARGET_ARN, type LambdaS3Event } from "@fnmesh/s3-events";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startS3Fanout } from "../../services/trigger/src/sources/s3-fanout.ts";
import { startS3Binding, type S3Binding } from "../../services/trigger/src/sources/s3-binding.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

/** As test/harness/src/containers.ts detects an engine (not exported by the harness). */
async function containerEngine(): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return { available: true };
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

const engine = await containerEngine();
const skip = engine.available ? false : `no container engine for a real MinIO (testcontainers: ${engine.reason})`;

const ROOT_USER = "fnmesh";
const ROOT_PASSWORD = "fnmesh-test-secret";
const WEBHOOK_TOKEN = "minio-e2e-webhook-token-0123456789";
const WEBHOOK_ARN = "arn:minio:sqs::FNMESH:webhook";
/** The MinIO build infra/compose.yaml pins (by digest), so the test and `docker compose up` run the same server. */
const MINIO_IMAGE = (parseYaml(readFileSync(join(import.meta.dirname, "../../infra/compose.yaml"), "utf8")) as { services: { minio: { image: string } } }).services.minio.image;

let stack: Stack;
let recorder: Server;
let recorderUrl = "";
let nc: NatsConnection;
let minio: StartedTestContainer;
let binding: S3Binding;
const stops: (() => Promise<unknown> | void)[] = [];
const received = new Map<string, LambdaS3Event[]>();
const views = new Map<string, EventSourceMappingView>();

before(async () => {
  if (skip) return;
  recorder = createServer((req, res) => {
    const fn = new URL(req.url ?? "/", "http://recorder").searchParams.get("fn") ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.set(fn, [...(received.get(fn) ?? []), JSON.parse(Buffer.concat(chunks).toString("utf8")) as LambdaS3Event]);
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  const recorderPort = (recorder.address() as AddressInfo).port;
  recorderUrl = `http://127.0.0.1:${recorderPort}`;
  stack = await startStack({ ingestEnv: { FNMESH_S3_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${recorderPort}` } });
  nc = await connect({ servers: stack.natsUrl.split(","), name: "e2e-s3-minio-trigger" });

  // The trigger's part: mapping views from KV, the fan-out (which creates FNMESH_S3, needed before
  // MinIO's JetStream target can publish), the binding reconcile.
  const kv = await new Kvm(nc).open(EVENT_SOURCES_BUCKET);
  const watch = await kv.watch();
  stops.push(() => watch.stop());
  void (async () => {
    for await (const e of watch) {
      if (e.operation === "PUT") { const v = EventSourceMappingView.safeParse(e.json()); if (v.success) views.set(v.data.uuid, v.data); }
      else views.delete(e.key);
    }
  })();
  const log = createLogger({ service: "trigger", write: process.env.FNMESH_TEST_DEBUG === "1" ? (l) => process.stderr.write(l) : () => undefined });
  const fanout = await startS3Fanout({ nc, mappings: () => views.values(), invoker: createInvokeClient(nc), log });
  stops.push(() => fanout.stop());

  const { GenericContainer, TestContainers, Wait } = await import("testcontainers");
  const natsPort = Number(new URL(stack.natsUrl.split(",")[0] ?? "").port);
  const ingestPort = Number(new URL(stack.endpoint).port);
  await TestContainers.exposeHostPorts(natsPort, ingestPort);
  minio = await new GenericContainer(MINIO_IMAGE)
    .withCommand(["server", "/data"])
    .withEnvironment({
      MINIO_ROOT_USER: ROOT_USER, MINIO_ROOT_PASSWORD: ROOT_PASSWORD,
      // As infra/compose.yaml: target FNMESH, JetStream mode, fnmesh.s3.minio.
      MINIO_NOTIFY_NATS_ENABLE_FNMESH: "on",
      MINIO_NOTIFY_NATS_ADDRESS_FNMESH: `host.testcontainers.internal:${natsPort}`,
      MINIO_NOTIFY_NATS_SUBJECT_FNMESH: "fnmesh.s3.minio",
      MINIO_NOTIFY_NATS_JETSTREAM_FNMESH: "on",
      MINIO_NOTIFY_NATS_QUEUE_DIR_FNMESH: "/tmp/minio-notify-nats",
      // As packages/s3-events/README.md: the webhook target with the bearer token.
      MINIO_NOTIFY_WEBHOOK_ENABLE_FNMESH: "on",
      MINIO_NOTIFY_WEBHOOK_ENDPOINT_FNMESH: `http://host.testcontainers.internal:${ingestPort}/fnmesh/s3-notifications`,
      MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_FNMESH: WEBHOOK_TOKEN,
      MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_FNMESH: "/tmp/minio-notify-webhook",
    })
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp("/minio/health/live", 9000).forStatusCode(200))
    .start();
  stops.push(() => minio.stop());
});

after(async () => {
  await binding?.stop();
  for (const stop of stops.reverse()) await stop();
  await nc?.close();
  await stack?.[Symbol.asyncDispose]();
  recorder?.closeAllConnections();
  recorder?.close();
});

function s3Client() {
  return createS3Client({
    endPoint: minio.getHost(), port: minio.getMappedPort(9000), useSSL: false, accessKey: ROOT_USER, secretKey: ROOT_PASSWORD,
    region: "us-east-1", targetArn: DEFAULT_TARGET_ARN,
  });
}

async function functionOn(bucket: string): Promise<{ name: string; uuid: string }> {
  const name = randomName("minio").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      await fetch(${JSON.stringify(`${recorderUrl}/event?fn=${name}`)}, { method: "POST", body: JSON.stringify(event) });
    };` }) },
  }));
  const out = await stack.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: `arn:aws:s3:::${bucket}` }));
  const uuid = out.UUID ?? "";
  await eventually(() => views.has(uuid), { name: "the trigger sees the mapping" });
  return { name, uuid };
}

const queueArns = async (bucket: string) => (await s3Client().getBucketNotification(bucket)).QueueConfiguration.map((q) => q.Queue);

test("an upload to a bucket with an S3 mapping runs the function with Lambda's S3 event (MinIO's NATS target); deleting the mapping unbinds the bucket", { skip }, async () => {
  const client = s3Client();
  const bucket = "fnmesh-uploads";
  await client.makeBucket(bucket);
  const { name, uuid } = await functionOn(bucket);
  binding = startS3Binding({ client, targetArn: DEFAULT_TARGET_ARN, mappings: () => views.values(), log: createLogger({ service: "trigger", write: () => undefined }) });
  await binding.reconcile();
  assert.deepEqual(await queueArns(bucket), [DEFAULT_TARGET_ARN], "bound through the S3 API");

  await client.putObject(bucket, "photos/red flower.jpg", Buffer.from("hello"), 5, { "Content-Type": "image/jpeg" });
  await eventually(() => (received.get(name)?.length ?? 0) >= 1, { name: "the function ran for the upload", timeoutMs: 60_000 });
  const event = received.get(name)?.[0];
  assert.equal(event?.Records.length, 1);
  const record = event?.Records[0];
  assert.equal(record?.eventSource, "aws:s3");
  assert.equal(record?.eventName, "ObjectCreated:Put");
  assert.equal(record?.awsRegion, "us-east-1");
  assert.deepEqual(record?.s3.bucket, { name: bucket, ownerIdentity: { principalId: ROOT_USER }, arn: `arn:aws:s3:::${bucket}` });
  assert.equal(record?.s3.object.key, "photos/red+flower.jpg", "S3's encoding: space as +, / kept");
  assert.equal(record?.s3.object.size, 5);
  assert.match(record?.s3.object.eTag ?? "", /^[0-9a-f]{32}$/);
  assert.match(record?.s3.object.sequencer ?? "", /^[0-9A-F]+$/);

  await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  await eventually(() => !views.has(uuid), { name: "the trigger sees the delete" });
  await binding.reconcile();
  assert.deepEqual(await queueArns(bucket), [], "the last mapping gone, the bucket is unbound");
  await binding.stop();
});

test("MinIO's webhook target posts to ingest with its bearer token: the function runs once per upload", { skip }, async () => {
  const client = s3Client();
  const bucket = "fnmesh-webhook";
  await client.makeBucket(bucket);
  const { name } = await functionOn(bucket);
  const webhookBinding = startS3Binding({ client, targetArn: WEBHOOK_ARN, mappings: () => views.values(), log: createLogger({ service: "trigger", write: () => undefined }) });
  try {
    await webhookBinding.reconcile();
    assert.ok((await queueArns(bucket)).includes(WEBHOOK_ARN));
    await client.putObject(bucket, "a+b.txt", Buffer.from("x"), 1);
    await eventually(() => (received.get(name)?.length ?? 0) >= 1, { name: "the function ran for the upload", timeoutMs: 60_000 });
    assert.equal(received.get(name)?.[0]?.Records[0]?.s3.object.key, "a%2Bb.txt", "a literal + encoded once");
  } finally {
    await webhookBinding.stop();
  }
});
