import { test } from "node:test";
import assert from "node:assert/strict";
import { createRunWindow, createRunWindows } from "./run-window.ts";

const options = { min: 4, max: 64, initial: 8, tolerance: 2, slackMs: 2, baseResetMs: 10_000, stallFactor: 10, stallFloorMs: 50, unknownStallMs: 100 };

/** Runs `rounds` windows' worth of events, each taking `rtt(inFlight)` ms; returns the limit after each round. */
async function drive(w: ReturnType<typeof createRunWindow>, rounds: number, rtt: (inFlight: number) => number): Promise<number[]> {
  const limits: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const n = w.limit;
    const releases = await Promise.all(Array.from({ length: n }, () => w.acquire()));
    const load = w.inFlight;
    for (const release of releases) release(rtt(load));
    limits.push(w.limit);
  }
  return limits;
}

test("a function whose run times stay flat (it awaits I/O) opens its window up to max", async () => {
  const w = createRunWindow(options);
  const limits = await drive(w, 20, () => 50);
  assert.ok(limits.every((l, i) => i === 0 || l >= limits[i - 1]!), `never shrinks: ${limits}`);
  assert.equal(w.limit, 64);
});

test("a function whose run time grows with how many run (it computes) settles where it stops queueing", async () => {
  const w = createRunWindow({ ...options, initial: 64 });
  // 0.5 ms alone; each extra one in flight adds 0.25 ms of queueing (two cores shared).
  const limits = await drive(w, 30, (inFlight) => 0.5 + 0.25 * (inFlight - 1));
  const last = limits.slice(-10);
  // Measured alone (4 out: 1.25 ms), queueing is tolerated up to 2 × 1.25 + 2 = 4.5 ms (slackMs 2 here): about 16 out.
  assert.ok(Math.max(...last) <= 20, `settles low: ${limits}`);
  assert.ok(Math.min(...last) >= options.min, `never below min: ${limits}`);
});

test("waiters are admitted in arrival order as turns end; a release without a round trip is no sample", async () => {
  const w = createRunWindow({ ...options, initial: 4 });
  const held = await Promise.all([w.acquire(), w.acquire(), w.acquire(), w.acquire()]);
  const order: number[] = [];
  const waiting = [1, 2, 3].map((i) => w.acquire().then((release) => { order.push(i); return release; }));
  assert.equal(w.waiting, 3);
  held[0]!();
  held[1]!();
  held[1]!(); // a second call of the same release changes nothing
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(order, [1, 2]);
  assert.equal(w.inFlight, 4);
  held[2]!();
  for (const release of await Promise.all(waiting)) release();
  held[3]!();
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(w.inFlight, 0);
  assert.equal(w.limit, 4, "no samples, no change");
});

test("a new window measures its base with min out, then returns to its initial size", async () => {
  const w = createRunWindow({ ...options, initial: 16 });
  assert.equal(w.limit, 4);
  await drive(w, 1, () => 1);
  assert.equal(w.limit, 16);
});

test("the base round trip is re-probed, so a function that became slower is judged by its new speed", async () => {
  let now = 0;
  const w = createRunWindow({ ...options, initial: 16, now: () => now });
  await drive(w, 3, () => 1);
  const before = w.limit;
  // Now every run takes 20 ms whatever the load: first judged queued (shrinks), then the base resets.
  await drive(w, 2, () => 20);
  assert.ok(w.limit < before, `shrank: ${w.limit} < ${before}`);
  now += 10_001;
  await drive(w, 2, () => 20);
  const afterReset = w.limit;
  await drive(w, 6, () => 20);
  assert.ok(w.limit > afterReset, `grows again once 20 ms is the base: ${w.limit} > ${afterReset}`);
});

test("windows are per function", async () => {
  const windows = createRunWindows({ ...options, initial: 4 });
  const a = await Promise.all(Array.from({ length: 4 }, () => windows.acquire("a")));
  let bAdmitted = false;
  const b = windows.acquire("b").then((release) => { bAdmitted = true; return release; });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(bAdmitted, true, "a full window of a does not hold b");
  assert.equal(windows.get("a")?.inFlight, 4);
  for (const release of a) release(1);
  (await b)(1);
});

test("runs that stall (waiting, e.g. on another invocation of the same function) stop holding the window", async () => {
  let now = 0;
  const w = createRunWindow({ ...options, now: () => now });
  // Base 1 ms: a run older than max(50, 10 × (2 × 1 + 2)) = 50 ms is stalled.
  await drive(w, 1, () => 1);
  const stuck = await Promise.all(Array.from({ length: w.limit }, () => w.acquire()));
  let admitted = false;
  const inner = w.acquire().then((release) => { admitted = true; return release; });
  await Promise.resolve();
  assert.equal(admitted, false, "a full window of young runs holds the next");
  now += 51;
  // The stall timer runs on the real clock (~50 ms); its check reads `now`.
  const innerRelease = await inner;
  assert.equal(admitted, true);
  assert.equal(w.inFlight, stuck.length + 1);
  innerRelease(1);
  for (const release of stuck) release(60);
  assert.equal(w.inFlight, 0);
});

test("a window that keeps growing is never interrupted by a probe, however long it runs", async () => {
  let now = 0;
  const w = createRunWindow({ ...options, now: () => now });
  const limits: number[] = [];
  for (let round = 0; round < 20; round++) {
    now += 5_000;
    limits.push(...(await drive(w, 1, () => 50)));
  }
  assert.ok(limits.every((l) => l > options.min), `never back to min: ${limits}`);
  assert.equal(w.limit, options.max);
});

test("on a machine with idle cores a stretched run time is the function's own: the window grows instead of shrinking", async () => {
  let saturated = false;
  const w = createRunWindow({ ...options, initial: 16, saturated: () => saturated });
  // A slow dependency with varying latency: 5 ms at best, 27 ms on average — far past 2 × 5 + 2.
  let i = 0;
  const varying = () => (i++ % 8 === 0 ? 5 : 30);
  await drive(w, 12, varying);
  assert.equal(w.limit, options.max, "idle cores: grows to max");
  saturated = true;
  await drive(w, 3, varying);
  assert.ok(w.limit < options.max, `all cores busy: shrinks (${w.limit})`);
});
