/**
 * How fnmesh's three record shapes are filtered (issue 15): S3 records and Postgres change records are
 * plain JSON (no payload key); NATS records carry base64 `data` (modelled on Lambda's Kafka/MQ events),
 * filtered like Kinesis `data`. Shapes here follow the description of each record.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilters } from "./compile-filters.ts";
import { b64, criteriaOf } from "./testing/filter-table.ts";

test("S3 record: eventName prefix and key suffix (Lambda's S3 event shape, no payload key)", () => {
  const record = (eventName: string, key: string) => ({
    eventVersion: "2.1",
    eventSource: "aws:s3",
    eventName,
    s3: { bucket: { name: "photos", arn: "arn:aws:s3:::photos" }, object: { key, size: 1024, eTag: "d41d8cd98f00b204e9800998ecf8427e", sequencer: "0A1B2C3D4E5F678901" } },
  });
  const pass = compileFilters(criteriaOf({ eventName: [{ prefix: "ObjectCreated:" }], s3: { object: { key: [{ suffix: ".jpg" }], size: [{ numeric: [">", 0] }] } } }));
  const seen = [record("ObjectCreated:Put", "a.jpg"), record("ObjectCreated:Put", "a.png"), record("ObjectRemoved:Delete", "a.jpg"), record("ObjectCreated:Copy", "b/c.jpg")].filter(pass);
  assert.deepEqual(seen.map((r) => `${r.eventName} ${r.s3.object.key}`), ["ObjectCreated:Put a.jpg", "ObjectCreated:Copy b/c.jpg"]);
});

test("NATS record: subject metadata and base64 JSON data; undecodable data is dropped by data rules only", () => {
  const options = { payloadKey: "data", payloadEncoding: "base64" } as const;
  const record = (subject: string, data: string) => ({ subject, data, headers: {}, sequence: 7, timestamp: "2026-12-05T03:00:00Z" });
  const orders = compileFilters(criteriaOf([{ subject: [{ prefix: "orders." }], data: { total: [{ numeric: [">=", 100] }] } }, { subject: ["orders.vip"] }]), options);
  assert.equal(orders(record("orders.new", b64({ total: 150 }))), true);
  assert.equal(orders(record("orders.new", b64({ total: 99 }))), false);
  assert.equal(orders(record("orders.new", b64("not json"))), false);
  assert.equal(orders(record("orders.vip", b64("not json"))), true, "the second filter reads metadata only");
  assert.equal(orders(record("users.new", b64({ total: 150 }))), false);
});

test("Postgres change record: operation and new-row columns (DynamoDB-Streams-like, typed JSON rows)", () => {
  const change = (eventName: string, status: string | null, oldStatus?: string) => ({
    eventID: "0/16B3748",
    eventName,
    eventSourceARN: "arn:fnmesh:postgres:local:000000000000:table/dev/public.orders",
    dynamodb: { NewImage: { id: 1, status }, OldImage: oldStatus === undefined ? null : { id: 1, status: oldStatus } },
  });
  const shipped = compileFilters(criteriaOf({ eventName: ["MODIFY"], dynamodb: { NewImage: { status: ["shipped"] }, OldImage: { status: [{ "anything-but": "shipped" }] } } }));
  assert.equal(shipped(change("MODIFY", "shipped", "paid")), true);
  assert.equal(shipped(change("MODIFY", "shipped", "shipped")), false);
  assert.equal(shipped(change("INSERT", "shipped")), false);
  const nullStatus = compileFilters(criteriaOf({ dynamodb: { NewImage: { status: [null] } } }));
  assert.equal(nullStatus(change("INSERT", null)), true);
  assert.equal(nullStatus(change("INSERT", "paid")), false);
});

test("a compiled filter holds no state between records", () => {
  const pass = compileFilters(criteriaOf({ body: { k: ["v"] } }), { payloadKey: "body" });
  const records = [{ body: '{"k":"v"}' }, { body: '{"k":"w"}' }, { body: "plain" }, { body: '{"k":"v"}' }, {}, null, "text"];
  assert.deepEqual(records.map(pass), [true, false, false, true, false, false, false]);
});
