/**
 * Cold starts begin from a blank isolate made ahead (isolated-vm/spare-isolates.ts): one of the
 * function's own memory size, so its memory limit is the function's, and replaced after use.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually } from "@fnmesh/test-harness";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { disposable, esmBundle, testFunction } from "./sandbox-runtime.case.ts";

const handler = esmBundle(`globalThis.seen = (globalThis.seen ?? 0) + 1;\nconst handler = async () => globalThis.seen;`);

test("after a cold start a spare isolate of that memory size is made, the next function of that size starts from it, with nothing of the first", async () => {
  await using rt = disposable(createIsolateRuntime);
  const a = await rt.invoke({ requestId: "a", fn: testFunction(handler, { memoryMb: 128 }), event: "{}" });
  assert.equal(a.status === "ok" && a.result, "1");
  await eventually(() => assert.equal(rt.stats().spareIsolates, 1), { name: "a spare for 128 MB", timeoutMs: 10_000 });
  const b = await rt.invoke({ requestId: "b", fn: testFunction(handler, { memoryMb: 128 }), event: "{}" });
  assert.equal(b.status === "ok" && b.result, "1", "a fresh global scope: the first function's state is not there");
  assert.equal(b.cold, true);
  await eventually(() => assert.equal(rt.stats().spareIsolates, 1), { name: "the spare replaced", timeoutMs: 10_000 });
});

test("a function never starts in a spare of another memory size: its own limit holds", async () => {
  await using rt = disposable(createIsolateRuntime);
  await rt.invoke({ requestId: "warm", fn: testFunction(handler, { memoryMb: 512 }), event: "{}" });
  await eventually(() => assert.equal(rt.stats().spareIsolates, 1), { name: "a spare for 512 MB", timeoutMs: 10_000 });
  // ~128 MB kept: within a 512 MB isolate's limit, past a 64 MB one's.
  const hog = esmBundle(`const handler = async () => { const keep = []; for (let i = 0; i < 16; i++) keep.push(new Array(1024 * 1024).fill(i + 0.5)); return keep.length; };`);
  const out = await rt.invoke({ requestId: "hog", fn: testFunction(hog, { memoryMb: 64 }), event: "{}" });
  assert.equal(out.status, "function_error");
  assert.equal(out.status === "function_error" && out.limit, "memory");
});
