import assert from "node:assert/strict";
import { test } from "node:test";
import { EventSourceMappingView, parseEventSourceArn } from "./event-source-mapping.ts";

const account = { region: "us-east-1", accountId: "123456789012" };
const prefix = (service: string) => `arn:fnmesh:${service}:us-east-1:123456789012:`;

test("event source ARNs: the four forms of issue 15, with their parts", () => {
  assert.deepEqual(parseEventSourceArn("arn:aws:s3:::uploads.v2-bucket", account), { kind: "s3", bucket: "uploads.v2-bucket" });
  assert.deepEqual(parseEventSourceArn(`${prefix("nats")}subject/orders.new`, account), { kind: "nats", subject: "orders.new" });
  assert.deepEqual(parseEventSourceArn(`${prefix("nats")}subject/orders.*.eu`, account), { kind: "nats", subject: "orders.*.eu" });
  assert.deepEqual(parseEventSourceArn(`${prefix("nats")}subject/orders.>`, account), { kind: "nats", subject: "orders.>" });
  assert.deepEqual(parseEventSourceArn(`${prefix("nats")}subject/>`, account), { kind: "nats", subject: ">" });
  assert.deepEqual(parseEventSourceArn(`${prefix("jetstream")}stream/ORDERS_v1-a`, account), { kind: "jetstream", stream: "ORDERS_v1-a" });
  assert.deepEqual(parseEventSourceArn(`${prefix("postgres")}table/dev/public.orders`, account),
    { kind: "postgres", source: "dev", schema: "public", table: "orders" });
  assert.deepEqual(parseEventSourceArn(`${prefix("postgres")}table/app-db/Sales.line_items$2`, account),
    { kind: "postgres", source: "app-db", schema: "Sales", table: "line_items$2" });
});

test("event source ARNs refused, each with a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /is invalid: use arn:aws:s3:::<bucket>/],
    ["arn:aws:sqs:us-east-1:123456789012:queue", /is invalid/],
    [`${prefix("jetstream")}stream/FNMESH_DLQ`, /fnmesh's own streams/],
    [`${prefix("jetstream")}stream/KV_fnmesh-functions`, /fnmesh's own streams/],
    [`${prefix("jetstream")}stream/OBJ_fnmesh-code`, /fnmesh's own streams/],
    ["arn:aws:s3:::UpperCase", /valid S3 bucket/],
    ["arn:aws:s3:::ab", /valid S3 bucket/],
    ["arn:aws:s3:::a..b", /valid S3 bucket/],
    ["arn:aws:s3:::bucket/key", /valid S3 bucket/],
    ["arn:fnmesh:nats:eu-west-1:123456789012:subject/orders", /not in this region and account \(us-east-1, 123456789012\)/],
    ["arn:fnmesh:jetstream:us-east-1:999999999999:stream/S", /not in this region and account/],
    [`${prefix("nats")}stream/orders`, /is invalid/],
    [`${prefix("jetstream")}subject/orders`, /is invalid/],
    [`${prefix("nats")}subject/`, /valid NATS subject/],
    [`${prefix("nats")}subject/a..b`, /valid NATS subject/],
    [`${prefix("nats")}subject/a.>.b`, /valid NATS subject/],
    [`${prefix("nats")}subject/a.b*`, /valid NATS subject/],
    [`${prefix("nats")}subject/has space`, /valid NATS subject/],
    [`${prefix("nats")}subject/fnmesh.async.f`, /valid NATS subject/],
    [`${prefix("nats")}subject/$JS.API.>`, /valid NATS subject/],
    [`${prefix("nats")}subject/_INBOX.x`, /valid NATS subject/],
    [`${prefix("jetstream")}stream/A.B`, /valid JetStream stream/],
    [`${prefix("jetstream")}stream/A*`, /valid JetStream stream/],
    [`${prefix("jetstream")}stream/`, /valid JetStream stream/],
    [`${prefix("postgres")}table/dev/orders`, /table\/<source>\/<schema>.<table>/],
    [`${prefix("postgres")}table/dev/public.orders.x`, /table\/<source>/],
    [`${prefix("postgres")}table/dev/"Public".orders`, /table\/<source>/],
    [`${prefix("postgres")}table/1dev/public.orders`, /table\/<source>/],
  ];
  for (const [arn, reason] of cases) {
    const got = parseEventSourceArn(arn, account);
    assert.ok("error" in got, `${arn} accepted as ${JSON.stringify(got)}`);
    assert.match(got.error, reason, arn);
  }
});

test("the view schema takes a mapping and refuses a bad UUID or state", () => {
  const view = {
    v: 1, uuid: "6f1c2e0a-3b4d-4c5e-8f70-112233445566", functionName: "f", eventSourceArn: `${prefix("jetstream")}stream/S`,
    source: { kind: "jetstream", stream: "S" }, state: "Enabled", batchSize: 100, maximumBatchingWindowInSeconds: 0,
    startingPosition: "LATEST", functionResponseTypes: [], maximumRetryAttempts: -1, revision: "r", lastModified: 1,
  };
  assert.deepEqual(EventSourceMappingView.parse(view), view);
  assert.equal(EventSourceMappingView.safeParse({ ...view, uuid: "x" }).success, false);
  assert.equal(EventSourceMappingView.safeParse({ ...view, state: "Creating" }).success, false);
});
