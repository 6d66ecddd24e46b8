import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { decodeFramed, decodeJson, encodeFramed, encodeJson } from "./codec.ts";
import { InvokeRequest, type InvokeRequestInput } from "./schemas/invocation.ts";
import { LogBatch, LogEvent } from "./schemas/log.ts";
import { isFnmeshError } from "./errors.ts";

const request: InvokeRequestInput = {
  v: 2,
  requestId: randomUUID(),
  invocationType: "RequestResponse",
  logType: "Tail",
  acceptedAt: Date.now(),
  function: "echo",
  source: { kind: "api" },
};

test("framed messages carry payload bytes verbatim after the envelope", () => {
  const payload = new TextEncoder().encode('{"text":"line1\\nline2","q":"\\""}\n\n');
  const { envelope, payload: out } = decodeFramed(InvokeRequest, encodeFramed(InvokeRequest, request, payload));
  assert.equal(envelope.requestId, request.requestId);
  assert.equal(envelope.attempt, 1, "default applied on decode");
  assert.deepEqual(Buffer.from(out), Buffer.from(payload));
});

test("decoding rejects bad envelopes with a clear invalid_message error", () => {
  const bad = encodeFramed(InvokeRequest, { ...request, requestId: "nope" }, new Uint8Array());
  assert.throws(() => decodeFramed(InvokeRequest, bad, "invoke request"), (err: unknown) => {
    assert.ok(isFnmeshError(err));
    assert.equal(err.code, "invalid_message");
    assert.match(err.message, /invalid invoke request: requestId/);
    return true;
  });
  assert.throws(() => decodeFramed(InvokeRequest, new TextEncoder().encode("{}"), "x"), /missing envelope line/);
  assert.throws(() => decodeJson(LogEvent, new TextEncoder().encode("{not json"), "log event"), /not JSON/);
});

test("plain JSON messages round-trip and validate enums", () => {
  const event = { requestId: "r", version: "$LATEST", time: 1, level: "INFO" as const, line: "hi" };
  const batch = { v: 2 as const, function: "f", events: [event, { ...event, line: "there" }] };
  assert.deepEqual(decodeJson(LogBatch, encodeJson(LogBatch, batch)), batch);
  assert.throws(() => decodeJson(LogBatch, encodeJson(LogBatch, { ...batch, events: [{ ...event, level: "LOUD" as "INFO" }] })), /events\.0\.level/);
  assert.throws(() => decodeJson(LogBatch, encodeJson(LogBatch, { ...batch, events: [] })), /events/);
});
