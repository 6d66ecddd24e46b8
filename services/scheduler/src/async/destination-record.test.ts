import assert from "node:assert/strict";
import { test } from "node:test";
import { InvokeRequest } from "@fnmesh/protocol";
import { derivedRequestId, destinationRecord, payloadValue } from "./destination-record.ts";

test("derived request ids are valid, stable per input and distinct across inputs", () => {
  const a = derivedRequestId("r1.Success");
  assert.equal(derivedRequestId("r1.Success"), a);
  assert.notEqual(derivedRequestId("r1.RetriesExhausted"), a);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // The invoke request schema accepts it as a request id.
  assert.equal(InvokeRequest.safeParse({ v: 2, requestId: a, invocationType: "Event", logType: "None", function: "f", source: { kind: "destination" }, acceptedAt: 1 }).success, true);
});

test("payloads are parsed JSON when they are JSON, else text, else base64", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(payloadValue(enc('{"a":[1]}')), { a: [1] });
  assert.equal(payloadValue(enc('"s"')), "s");
  assert.equal(payloadValue(enc("not json")), "not json");
  assert.equal(payloadValue(new Uint8Array([0xff, 0xfe])), "//4=");
  assert.equal(payloadValue(new Uint8Array()), null);
});

test("the record qualifies the ARN and has a responseContext only when the function answered", () => {
  const base = { requestId: "r", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f", qualifier: "$LATEST",
    approximateInvokeCount: 0, payload: new TextEncoder().encode("{}"), now: new Date(0) };
  assert.deepEqual(destinationRecord({ ...base, condition: "EventAgeExceeded" }), {
    version: "1.0", timestamp: "1970-01-01T00:00:00.000Z",
    requestContext: { requestId: "r", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST", condition: "EventAgeExceeded", approximateInvokeCount: 0 },
    requestPayload: {},
  });
  const failed = destinationRecord({ ...base, condition: "RetriesExhausted", approximateInvokeCount: 3,
    response: { executedVersion: "$LATEST", functionError: { errorType: "Error", errorMessage: "x" }, body: new TextEncoder().encode('{"errorType":"Error","errorMessage":"x"}') } });
  assert.deepEqual([failed.responseContext, failed.responsePayload], [{ statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" }, { errorType: "Error", errorMessage: "x" }]);
});
