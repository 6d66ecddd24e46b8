import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDestinationArn } from "./destination.ts";

const account = { region: "us-east-1", accountId: "123456789012" };

test("destination ARNs: functions of this region and account, NATS and JetStream subjects", () => {
  assert.deepEqual(parseDestinationArn("arn:aws:lambda:us-east-1:123456789012:function:on-done", account), { kind: "function", name: "on-done" });
  assert.deepEqual(parseDestinationArn("arn:aws:lambda:us-east-1:123456789012:function:on-done:$LATEST", account),
    { kind: "function", name: "on-done", qualifier: "$LATEST" });
  assert.deepEqual(parseDestinationArn("arn:fnmesh:nats:us-east-1:123456789012:subject/orders.failed", account), { kind: "nats", subject: "orders.failed" });
  assert.deepEqual(parseDestinationArn("arn:fnmesh:jetstream:us-east-1:123456789012:subject/audit.lambda", account), { kind: "jetstream", subject: "audit.lambda" });
});

test("destination ARNs refused: other region or account, other qualifiers, wildcards, empty tokens, reserved subjects, other services", () => {
  for (const arn of [
    "arn:aws:lambda:eu-west-1:123456789012:function:x",
    "arn:aws:lambda:us-east-1:999999999999:function:x",
    "arn:aws:lambda:us-east-1:123456789012:function:x:1",
    "arn:aws:lambda:us-east-1:123456789012:function:bad.name",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/orders.*",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/orders.>",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/a..b",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/has space",
    "arn:fnmesh:jetstream:us-east-1:123456789012:subject/fnmesh.async.x",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/$JS.API.STREAM.DELETE.X",
    "arn:fnmesh:nats:us-east-1:123456789012:subject/_INBOX.abc",
    "arn:fnmesh:nats:eu-west-1:123456789012:subject/ok",
    "arn:aws:sqs:us-east-1:123456789012:queue",
    "not an arn",
  ]) {
    const parsed = parseDestinationArn(arn, account);
    assert.ok("error" in parsed, `accepted ${arn}`);
    assert.ok(parsed.error.includes(arn), parsed.error);
  }
});
