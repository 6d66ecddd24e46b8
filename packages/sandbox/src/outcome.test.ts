import assert from "node:assert/strict";
import { test } from "node:test";
import { errorFromValue, outOfMemoryError, resultTooLargeError, timeoutError, toMemoryMb, unhandledRejectionError } from "./outcome.ts";

test("Lambda's wording for limits", () => {
  assert.equal(timeoutError(3000).errorMessage, "Task timed out after 3.00 seconds");
  assert.equal(timeoutError(1234).errorMessage, "Task timed out after 1.23 seconds");
  assert.equal(outOfMemoryError(128).errorMessage, "Runtime exited: JavaScript heap limit of 128 MB exceeded");
  assert.equal(resultTooLargeError(6291556).errorMessage, "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
});

test("errors copied out of an isolate lose the host's frames", () => {
  const copied = { name: "TypeError", message: "x", stack: "TypeError: x\n    at handler (file:///var/task/index.mjs:1:1)\n    at (<isolated-vm boundary>)\n    at host (/srv/fnmesh/sandbox.ts:1:1)" };
  assert.deepEqual(errorFromValue(copied), { errorType: "TypeError", errorMessage: "x", trace: ["TypeError: x", "    at handler (file:///var/task/index.mjs:1:1)"] });
  assert.deepEqual(errorFromValue(42), { errorType: "number", errorMessage: "42", trace: [] });
});

test("unhandled rejections name their reason", () => {
  assert.equal(unhandledRejectionError(new RangeError("r")).errorMessage, "RangeError: r");
  assert.equal(unhandledRejectionError("just text").errorMessage, "just text");
});

test("memory used is whole MB, at least 1", () => {
  assert.equal(toMemoryMb(0), 1);
  assert.equal(toMemoryMb(1024 * 1024 + 1), 2);
});
