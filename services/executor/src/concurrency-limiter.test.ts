import { test } from "node:test";
import assert from "node:assert/strict";
import { createConcurrencyLimiter } from "./concurrency-limiter.ts";

test("limiter admits up to max, queues up to maxWaiting, refuses the rest", async () => {
  const limiter = createConcurrencyLimiter(2, 1);
  const a = await limiter.acquire();
  const b = await limiter.acquire();
  assert.ok(a && b);
  const queued = limiter.acquire();
  assert.equal(limiter.waiting, 1);
  assert.equal(await limiter.acquire(), undefined, "queue full → refused");
  a();
  a(); // double release must not free two slots
  const c = await queued;
  assert.ok(c);
  assert.equal(limiter.active, 2);
  b(); c();
  assert.equal(limiter.active, 0);
});
