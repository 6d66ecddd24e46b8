/**
 * HostWorkMeter against an injected clock: the bucket holds `burstMs`, refills at `share` of the
 * time that passes on that clock, never beyond `burstMs`, and admits a call while it holds more
 * than nothing. No test reads the real time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HostWorkMeter, PER_CALL_MS } from "./host-work.ts";
import type { HostWorkLimits } from "./host-work.ts";

/** A meter whose clock stands still until the test moves it. */
function meterAt(limits: HostWorkLimits, start = 0) {
  let now = start;
  const meter = new HostWorkMeter({ ...limits, now: () => now });
  return {
    meter,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Calls of `ms` each (plus PER_CALL_MS) admitted at the current time, until the first refusal. */
function spend(meter: HostWorkMeter, ms = 0, limit = 1_000_000): number {
  let calls = 0;
  while (calls < limit && meter.admit()) {
    meter.charge(ms);
    calls++;
  }
  return calls;
}

test("a meter admits calls until the burst is spent, then refills at its share of elapsed time", () => {
  const meter = new HostWorkMeter({ burstMs: 10, share: 0.5, now: () => 0 });
  assert.equal(meter.admit(0), true);
  meter.charge(10 - PER_CALL_MS, 0); // exactly the burst, dispatch cost included
  assert.equal(meter.admit(0), false);
  assert.equal(meter.admit(1), true, "1 ms later half a millisecond is back");
  meter.charge(0.5 - PER_CALL_MS, 1);
  assert.equal(meter.admit(1), false);
  assert.equal(meter.usedMs, 10.5);
  assert.equal(meter.calls, 2);
});

test("with the clock stopped, a spent allowance stays spent however often it is retried", () => {
  const { meter } = meterAt({ burstMs: 1, share: 0.25 }, 5_000);
  // 1 / 0.025 is 40 in exact arithmetic; in floating point the 40th charge may leave a crumb.
  const admitted = spend(meter);
  assert.ok(admitted === 40 || admitted === 41, `${admitted} calls admitted from a 1 ms burst at ${PER_CALL_MS} ms each`);
  for (let retry = 0; retry < 1000; retry++) assert.equal(meter.admit(), false, `retry ${retry} admitted with no time passing`);
  assert.equal(meter.calls, admitted);
});

test("as the clock advances the bucket refills by exactly burst + share × elapsed, capped at burst", () => {
  // 1.01 ms of burst buys 41 calls of 0.025 ms (40 leave 0.01 ms, the 41st overdraws to -0.015).
  const { meter, advance } = meterAt({ burstMs: 1.01, share: 0.5 });
  assert.equal(spend(meter), 41);
  // 1 ms at 50% refills 0.5 ms: the bucket holds 0.485 ms, which buys 20 calls (19 leave 0.01).
  advance(1);
  assert.equal(spend(meter), 20);
  // 0.02 ms at 50% brings -0.015 to -0.005: still nothing to spend.
  advance(0.02);
  assert.equal(meter.admit(), false);
  // A long pause refills only up to the burst: 41 calls again, not thousands.
  advance(1_000_000);
  assert.equal(spend(meter), 41);
  assert.equal(meter.calls, 41 + 20 + 41);
  assert.ok(Math.abs(meter.usedMs - meter.calls * PER_CALL_MS) < 1e-9, `usedMs ${meter.usedMs}`);
});

test("calls are timed by the meter's clock: what a call took is charged in full", () => {
  const { meter, advance } = meterAt({ burstMs: 10, share: 0.1 });
  const started = meter.now();
  advance(4);
  meter.charge(meter.now() - started);
  // 4 ms of work plus dispatch; the 4 ms that passed refilled 0.4 ms, within the burst's cap.
  assert.equal(meter.usedMs, 4 + PER_CALL_MS);
  assert.equal(meter.calls, 1);
  assert.equal(spend(meter, 6 - PER_CALL_MS), 1, "5.975 ms are left: one 6 ms call is admitted and overdraws them");
});

test("refill never exceeds the burst, however long the invocation idles", () => {
  const meter = new HostWorkMeter({ burstMs: 4, share: 1, now: () => 0 });
  assert.equal(meter.admit(1_000_000), true);
  meter.charge(4 - PER_CALL_MS, 1_000_000);
  assert.equal(meter.admit(1_000_000), false);
});

test("one call may overdraw (it is measured after it ran); the debt is repaid before the next", () => {
  const meter = new HostWorkMeter({ burstMs: 1, share: 0.1, now: () => 0 });
  meter.charge(100, 0);
  assert.equal(meter.admit(500), false, "at 10% a 99 ms debt takes 990 ms to repay");
  assert.equal(meter.admit(1000), true);
});

test("a clock that steps backwards neither credits nor debits the bucket", () => {
  const { meter, advance } = meterAt({ burstMs: 1, share: 1 }, 100);
  meter.charge(1.5 - PER_CALL_MS); // the bucket is 0.5 ms in debt
  advance(-50);
  assert.equal(meter.admit(), false);
  advance(50); // back where it was: no time has passed since the last refill
  assert.equal(meter.admit(), false);
  advance(0.25);
  assert.equal(meter.admit(), false, "0.25 ms repays half the debt");
  advance(0.5);
  assert.equal(meter.admit(), true, "0.75 ms repays it with 0.25 ms to spare");
});

test("every call costs at least the dispatch estimate, and the refusal says what was used and allowed", () => {
  const meter = new HostWorkMeter({ burstMs: 250, share: 0.25, now: () => 0 });
  meter.charge(0, 0);
  meter.charge(-5, 0); // a negative measurement never credits the bucket
  assert.equal(meter.usedMs, 2 * PER_CALL_MS);
  assert.equal(
    meter.refusal(),
    "fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used 0.1 ms of the host's time in 2 calls; " +
      "the limit is 250 ms plus 25% of the time elapsed since the invocation began",
  );
});
