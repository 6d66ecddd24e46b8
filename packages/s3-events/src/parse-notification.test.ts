import { test } from "node:test";
import assert from "node:assert/strict";
import type { S3NotificationRecord } from "@fnmesh/protocol";
import { MINIO_FIXTURES, minioFixture } from "@fnmesh/s3-events/testing";
import { parseS3Notification } from "./parse-notification.ts";
import { notificationMessageId, s3RequestId } from "./dedup.ts";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const first = (bytes: Uint8Array): S3NotificationRecord => {
  const p = parseS3Notification(bytes);
  assert.ok(p.ok);
  return p.notification.Records[0] as S3NotificationRecord;
};

test("every vendored MinIO document is valid, whatever its wrapper (EventName, EventType, logrus fields)", () => {
  for (const name of MINIO_FIXTURES) {
    const p = parseS3Notification(minioFixture(name));
    assert.ok(p.ok, `${name}: ${p.ok ? "" : p.reason}`);
    assert.equal(p.notification.Records[0]?.s3.bucket.name, "images");
  }
});

test("an Amazon S3 / Ceph style document without MinIO's wrapper is valid", () => {
  const doc = JSON.parse(new TextDecoder().decode(minioFixture("minio-nsq-put"))) as { Records: unknown[] };
  assert.ok(parseS3Notification(enc({ Records: doc.Records })).ok);
});

test("malformed documents are refused with a reason naming what is wrong", () => {
  const cases: [Uint8Array, RegExp][] = [
    [enc("{not json"), /not a JSON document/],
    [new Uint8Array([0xff, 0xfe, 0x7b]), /not a JSON document/],
    [enc({ EventName: "s3:ObjectCreated:Put" }), /Records/],
    [enc({ Records: [] }), /Records/],
    [enc({ Records: [{ eventName: "s3:ObjectCreated:Put", s3: { object: { key: "k" } } }] }), /Records\.0\.s3\.bucket/],
    [enc({ Records: [{ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "" } } }] }), /Records\.0\.s3\.object\.key/],
    [enc({ Records: [{ s3: { bucket: { name: "b" }, object: { key: "k" } } }] }), /Records\.0\.eventName/],
    [enc([1, 2]), /not an S3 notification document/],
  ];
  for (const [bytes, reason] of cases) {
    const p = parseS3Notification(bytes);
    assert.equal(p.ok, false);
    if (!p.ok) assert.match(p.reason, reason);
  }
});

test("de-duplication ids: the same record (either event-name spelling) gives the same ids; key, sequencer, name, mapping change them", () => {
  const base = first(minioFixture("minio-nsq-put"));
  const mapping = "4a1c1e7e-8f6b-4c2a-9d3e-0b1f2a3c4d5e";
  const id = s3RequestId(mapping, base);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(s3RequestId(mapping, structuredClone(base)), id);
  assert.equal(s3RequestId(mapping, { ...base, eventName: "ObjectCreated:Put" }), id);
  assert.equal(notificationMessageId([base]), notificationMessageId([{ ...base, eventName: "ObjectCreated:Put" }]));
  // Same object name, encoded by MinIO or the S3 way: one record.
  const withKey = (key: string) => ({ ...base, s3: { ...base.s3, object: { ...base.s3.object, key } } });
  assert.equal(s3RequestId(mapping, withKey("a%2Fb+c.jpg")), s3RequestId(mapping, withKey("a/b+c.jpg")));
  const others = [
    withKey("other.jpg"),
    { ...base, s3: { ...base.s3, object: { ...base.s3.object, sequencer: "1562A792DAA53427" } } },
    { ...base, s3: { ...base.s3, bucket: { ...base.s3.bucket, name: "photos" } } },
    { ...base, eventName: "s3:ObjectRemoved:Delete" },
  ];
  for (const o of others) {
    assert.notEqual(s3RequestId(mapping, o), id);
    assert.notEqual(notificationMessageId([o]), notificationMessageId([base]));
  }
  assert.notEqual(s3RequestId("9a1c1e7e-8f6b-4c2a-9d3e-0b1f2a3c4d5e", base), id);
});
