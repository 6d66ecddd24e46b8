/**
 * Lambda compatibility: the `process` global and node:process inside isolates (issue 17): the
 * members handlers and their libraries use — events on process, nextTick before promise
 * callbacks, hrtime (+bigint), memoryUsage (the isolate's real heap), versions, platform, cwd,
 * env, stdout/stderr writes as log lines.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe("Lambda compatibility: process", () => {
  test("events, nextTick, hrtime, memoryUsage, constants; node:process is the global", async () => {
    const fn = await deployFunction(h, { "index.js": `const nodeProcess = require("node:process");
const { env, nextTick } = require("process");
exports.handler = async () => {
  const seen = [];
  const onCustom = (a, b) => seen.push(["custom", a, b]);
  process.on("custom", onCustom);
  process.once("custom", () => seen.push("once"));
  process.emit("custom", 1, 2);
  process.emit("custom", 3, 4);
  process.off("custom", onCustom);
  const emittedAfterOff = process.emit("custom", 5, 6);
  process.on("unhandledRejection", () => {});
  const order = [];
  Promise.resolve().then(() => order.push("promise"));
  nextTick(() => order.push("tick"));
  await new Promise((resolve) => setTimeout(resolve, 1));
  const started = process.hrtime();
  const startedNs = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const [seconds, nanos] = process.hrtime(started);
  const elapsedNs = process.hrtime.bigint() - startedNs;
  const before = process.memoryUsage().heapUsed;
  const keep = Array.from({ length: 200000 }, (_, i) => ({ i }));
  const usage = process.memoryUsage();
  return {
    same: nodeProcess === process && env === process.env,
    seen, emittedAfterOff, order,
    listeners: [process.listenerCount("custom"), process.listenerCount("unhandledRejection"), process.eventNames().includes("unhandledRejection")],
    hrtime: [seconds, nanos >= 15e6, typeof elapsedNs, elapsedNs >= 15000000n],
    memory: [usage.heapUsed > before, usage.heapTotal >= usage.heapUsed, usage.rss >= usage.heapTotal, usage.heapTotal <= 128 * 1024 * 1024, process.memoryUsage.rss() > 0, keep.length],
    constants: [process.platform, process.arch, process.cwd(), process.versions.node === process.version.slice(1), process.release.name, env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, typeof process.uptime(), String(process)],
  };
};` });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      same: true,
      seen: [["custom", 1, 2], "once", ["custom", 3, 4]],
      emittedAfterOff: false,
      // Lambda's runtime calls the handler from a promise continuation, where Node runs the
      // nextTick queue only after the microtasks already queued: the promise callback first.
      order: ["promise", "tick"],
      listeners: [0, 1, true],
      hrtime: [0, true, "bigint", true],
      memory: [true, true, true, true, true, 200000],
      constants: ["linux", "x64", "/var/task", true, "node", "128", "number", "[object process]"],
    });
  });

  test("process.stdout.write and process.stderr.write become log lines (INFO and ERROR)", async () => {
    const fn = await deployFunction(h, `export const handler = async () => {
  process.stdout.write("to stdout\\n");
  process.stderr.write(Buffer.from("to stderr"));
  return process.stdout.isTTY;
};`);
    const invoked = await h.invoke(fn, {}, { logType: "Tail" });
    assert.equal(okResult(invoked), false);
    assert.match(invoked.log, /INFO\tto stdout\n/);
    assert.match(invoked.log, /ERROR\tto stderr\n/);
  });
});
