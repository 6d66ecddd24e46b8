/**
 * Hostile code, part three: resource exhaustion. Endless loops and microtask chains, promises that
 * never settle, memory bombs, catastrophic regexes, oversized results and logs, timer floods.
 * Each case asserts the exact error Lambda-style callers get, and that the function (and the
 * executor) serve the next invocation. Time-limited cases use timeoutSec 1 and run concurrently.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Limits } from "@fnmesh/protocol";
import {
  assertExecutorHealthy, assertOutOfMemory, assertTimedOut, deployFunction, functionError, isCold, okResult, startExecutorHarness, watchLogs,
  type ExecutorHarness, type Invoked,
} from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

/**
 * Lambda's document for a response over the limit, exactly: these two fields and no `trace`
 * (aws/aws-lambda-dotnet: Libraries/test/Amazon.Lambda.RuntimeSupport.Tests/
 * Amazon.Lambda.RuntimeSupport.IntegrationTests/CustomRuntimeTests.cs, TooLargeResponseBodyAsync).
 * The byte count is Lambda's limit, 6 MiB + 100 bytes, as its logs quote it (e.g. DataBiosphere/azul#7466).
 */
const RESULT_TOO_LARGE = {
  errorType: "Function.ResponseSizeTooLarge",
  errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
};

function assertResultTooLarge(inv: Invoked): void {
  assert.deepEqual(functionError(inv), RESULT_TOO_LARGE);
  assert.deepEqual(JSON.parse(inv.body), RESULT_TOO_LARGE, "the response body has no other field");
}

/** A handler that runs `attack` when the event says so, and otherwise answers "alive". */
function armed(attack: string): string {
  return `export const handler = async (event) => {\n  if (!event.attack) return "alive";\n  ${attack}\n};`;
}

/** Runs the attack, checks its outcome, then checks the same function answers again (cold when the isolate was discarded). */
async function attackThenRecover(attack: string, check: (inv: Invoked) => void,
  options: { timeoutSec?: number; coldAfter: boolean }): Promise<void> {
  const fn = await deployFunction(h, armed(attack), { timeoutSec: options.timeoutSec ?? 1 });
  const inv = await h.invoke(fn, { attack: true });
  check(inv);
  const next = await h.invoke(fn, {});
  assert.equal(okResult(next), "alive");
  assert.equal(isCold(next), options.coldAfter, options.coldAfter ? "the isolate was discarded" : "the isolate was kept");
}

describe("hostile code: time limits", { concurrency: true }, () => {
  test("an infinite synchronous loop times out", async () => {
    await attackThenRecover("while (true) {}", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  test("an infinite microtask chain (f = () => Promise.resolve().then(f)) times out", async () => {
    await attackThenRecover("const f = () => Promise.resolve().then(f); f(); return \"returned\";", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  test("an endless await loop times out", async () => {
    await attackThenRecover("for (;;) await null;", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  // With nothing pending, nodejs20.x/22.x end it at once with Runtime.NodeJsExit, as the RIC 3.x does (lambda-semantics.test.ts).
  test("a promise that never settles, with a timer keeping the event loop alive, times out", async () => {
    await attackThenRecover("return new Promise(() => { setInterval(() => {}, 100); });", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  test("a catastrophic-backtracking regex times out", async () => {
    await attackThenRecover("return /^(a+)+$/.test(\"a\".repeat(30) + \"!\");", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  test("Atomics.wait on a SharedArrayBuffer times out", async () => {
    await attackThenRecover("return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);", (inv) => assertTimedOut(inv, 1), { coldAfter: true });
  });

  test("a spinning tenant does not stall another function on the same executor", async () => {
    // Order, not speed: once the spinner is spinning, the quick function (a cold start) answers while
    // it still spins. The spinner's timeout is Lambda's longest, so it cannot end on its own during
    // the test: the test ends it by closing the runtime, on an executor of its own.
    await using own = await startExecutorHarness();
    const spinner = await deployFunction(own, armed("console.log(\"spinning\"); while (true) {}"), { timeoutSec: 900 });
    const quick = await deployFunction(own, `export const handler = async () => "quick";`);
    using spinnerLog = await watchLogs(own, spinner.name);
    let spinnerEnded = false;
    const spinning = own.invoke(spinner, { attack: true }).finally(() => { spinnerEnded = true; });
    await spinnerLog.waitFor((line) => line.endsWith("\tINFO\tspinning"), "the spinner's 'spinning' line");
    assert.equal(okResult(await own.invoke(quick)), "quick");
    assert.equal(spinnerEnded, false, "the quick function answered while the spinner was still spinning");
    await own.executor.runtime.close();
    const ended = await spinning;
    assert.equal(ended.result.status === "error" && ended.result.error.code, "unavailable", JSON.stringify(ended.result));
  });
});

describe("hostile code: memory limits", { concurrency: true }, () => {
  // Memory bombs get time to reach the 128 MB limit; they take about a second.
  test("unbounded array growth is Runtime.OutOfMemory", async () => {
    await attackThenRecover("const hoard = []; for (;;) hoard.push({ n: hoard.length, s: \"x\" + hoard.length });",
      (inv) => assertOutOfMemory(inv, 128), { timeoutSec: 20, coldAfter: true });
  });

  test("an ever-growing object graph is Runtime.OutOfMemory", async () => {
    await attackThenRecover("let node = {}; for (let i = 0; ; i++) { node.next = { prev: node, tag: \"node\" + i, kids: [i, { i }] }; node = node.next; }",
      (inv) => assertOutOfMemory(inv, 128), { timeoutSec: 20, coldAfter: true });
  });

  test("string doubling stops at V8's string length limit: RangeError, isolate kept", async () => {
    await attackThenRecover("let s = \"x\"; for (;;) s = s.repeat(2);", (inv) => {
      const error = functionError(inv);
      assert.equal(error.errorType, "RangeError");
      assert.equal(error.errorMessage, "Invalid string length");
    }, { coldAfter: false });
  });

  test("a huge ArrayBuffer (2 GiB) is RangeError: Array buffer allocation failed, isolate kept", async () => {
    await attackThenRecover("return new ArrayBuffer(2 ** 31).byteLength;", (inv) => {
      const error = functionError(inv);
      assert.equal(error.errorType, "RangeError");
      assert.equal(error.errorMessage, "Array buffer allocation failed");
    }, { coldAfter: false });
  });

  test("many typed arrays hit the limit as RangeError: Array buffer allocation failed, isolate kept", async () => {
    await attackThenRecover("const keep = []; for (;;) keep.push(new Uint8Array(8 * 1024 * 1024));", (inv) => {
      const error = functionError(inv);
      assert.equal(error.errorType, "RangeError");
      assert.equal(error.errorMessage, "Array buffer allocation failed");
    }, { coldAfter: false });
  });

  test("deep recursion is RangeError: Maximum call stack size exceeded, isolate kept", async () => {
    await attackThenRecover("const dive = (n) => dive(n + 1) + 1; return dive(0);", (inv) => {
      const error = functionError(inv);
      assert.equal(error.errorType, "RangeError");
      assert.equal(error.errorMessage, "Maximum call stack size exceeded");
      assert.equal(error.trace?.[0], "RangeError: Maximum call stack size exceeded");
    }, { coldAfter: false });
  });
});

describe("hostile code: output limits", () => {
  test("a result over Lambda's 6,291,556-byte limit is Function.ResponseSizeTooLarge (ASCII and multi-byte)", async () => {
    await attackThenRecover(`return "x".repeat(${Limits.resultBytes + 1});`, (inv) => {
      assertResultTooLarge(inv);
    }, { coldAfter: false });
    // Few enough UTF-16 units to pass the isolate's check, too many UTF-8 bytes: caught on the host.
    await attackThenRecover("return \"é\".repeat(3.5 * 1024 * 1024);", (inv) => {
      assertResultTooLarge(inv);
    }, { coldAfter: false });
  });

  test("a result of exactly the limit is delivered whole", async () => {
    const fn = await deployFunction(h, `export const handler = async () => "x".repeat(${Limits.resultBytes - 2});`);
    const inv = await h.invoke(fn);
    assert.equal(inv.result.status, "ok");
    assert.equal(Buffer.byteLength(inv.body), Limits.resultBytes);
  });

  test("a thrown error with a huge message is a bounded function error, not a platform error", async () => {
    const fn = await deployFunction(h, armed("throw new Error(\"x\".repeat(7 * 1024 * 1024));"));
    const inv = await h.invoke(fn, { attack: true });
    assert.equal(inv.result.status, "function_error", `got ${JSON.stringify(inv.result).slice(0, 400)}`);
    assertResultTooLarge(inv);
    assert.equal(okResult(await h.invoke(fn, {})), "alive");
  });

  test("a thrown error with a huge stack is a bounded function error, not a platform error", async () => {
    const fn = await deployFunction(h, armed("const e = new Error(\"small\"); e.stack = \"Error: small\\n\" + \"    at frame (x.js:1:1)\\n\".repeat(400000); throw e;"));
    const inv = await h.invoke(fn, { attack: true });
    assert.equal(inv.result.status, "function_error", `got ${JSON.stringify(inv.result).slice(0, 400)}`);
    assert.ok(Buffer.byteLength(inv.body) <= Limits.resultBytes, `error document of ${Buffer.byteLength(inv.body)} bytes`);
  });

  test("huge logs are cut at 256 KiB with one marker line, and the reply succeeds", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  const line = "z".repeat(1000);
  for (let i = 0; i < 2000; i++) console.log(i, line);
  console.log("y".repeat(5 * 1024 * 1024));
  return "logged";
};`);
    const inv = await h.invoke(fn);
    assert.equal(okResult(inv), "logged");
    const lines = inv.log.trimEnd().split("\n");
    const id = inv.result.requestId;
    // The 4 KB tail ends with the marker, END and REPORT.
    assert.match(lines.at(-3) ?? "", new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\tWARN\\t\\[fnmesh\\] log output truncated after \\d+ bytes$`));
    const kept = Number(/truncated after (\d+) bytes/.exec(lines.at(-3) ?? "")?.[1]);
    assert.ok(kept > 250 * 1024 && kept <= 256 * 1024, `kept ${kept} bytes`);
    assert.equal(lines.at(-2), `END RequestId: ${id}`);
    assert.match(lines.at(-1) ?? "", new RegExp(`^REPORT RequestId: ${id}\\t`));
    assert.equal(lines.filter((l) => l.includes("[fnmesh] log output truncated")).length, 1);
  });

  test("thousands of timers: the 1001st throws the timer-cap RangeError and the isolate is kept", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event) => {
  let armed = 0;
  try {
    for (; armed < 5000; armed++) setTimeout(() => {}, 60_000);
  } catch (error) {
    if (event.rethrow) throw error;
    return { armed, name: error.name, message: error.message };
  }
  return { armed };
};`);
    assert.deepEqual(okResult(await h.invoke(fn, {})), { armed: 1000, name: "RangeError", message: "Too many pending timers: at most 1000 per invocation" });
    const uncaught = await h.invoke(fn, { rethrow: true });
    const error = functionError(uncaught);
    assert.equal(error.errorType, "RangeError");
    assert.equal(error.errorMessage, "Too many pending timers: at most 1000 per invocation");
    assert.equal(isCold(uncaught), false);
    // The previous invocation's 1000 timers ended with it: the next one may arm 1000 again.
    assert.equal((okResult(await h.invoke(fn, {})) as { armed: number }).armed, 1000);
  });

  test("a setInterval or setTimeout left running does not outlive its invocation", async () => {
    // Order, not speed: the first invocation returns once its interval has ticked 3 times, leaving the
    // interval and a 150 ms timer armed. The next one waits on a 150 ms timer of its own, armed later,
    // so a surviving timer would be due first and fire before it (an interval far more often).
    const fn = await deployFunction(h, `
export const handler = async (event) => {
  if (event.start) {
    globalThis.ticks = 0;
    globalThis.lateFired = false;
    await new Promise((resolve) => setInterval(() => { if (++globalThis.ticks === 3) resolve(); }, 5));
    setTimeout(() => { globalThis.lateFired = true; }, 150);
    return { ticks: globalThis.ticks };
  }
  const before = globalThis.ticks;
  await new Promise((resolve) => setTimeout(resolve, 150));
  return { before, after: globalThis.ticks, lateFired: globalThis.lateFired };
};`);
    assert.deepEqual(okResult(await h.invoke(fn, { start: true })), { ticks: 3 }, "the interval ran during its own invocation");
    const next = await h.invoke(fn, {});
    assert.equal(isCold(next), false);
    assert.deepEqual(okResult(next), { before: 3, after: 3, lateFired: false });
  });
});

describe("host work", () => {
  // Its own executor, configured through the environment as an operator would, with a tiny
  // allowance: every call costs at least 0.025 ms, so a 20 ms burst plus 1% of a 10 s timeout
  // admits at most 4 800 calls before the refusal; no clock is asserted.
  let tight: ExecutorHarness;
  before(async () => {
    tight = await startExecutorHarness({ FNMESH_HOST_WORK_BURST_MS: "20", FNMESH_HOST_WORK_SHARE_PERCENT: "1" });
  });
  after(async () => {
    await tight?.[Symbol.asyncDispose]();
  });

  test("a URL-parsing loop is refused with a RangeError past the host-work allowance; the result reports hostTimeMs and cpuTimeMs", async () => {
    const fn = await deployFunction(tight, `export const handler = async () => {
  let calls = 0;
  try { for (;;) { new URL("https://example.com/" + calls); calls++; } }
  catch (e) { return { calls, name: e.constructor.name, message: e.message }; }
};`, { timeoutSec: 10 });
    const inv = await tight.invoke(fn);
    const result = okResult(inv) as { calls: number; name: string; message: string };
    assert.equal(result.name, "RangeError");
    assert.match(result.message, /^fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used [\d.]+ ms of the host's time in \d+ calls; the limit is 20 ms plus 1% of the time elapsed since the invocation began$/);
    assert.ok(result.calls > 0 && result.calls <= 4800, `${result.calls} calls admitted`);
    assert.ok(inv.result.status === "ok" && inv.result.hostTimeMs !== undefined && inv.result.hostTimeMs >= 20, `hostTimeMs in ${JSON.stringify(inv.result)}`);
    assert.ok(inv.result.status === "ok" && typeof inv.result.cpuTimeMs === "number" && inv.result.cpuTimeMs > 0);
    // The same function answers again with a fresh allowance: nothing was torn down.
    const again = await tight.invoke(fn);
    assert.equal(isCold(again), false);
    assert.equal((okResult(again) as { name: string }).name, "RangeError");
  });
});

describe("after resource exhaustion", () => {
  test("after a timeout, an out-of-memory and an oversized result, the executor is healthy: a normal function works and the runtime's stats are sane", async () => {
    await Promise.all([
      attackThenRecover("while (true) {}", (inv) => assertTimedOut(inv, 1), { coldAfter: true }),
      attackThenRecover("const hoard = []; for (;;) hoard.push({ n: hoard.length, s: \"x\" + hoard.length });",
        (inv) => assertOutOfMemory(inv, 128), { timeoutSec: 20, coldAfter: true }),
      attackThenRecover(`return "x".repeat(${Limits.resultBytes + 1});`, assertResultTooLarge, { coldAfter: false }),
    ]);
    // Six cold starts of this test's own: two per discarded isolate, one for the kept one, one healthy.
    await assertExecutorHealthy(h, { minColdStarts: 6 });
  });
});
