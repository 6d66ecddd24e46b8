/**
 * Read-merge-write of a bucket's notification configuration (S3 replaces it whole on PUT): fnmesh's
 * queue entry is added or removed, everything else survives with its filters, and nothing is written
 * when nothing changes. `current` values have the shape the `minio` client's getBucketNotification
 * returns (its NotificationConfigResult); the written value is what setBucketNotification serialises.
 * Against a real MinIO: test/e2e/s3-minio.test.ts (testcontainers).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BOUND_EVENTS, FNMESH_CONFIGURATION_ID, mergeNotificationConfig } from "./bucket-binding.ts";
import { DEFAULT_TARGET_ARN } from "./config.ts";

type Result = Parameters<typeof mergeNotificationConfig>[0];
type Written = { [k in "QueueConfiguration" | "TopicConfiguration" | "CloudFunctionConfiguration"]?: { Id?: string; Event?: string[]; Filter?: { S3Key: { FilterRule: { Name: string; Value: string }[] } }; Queue?: string; Topic?: string; CloudFunction?: string }[] };

const written = (c: unknown): Written => JSON.parse(JSON.stringify(c)) as Written;

/** The written configuration as the client would read it back (GET returns the PUT document). */
function readBack(w: Written): Result {
  const entry = (e: NonNullable<Written["QueueConfiguration"]>[number]) => ({
    Id: e.Id ?? "", Event: e.Event ?? [], Filter: e.Filter?.S3Key.FilterRule ?? [],
  });
  return {
    QueueConfiguration: (w.QueueConfiguration ?? []).map((e) => ({ ...entry(e), Queue: e.Queue ?? "" })),
    TopicConfiguration: (w.TopicConfiguration ?? []).map((e) => ({ ...entry(e), Topic: e.Topic ?? "" })),
    CloudFunctionConfiguration: (w.CloudFunctionConfiguration ?? []).map((e) => ({ ...entry(e), CloudFunction: e.CloudFunction ?? "" })),
  };
}

const empty: Result = { QueueConfiguration: [], TopicConfiguration: [], CloudFunctionConfiguration: [] };
const others: Result = {
  QueueConfiguration: [{ Id: "thumbs", Queue: "arn:minio:sqs::PRIMARY:webhook", Event: ["s3:ObjectCreated:Put"], Filter: [{ Name: "prefix", Value: "photos/" }, { Name: "suffix", Value: ".jpg" }] }],
  TopicConfiguration: [{ Id: "audit", Topic: "arn:aws:sns:us-east-1:123456789012:audit", Event: ["s3:ObjectRemoved:*"], Filter: [] }],
  CloudFunctionConfiguration: [{ Id: "fn", CloudFunction: "arn:aws:lambda:us-east-1:123456789012:function:f", Event: ["s3:ObjectCreated:*"], Filter: [{ Name: "suffix", Value: ".csv" }] }],
};

const ours = { Queue: DEFAULT_TARGET_ARN, Id: FNMESH_CONFIGURATION_ID, Event: [...BOUND_EVENTS] };

test("binding an unconfigured bucket writes fnmesh's queue entry only; binding again writes nothing", () => {
  const out = mergeNotificationConfig(empty, DEFAULT_TARGET_ARN, true);
  assert.deepEqual(written(out), { QueueConfiguration: [ours] });
  assert.equal(mergeNotificationConfig(readBack(written(out)), DEFAULT_TARGET_ARN, true), undefined);
});

test("binding keeps every other entry with its id, events and filters", () => {
  const out = written(mergeNotificationConfig(others, DEFAULT_TARGET_ARN, true));
  assert.deepEqual(out, {
    TopicConfiguration: [{ Topic: "arn:aws:sns:us-east-1:123456789012:audit", Id: "audit", Event: ["s3:ObjectRemoved:*"] }],
    CloudFunctionConfiguration: [{ CloudFunction: "arn:aws:lambda:us-east-1:123456789012:function:f", Id: "fn", Event: ["s3:ObjectCreated:*"], Filter: { S3Key: { FilterRule: [{ Name: "suffix", Value: ".csv" }] } } }],
    QueueConfiguration: [
      { Queue: "arn:minio:sqs::PRIMARY:webhook", Id: "thumbs", Event: ["s3:ObjectCreated:Put"], Filter: { S3Key: { FilterRule: [{ Name: "prefix", Value: "photos/" }, { Name: "suffix", Value: ".jpg" }] } } },
      ours,
    ],
  });
  // Unbinding gives back exactly what was there.
  assert.deepEqual(readBack(written(mergeNotificationConfig(readBack(out), DEFAULT_TARGET_ARN, false))), others);
});

test("an entry for fnmesh's target that is narrowed (fewer events, a filter) is replaced by the full one", () => {
  const narrowed: Result = { ...empty, QueueConfiguration: [{ Id: "old", Queue: DEFAULT_TARGET_ARN, Event: ["s3:ObjectCreated:*"], Filter: [] }] };
  assert.deepEqual(written(mergeNotificationConfig(narrowed, DEFAULT_TARGET_ARN, true)), { QueueConfiguration: [ours] });
  const filtered: Result = { ...empty, QueueConfiguration: [{ Id: "old", Queue: DEFAULT_TARGET_ARN, Event: [...BOUND_EVENTS], Filter: [{ Name: "suffix", Value: ".png" }] }] };
  assert.deepEqual(written(mergeNotificationConfig(filtered, DEFAULT_TARGET_ARN, true)), { QueueConfiguration: [ours] });
});

test("unbinding a bucket without fnmesh's entry writes nothing; unbinding the last entry writes an empty configuration", () => {
  assert.equal(mergeNotificationConfig(others, DEFAULT_TARGET_ARN, false), undefined);
  const onlyOurs = readBack({ QueueConfiguration: [ours] });
  assert.deepEqual(written(mergeNotificationConfig(onlyOurs, DEFAULT_TARGET_ARN, false)), {});
  // Another target ARN is another entry: fnmesh's own is untouched.
  assert.equal(mergeNotificationConfig(onlyOurs, "arn:minio:sqs::OTHER:nats", false), undefined);
});
