import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Limits } from "@fnmesh/protocol";
import { bodyLimitFor, MAX_CONTROL_BODY_BYTES, MAX_DEPLOY_BODY_BYTES, readBody, requestBody } from "./http-body.ts";

const F = "/2015-03-31/functions";

test("deploy operations get Lambda's 69905067-byte limit, invokes 6 MB, everything else a small control limit", () => {
  assert.equal(MAX_DEPLOY_BODY_BYTES, 69_905_067);
  assert.deepEqual(bodyLimitFor("POST", F), { limit: MAX_DEPLOY_BODY_BYTES, operation: "CreateFunction" });
  assert.deepEqual(bodyLimitFor("POST", `${F}/`), { limit: MAX_DEPLOY_BODY_BYTES, operation: "CreateFunction" });
  assert.deepEqual(bodyLimitFor("PUT", `${F}/fn/code`), { limit: MAX_DEPLOY_BODY_BYTES, operation: "UpdateFunctionCode" });
  assert.deepEqual(bodyLimitFor("POST", `${F}/fn/invocations`), { limit: Limits.syncPayloadBytes, operation: "InvokeFunction" });
  assert.deepEqual(bodyLimitFor("PUT", `${F}/fn/configuration`), { limit: MAX_CONTROL_BODY_BYTES, operation: "UpdateFunctionConfiguration" });
  // A PUT to .../code under another verb is not a deploy.
  assert.equal(bodyLimitFor("POST", `${F}/fn/code`).limit, MAX_CONTROL_BODY_BYTES);
  assert.equal(bodyLimitFor("DELETE", `${F}/fn`).limit, MAX_CONTROL_BODY_BYTES);
});

/** A Request whose body arrives in the given chunks. */
function request(chunks: Uint8Array[], contentLength?: number): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) { for (const chunk of chunks) controller.enqueue(chunk); controller.close(); },
  });
  const headers = contentLength === undefined ? {} : { "content-length": String(contentLength) };
  return new Request("http://x/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("the body is read whole and hashed, with or without a declared length, in any chunking", async () => {
  const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
  const parts = [data.subarray(0, 1), data.subarray(1, 65_537), data.subarray(65_537)];
  for (const declared of [data.length, undefined]) {
    const read = await readBody(requestBody(request(parts, declared)), 200_000, "Test");
    assert.deepEqual(Buffer.from(read.body), Buffer.from(data), `declared ${declared}`);
    assert.equal(read.sha256, sha(data));
  }
  // Shorter than declared: what arrived, not the rest of an uninitialised buffer.
  const short = await readBody(requestBody(request([data.subarray(0, 10)], 50)), 200_000, "Test");
  assert.deepEqual(Buffer.from(short.body), Buffer.from(data.subarray(0, 10)));
  // Longer than declared: nothing is lost.
  const long = await readBody(requestBody(request([data.subarray(0, 10), data.subarray(10, 30)], 15)), 200_000, "Test");
  assert.deepEqual(Buffer.from(long.body), Buffer.from(data.subarray(0, 30)));
  assert.equal(long.sha256, sha(data.subarray(0, 30)));
});

test("past the limit is Lambda's 413 text, whether declared or streamed", async () => {
  const msg = { message: "Request must be smaller than 10 bytes for the CreateFunction operation" };
  await assert.rejects(readBody(requestBody(request([new Uint8Array(11)], 11)), 10, "CreateFunction"), msg);
  await assert.rejects(readBody(requestBody(request([new Uint8Array(6), new Uint8Array(6)])), 10, "CreateFunction"), msg);
  const exact = await readBody(requestBody(request([new Uint8Array(10)])), 10, "CreateFunction");
  assert.equal(exact.body.length, 10);
});
