/**
 * MinIO's documents (vendored from its documentation, see testing/fixtures/README.md) become
 * Lambda's S3 event records: the keys of the record Amazon documents (S3 User Guide "Event message
 * structure"; the Lambda Developer Guide's S3 example event), `aws:s3`, event names without `s3:`,
 * keys encoded as S3 encodes them (`red flower.jpg` → `red+flower.jpg`), MinIO's extras left out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { S3NotificationRecord } from "@fnmesh/protocol";
import { MINIO_FIXTURES, minioFixture } from "@fnmesh/s3-events/testing";
import { decodeS3Key, encodeS3Key } from "./object-key.ts";
import { parseS3Notification } from "./parse-notification.ts";
import { toLambdaS3Record } from "./lambda-record.ts";

const options = { defaultRegion: "us-east-1" };

function recordOf(bytes: Uint8Array): S3NotificationRecord {
  const parsed = parseS3Notification(bytes);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
  assert.equal(parsed.notification.Records.length, 1);
  return parsed.notification.Records[0] as S3NotificationRecord;
}

/** A record as MinIO's ToEvent builds it (cmd/event-notification.go), for cases the docs do not show. */
function minioRecord(over: { eventName?: string; key: string; size?: number; eTag?: string; versionId?: string }): S3NotificationRecord {
  return {
    eventVersion: "2.0", eventSource: "minio:s3", awsRegion: "", eventTime: "2026-12-05T08:00:00.123Z",
    eventName: over.eventName ?? "s3:ObjectCreated:Put", userIdentity: { principalId: "fnmesh" },
    requestParameters: { principalId: "fnmesh", region: "", sourceIPAddress: "172.18.0.1" },
    responseElements: { "x-amz-id-2": "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8", "x-amz-request-id": "187E2D5C1A2B3C4D", "x-minio-deployment-id": "d1", "x-minio-origin-endpoint": "http://172.18.0.3:9000" },
    s3: {
      s3SchemaVersion: "1.0", configurationId: "Config",
      bucket: { name: "uploads", ownerIdentity: { principalId: "fnmesh" }, arn: "arn:aws:s3:::uploads" },
      object: { key: over.key, ...(over.size !== undefined ? { size: over.size } : {}), ...(over.eTag ? { eTag: over.eTag } : {}), ...(over.versionId ? { versionId: over.versionId } : {}), sequencer: "187E2D5C1A2B3C4E" },
    },
    source: { host: "172.18.0.1", port: "", userAgent: "MinIO (linux; amd64) minio-js/8.0.7" },
  };
}

// The record's members in Amazon's documented structure (S3 User Guide, "Event message structure").
const RECORD_KEYS = ["awsRegion", "eventName", "eventSource", "eventTime", "eventVersion", "requestParameters", "responseElements", "s3", "userIdentity"];
const S3_KEYS = ["bucket", "configurationId", "object", "s3SchemaVersion"];
const OBJECT_KEYS = new Set(["eTag", "key", "sequencer", "size", "versionId"]);

test("every vendored MinIO document converts to a record with exactly the members Amazon documents", () => {
  for (const name of MINIO_FIXTURES) {
    const out = toLambdaS3Record(recordOf(minioFixture(name)), options);
    assert.deepEqual(Object.keys(out).sort(), RECORD_KEYS, name);
    assert.deepEqual(Object.keys(out.s3).sort(), S3_KEYS, name);
    assert.deepEqual(Object.keys(out.s3.bucket).sort(), ["arn", "name", "ownerIdentity"], name);
    for (const k of Object.keys(out.s3.object)) assert.ok(OBJECT_KEYS.has(k), `${name}: object member ${k}`);
    assert.deepEqual(Object.keys(out.requestParameters), ["sourceIPAddress"], name);
    assert.deepEqual(Object.keys(out.responseElements).sort(), ["x-amz-id-2", "x-amz-request-id"], name);
    assert.equal(out.eventSource, "aws:s3", name);
    assert.equal(out.eventName, "ObjectCreated:Put", name);
    assert.match(out.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, name);
  }
});

test("MinIO's Kafka example (today's wrapper) converts field for field", () => {
  assert.deepEqual(toLambdaS3Record(recordOf(minioFixture("minio-kafka-put")), options), {
    eventVersion: "2.0",
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: "2019-09-10T17:41:54.000Z",
    eventName: "ObjectCreated:Put",
    userIdentity: { principalId: "AKIAIOSFODNN7EXAMPLE" },
    requestParameters: { sourceIPAddress: "192.168.56.192" },
    responseElements: { "x-amz-request-id": "15C3249451E12784", "x-amz-id-2": "" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "Config",
      bucket: { name: "images", ownerIdentity: { principalId: "AKIAIOSFODNN7EXAMPLE" }, arn: "arn:aws:s3:::images" },
      object: { key: "myphoto.jpg", size: 6474, eTag: "430f89010c77aa34fc8760696da62d08-1", versionId: "1", sequencer: "15C32494527B46C5" },
    },
  });
});

test("a region the sender names is kept; MinIO's empty one becomes the default", () => {
  const rec = { ...minioRecord({ key: "a.txt", size: 1 }), awsRegion: "eu-west-1" };
  assert.equal(toLambdaS3Record(rec, options).awsRegion, "eu-west-1");
  assert.equal(toLambdaS3Record(minioRecord({ key: "a.txt", size: 1 }), { defaultRegion: "ap-south-1" }).awsRegion, "ap-south-1");
});

test("a current MinIO record: x-amz-id-2 and the request id kept, MinIO's extras dropped", () => {
  const out = toLambdaS3Record(minioRecord({ key: "a.txt", size: 5, eTag: "e1" }), options);
  assert.deepEqual(out.responseElements, { "x-amz-request-id": "187E2D5C1A2B3C4D", "x-amz-id-2": "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8" });
  assert.deepEqual(out.requestParameters, { sourceIPAddress: "172.18.0.1" });
  assert.equal("source" in out, false);
  assert.equal(out.eventTime, "2026-12-05T08:00:00.123Z");
});

test("deletes carry no size or eTag (as S3); an empty object created has size 0 (MinIO omits a zero size)", () => {
  const del = toLambdaS3Record(minioRecord({ eventName: "s3:ObjectRemoved:Delete", key: "a.txt" }), options);
  assert.equal(del.eventName, "ObjectRemoved:Delete");
  assert.deepEqual(del.s3.object, { key: "a.txt", sequencer: "187E2D5C1A2B3C4E" });
  const empty = toLambdaS3Record(minioRecord({ key: "empty", eTag: "d41d8cd98f00b204e9800998ecf8427e" }), options);
  assert.equal(empty.s3.object.size, 0);
  const marker = toLambdaS3Record(minioRecord({ eventName: "s3:ObjectRemoved:DeleteMarkerCreated", key: "a.txt", versionId: "v2" }), options);
  assert.deepEqual(marker.s3.object, { key: "a.txt", versionId: "v2", sequencer: "187E2D5C1A2B3C4E" });
});

// MinIO's key is Go's url.QueryEscape of the name; S3's keeps `/`. Rows: name, MinIO's key, S3's key.
const KEYS: [string, string, string][] = [
  ["red flower.jpg", "red+flower.jpg", "red+flower.jpg"],                     // the S3 User Guide's example
  ["photos/2024/a.jpg", "photos%2F2024%2Fa.jpg", "photos/2024/a.jpg"],
  ["logs/dt=2024-01-01/x (1).gz", "logs%2Fdt%3D2024-01-01%2Fx+%281%29.gz", "logs/dt%3D2024-01-01/x+%281%29.gz"],
  ["a+b.txt", "a%2Bb.txt", "a%2Bb.txt"],                                       // a literal plus: never double-encoded
  ["100%.txt", "100%25.txt", "100%25.txt"],
  ["今晩は.png", "%E4%BB%8A%E6%99%A9%E3%81%AF.png", "%E4%BB%8A%E6%99%A9%E3%81%AF.png"],
  ["it's*!~_-.txt", "it%27s%2A%21~_-.txt", "it%27s%2A%21~_-.txt"],
  ["q?x#y&z", "q%3Fx%23y%26z", "q%3Fx%23y%26z"],
];

test("object keys: MinIO's QueryEscape'd key becomes S3's encoding, decoded once, never twice", () => {
  for (const [name, minio, s3] of KEYS) {
    assert.equal(decodeS3Key(minio), name, `decode ${minio}`);
    assert.equal(encodeS3Key(name), s3, `encode ${name}`);
    assert.equal(toLambdaS3Record(minioRecord({ key: minio, size: 1 }), options).s3.object.key, s3, `record key for ${name}`);
    // A sender that already writes S3's encoding (Amazon S3, Ceph) keeps its key.
    assert.equal(toLambdaS3Record(minioRecord({ key: s3, size: 1 }), options).s3.object.key, s3, `S3-encoded ${s3}`);
  }
});

test("a key that is not valid percent-encoding is taken as the name and encoded", () => {
  assert.equal(decodeS3Key("50%off"), "50%off");
  assert.equal(toLambdaS3Record(minioRecord({ key: "50%off", size: 1 }), options).s3.object.key, "50%25off");
});

test("event names: MinIO's s3: prefix removed, Amazon's and Ceph's unprefixed names kept", () => {
  for (const [given, want] of [["s3:ObjectCreated:CompleteMultipartUpload", "ObjectCreated:CompleteMultipartUpload"], ["ObjectCreated:Copy", "ObjectCreated:Copy"], ["s3:ObjectAccessed:Get", "ObjectAccessed:Get"]]) {
    assert.equal(toLambdaS3Record(minioRecord({ eventName: given, key: "k", size: 1 }), options).eventName, want);
  }
});

test("a Ceph RGW record (IBM Storage Ceph docs, 'Event record' example) converts: size as a string, microseconds, S3-style ARN", () => {
  const doc = { Records: [{
    eventVersion: "2.1", eventSource: "ceph:s3", awsRegion: "us-east-1", eventTime: "2019-11-22T13:47:35.124724Z", eventName: "ObjectCreated:Put",
    userIdentity: { principalId: "tester" }, requestParameters: { sourceIPAddress: "" },
    responseElements: { "x-amz-request-id": "503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595", "x-amz-id-2": "14d2-zone1-zonegroup1" },
    s3: {
      s3SchemaVersion: "1.0", configurationId: "mynotif1",
      bucket: { name: "mybucket1", ownerIdentity: { principalId: "tester" }, arn: "arn:aws:s3:us-east-1::mybucket1", id: "503a4c37-85eb-47cd-8681-2817e80b4281.5332.38" },
      object: { key: "myimage1.jpg", size: "1024", eTag: "37b51d194a7513e45b56f6524f2d51f2", versionId: "", sequencer: "F7E6D75DC742D108", metadata: [], tags: [] },
    },
    eventId: "", opaqueData: "me@example.com",
  }] };
  const out = toLambdaS3Record(recordOf(new TextEncoder().encode(JSON.stringify(doc))), options);
  assert.equal(out.eventTime, "2019-11-22T13:47:35.124Z");
  assert.equal(out.eventVersion, "2.1");
  assert.deepEqual(out.s3.bucket, { name: "mybucket1", ownerIdentity: { principalId: "tester" }, arn: "arn:aws:s3:::mybucket1" });
  assert.deepEqual(out.s3.object, { key: "myimage1.jpg", size: 1024, eTag: "37b51d194a7513e45b56f6524f2d51f2", sequencer: "F7E6D75DC742D108" });
  assert.deepEqual(out.responseElements, { "x-amz-request-id": "503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595", "x-amz-id-2": "14d2-zone1-zonegroup1" });
});
