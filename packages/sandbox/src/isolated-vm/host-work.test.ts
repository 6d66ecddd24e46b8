import assert from "node:assert/strict";
import { test } from "node:test";
import { HostWorkMeter, PER_CALL_MS } from "./host-work.ts";

test("a meter admits calls until the burst is spent, then refills at its share of elapsed time", () => {
  const meter = new HostWorkMeter({ burstMs: 10, share: 0.5 }, 0);
  assert.equal(meter.admit(0), true);
  meter.charge(10 - PER_CALL_MS, 0); // exactly the burst, dispatch cost included
  assert.equal(meter.admit(0), false);
  assert.equal(meter.admit(1), true, "1 ms later half a millisecond is back");
  meter.charge(0.5 - PER_CALL_MS, 1);
  assert.equal(meter.admit(1), false);
  assert.equal(meter.usedMs, 10.5);
  assert.equal(meter.calls, 2);
});

test("refill never exceeds the burst, however long the invocation idles", () => {
  const meter = new HostWorkMeter({ burstMs: 4, share: 1 }, 0);
  assert.equal(meter.admit(1_000_000), true);
  meter.charge(4 - PER_CALL_MS, 1_000_000);
  assert.equal(meter.admit(1_000_000), false);
});

test("one call may overdraw (it is measured after it ran); the debt is repaid before the next", () => {
  const meter = new HostWorkMeter({ burstMs: 1, share: 0.1 }, 0);
  meter.charge(100, 0);
  assert.equal(meter.admit(500), false, "at 10% a 99 ms debt takes 990 ms to repay");
  assert.equal(meter.admit(1000), true);
});

test("every call costs at least the dispatch estimate, and the refusal says what was used and allowed", () => {
  const meter = new HostWorkMeter({ burstMs: 250, share: 0.25 }, 0);
  meter.charge(0, 0);
  meter.charge(-5, 0); // a clock step backwards never credits the bucket
  assert.equal(meter.usedMs, 2 * PER_CALL_MS);
  assert.equal(
    meter.refusal(),
    "fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used 0.1 ms of the host's time in 2 calls; " +
      "the limit is 250 ms plus 25% of the time elapsed since the invocation began",
  );
});
