/**
 * The webhook route on its own, over a real nats-server: a notification NATS did not store is 503 so
 * MinIO keeps it and sends it again (its webhook target retries any non-2xx), and 200 once stored.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { S3_EVENTS_STREAM, subjects } from "@fnmesh/protocol";
import { ensureEventSourceStreams } from "@fnmesh/service-kit";
import { minioFixture } from "@fnmesh/s3-events/testing";
import { createLogger } from "@fnmesh/telemetry";
import { startNats } from "@fnmesh/test-harness";
import type { IngestEnv } from "../src/context.ts";
import { createInFlight } from "../src/in-flight.ts";
import { registerS3WebhookRoute, S3_WEBHOOK_PATH } from "../src/s3-webhook/webhook-route.ts";

const TOKEN = "route-test-token-0123456789";

test("503 while FNMESH_S3 cannot store the document (MinIO retries), 200 once it can; the stored bytes are the posted ones", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const app = new Hono<IngestEnv>();
  const inFlight = createInFlight();
  registerS3WebhookRoute(app, { js: jetstream(nc), token: TOKEN, log: createLogger({ service: "ingest", write: () => undefined }), inFlight });
  const body = minioFixture("minio-nsq-put");
  const post = () => app.request(S3_WEBHOOK_PATH, { method: "POST", body, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });

  const refused = await post();
  assert.equal(refused.status, 503);
  assert.equal((await refused.json() as { error: string }).error, "Unavailable");

  await ensureEventSourceStreams(nc);
  const stored = await post();
  assert.equal(stored.status, 200);
  assert.deepEqual(await stored.json(), { records: 1, duplicate: false });
  const m = await (await jetstreamManager(nc)).streams.getMessage(S3_EVENTS_STREAM, { last_by_subj: subjects.s3Events("webhook") });
  assert.ok(m);
  assert.deepEqual(Buffer.from(m.data), Buffer.from(body));
  assert.match(m.header.get("Nats-Msg-Id"), /^s3-[0-9a-f]{64}$/);
  assert.equal(inFlight.count, 0, "every request left the in-flight count");
});
