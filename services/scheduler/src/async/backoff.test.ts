import assert from "node:assert/strict";
import { test } from "node:test";
import { boundByAge, retryDelayMs, throttleDelayMs } from "./backoff.ts";

test("retries wait base, then twice base (Lambda: about 1 minute, then about 2)", () => {
  assert.deepEqual([1, 2].map((n) => retryDelayMs(60_000, n)), [60_000, 120_000]);
  assert.equal(retryDelayMs(50, 3), 200);
});

test("throttle waits double per delivery up to a cap, with jitter between half and all of it", () => {
  assert.deepEqual([1, 2, 3, 6, 7, 50].map((d) => throttleDelayMs(1000, d, () => 1)), [1000, 2000, 4000, 32_000, 32_000, 32_000]);
  assert.equal(throttleDelayMs(1000, 1, () => 0), 500);
  assert.equal(throttleDelayMs(1, 1, () => 0), 1, "never 0: a nak without delay would come straight back");
});

test("no wait runs past the event's maximum age", () => {
  assert.equal(boundByAge(5000, 1000, 100_000), 5000);
  assert.equal(boundByAge(5000, 1000, 3000), 2000);
  assert.equal(boundByAge(5000, 4000, 3000), 0);
});
