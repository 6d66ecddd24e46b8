/**
 * The host-work limit against a real isolate: URL, crypto and structuredClone calls are charged to
 * the invocation, refused with a RangeError once its allowance is spent, and the next invocation
 * starts afresh. Counts, not clocks: the runtime gets the meter's clock injected (`hostWork.now`),
 * so every call costs exactly PER_CALL_MS and the allowance refills only when the test moves it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { PER_CALL_MS } from "./isolated-vm/host-work.ts";
import { disposable, esmBundle, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";

/** With the clock stopped a 1 ms burst buys 1 / PER_CALL_MS calls (one more if rounding leaves a crumb). */
const MAX_ADMITTED = Math.ceil(1 / PER_CALL_MS) + 1;
const REFUSAL = /^fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used [\d.]+ ms of the host's time in \d+ calls; the limit is 1 ms plus 0\.1% of the time elapsed since the invocation began$/;

/** A runtime whose host-work meter reads a clock that never moves: nothing refills, nothing is measured but PER_CALL_MS. */
const tight = () => disposable((options) => createIsolateRuntime(options), { hostWork: { burstMs: 1, share: 0.001, now: () => 0 } });

const LOOP = (call: string) => esmBundle(`
const handler = async () => {
  let calls = 0;
  try {
    for (; calls < 100000; calls++) await (async () => { ${call} })();
    return { calls, refused: null };
  } catch (e) {
    // A pause in real time: the meter's clock stands still, so nothing refills.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await (async () => { try { ${call}; return "admitted"; } catch (again) { return again.constructor.name; } })();
    return { calls, refused: { name: e.constructor.name, isRangeError: e instanceof RangeError, message: e.message, stack: e.stack }, after };
  }
};`);

for (const [name, call] of [
  ["URL parsing", `new URL("https://example.com/" + calls)`],
  ["crypto.subtle.digest", `await crypto.subtle.digest("SHA-256", new Uint8Array([calls & 255]))`],
  ["structuredClone", `structuredClone({ calls })`],
] as const) {
  test(`${name} is refused with a RangeError once the invocation's host-work allowance is spent`, async () => {
    await using rt = tight();
    const fn = testFunction(LOOP(call));
    const outcome = await invokeWith(rt, fn);
    const result = ok(outcome) as { calls: number; refused: { name: string; isRangeError: boolean; message: string; stack: string } | null; after: string };
    assert.ok(result.refused !== null, `never refused in ${result.calls} calls`);
    assert.ok(result.calls > 0 && result.calls <= MAX_ADMITTED, `${result.calls} calls admitted, at most ${MAX_ADMITTED} allowed`);
    assert.equal(result.refused.name, "RangeError");
    assert.equal(result.refused.isRangeError, true, "a RangeError of the isolate's own realm");
    assert.match(result.refused.message, REFUSAL);
    assert.ok(!/node_modules|sandbox\/src|node:internal/.test(result.refused.stack), `host frames leaked: ${result.refused.stack}`);
    assert.equal(result.after, "RangeError", "with no time passing on the meter's clock the allowance stays spent");
    // Each loop iteration makes at least one host call; each admitted call cost exactly PER_CALL_MS.
    assert.ok(outcome.hostTimeMs >= result.calls * PER_CALL_MS - 1e-9, `hostTimeMs ${outcome.hostTimeMs} for ${result.calls} calls`);
    assert.ok(outcome.hostTimeMs <= 1 + PER_CALL_MS + 1e-9, `hostTimeMs ${outcome.hostTimeMs}: more than the 1 ms burst plus one overdrawing call`);

    // A warm invocation gets a fresh allowance, as large as the first: as many host calls are
    // charged again (URL parses the isolate has cached cost none, so it may loop further).
    const again = await invokeWith(rt, fn);
    assert.equal(again.cold, false);
    assert.ok((ok(again) as { calls: number }).calls >= result.calls);
    assert.equal(again.hostTimeMs, outcome.hostTimeMs);
  });
}

test("as the meter's clock advances, the allowance refills by share × elapsed, never beyond the burst", async () => {
  // The test moves the clock when the function says it has spent its allowance; the function then
  // retries on each timer turn until a call is admitted, and counts what the refill bought.
  let now = 0;
  await using rt = disposable((options) => createIsolateRuntime(options), { hostWork: { burstMs: 1.01, share: 0.5, now: () => now } });
  const fn = testFunction(esmBundle(`
const spend = () => { let n = 0; for (;;) { try { structuredClone(n); n++; } catch (e) { if (e instanceof RangeError) return n; throw e; } } };
const resumed = async () => { for (;;) { await new Promise((r) => setTimeout(r, 1)); try { structuredClone(0); return 1; } catch (e) { if (!(e instanceof RangeError)) throw e; } } };
const handler = async () => {
  const first = spend();
  console.log("spent");
  const second = (await resumed()) + spend();
  console.log("spent again");
  const third = (await resumed()) + spend();
  return { first, second, third };
};`), { timeoutMs: 30_000 });
  const steps = new Map([["spent", 1], ["spent again", 1_000_000]]);
  const outcome = await invokeWith(rt, fn, {}, { onLog: (line) => (now += steps.get(line.message) ?? 0) });
  // 1.01 ms buys 41 calls of 0.025 ms (40 leave 0.01 ms; the 41st overdraws to -0.015 ms).
  // 1 ms later 50% of it is back: -0.015 + 0.5 = 0.485 ms buys 20 calls (19 leave 0.01 ms).
  // 1 000 000 ms later the bucket is full again, not 500 000 ms full: 41 calls.
  assert.deepEqual(ok(outcome), { first: 41, second: 20, third: 41 });
  assert.ok(Math.abs(outcome.hostTimeMs - 102 * PER_CALL_MS) < 1e-9, `hostTimeMs ${outcome.hostTimeMs} for 102 calls`);
});

test("host time is reported for every invocation, and is zero without host calls", async () => {
  await using rt = disposable((options) => createIsolateRuntime(options));
  const quiet = await invokeWith(rt, testFunction(esmBundle(`const handler = async () => 1 + 1;`)));
  assert.equal(quiet.hostTimeMs, 0);
  const busy = await invokeWith(rt, testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 50; i++) new URL("https://example.com/" + i); return 1; };`)));
  assert.ok(busy.hostTimeMs >= 50 * PER_CALL_MS, `hostTimeMs ${busy.hostTimeMs}`);
});

test("invalid host-work options are refused", () => {
  assert.throws(() => createIsolateRuntime({ hostWork: { share: 0 } }), /hostWork.share must be a number in \(0, 1\] \(got 0\)/);
  assert.throws(() => createIsolateRuntime({ hostWork: { burstMs: -1 } }), /hostWork.burstMs must be a positive number \(got -1\)/);
  assert.throws(() => createIsolateRuntime({ hostWork: { now: 5 as unknown as () => number } }), /hostWork.now must be a function \(got number\)/);
});
