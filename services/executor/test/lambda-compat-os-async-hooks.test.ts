/**
 * Lambda compatibility: node:os and node:async_hooks inside isolates (issue 17). os answers
 * Lambda's constants (Linux x64, /tmp, sbx_user1051, vCPUs and memory from the function's memory
 * size); AsyncLocalStorage keeps its store across await, then, timers, queueMicrotask and
 * process.nextTick inside one run(), as Node's does.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe("Lambda compatibility: node:os", () => {
  test("Lambda's values, with memory and vCPUs from the function's MemorySize", async () => {
    const source = `import os from "node:os";
import { EOL, platform } from "os";
export const handler = async () => ({
  constants: [EOL, os.devNull, platform(), os.type(), os.arch(), os.machine(), os.endianness(), os.tmpdir(), os.homedir(), os.userInfo().username],
  cpus: [os.cpus().length, os.availableParallelism(), typeof os.cpus()[0].model, os.cpus()[0].speed],
  memory: [os.totalmem(), os.freemem() > 0, os.freemem() < os.totalmem()],
  release: /^\\d+\\.\\d+\\.\\d+/.test(os.release()),
  signals: [os.constants.signals.SIGTERM, os.constants.errno.ENOENT],
  loopback: os.networkInterfaces().lo[0].address,
});`;
    const small = await deployFunction(h, source);
    assert.deepEqual(okResult(await h.invoke(small)), {
      constants: ["\n", "/dev/null", "linux", "Linux", "x64", "x86_64", "LE", "/tmp", "/home/sbx_user1051", "sbx_user1051"],
      cpus: [2, 2, "string", 2500],
      memory: [128 * 1024 * 1024, true, true],
      release: true,
      signals: [constants.signals.SIGTERM, constants.errno.ENOENT],
      loopback: "127.0.0.1",
    });
    const large = await deployFunction(h, source, { memoryMb: 4096 });
    const result = okResult(await h.invoke(large)) as { cpus: number[]; memory: unknown[] };
    assert.deepEqual([result.cpus[0], result.memory[0]], [3, 4096 * 1024 * 1024]);
  });
});

describe("Lambda compatibility: node:async_hooks AsyncLocalStorage", () => {
  test("one store per run(), across await, then, timers, queueMicrotask, nextTick and nested runs; none outside", async () => {
    const fn = await deployFunction(h, { "index.js": `const { AsyncLocalStorage, AsyncResource } = require("node:async_hooks");
const { setTimeout: sleep } = require("timers/promises");
const requestContext = new AsyncLocalStorage();
const log = (seen, key) => { seen[key] = requestContext.getStore()?.requestId ?? null; };
exports.handler = async (event, context) => {
  const seen = {};
  await requestContext.run({ requestId: context.awsRequestId }, async () => {
    log(seen, "start");
    await sleep(2);
    log(seen, "afterAwait");
    await Promise.resolve().then(() => log(seen, "inThen"));
    await requestContext.run({ requestId: "inner" }, async () => { await sleep(1); log(seen, "inner"); });
    log(seen, "afterInner");
    await new Promise((resolve) => setTimeout(() => { log(seen, "timer"); resolve(); }, 3));
    await new Promise((resolve) => queueMicrotask(() => { log(seen, "microtask"); resolve(); }));
    await new Promise((resolve) => process.nextTick(() => { log(seen, "nextTick"); resolve(); }));
    await new Promise((resolve) => setImmediate(() => { log(seen, "immediate"); resolve(); }));
  });
  log(seen, "outside");
  // Scheduled callbacks keep the store of the run() that scheduled them, even interleaved.
  seen.concurrent = await Promise.all(["a", "b"].map((id) =>
    requestContext.run({ requestId: id }, () => new Promise((resolve) => setTimeout(() => resolve(requestContext.getStore().requestId), id === "a" ? 10 : 1)))));
  const resource = requestContext.run({ requestId: "resource" }, () => new AsyncResource("Job"));
  seen.resource = resource.runInAsyncScope(() => requestContext.getStore().requestId);
  const bound = requestContext.run({ requestId: "bound" }, () => AsyncLocalStorage.bind(() => requestContext.getStore().requestId));
  seen.bound = bound();
  seen.exit = requestContext.run({ requestId: "x" }, () => requestContext.exit(() => requestContext.getStore() ?? null));
  return { seen, requestId: context.awsRequestId };
};` });
    const { seen, requestId } = okResult(await h.invoke(fn)) as { seen: Record<string, unknown>; requestId: string };
    assert.deepEqual(seen, {
      start: requestId, afterAwait: requestId, inThen: requestId, inner: "inner", afterInner: requestId,
      timer: requestId, microtask: requestId, nextTick: requestId, immediate: requestId, outside: null,
      concurrent: ["a", "b"], resource: "resource", bound: "bound", exit: null,
    });
  });

  test("a second invocation of a warm isolate gets its own store", async () => {
    const fn = await deployFunction(h, `import { AsyncLocalStorage } from "async_hooks";
const als = new AsyncLocalStorage();
export const handler = (event, context) => als.run(context.awsRequestId, async () => {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return als.getStore() === context.awsRequestId;
});`);
    assert.equal(okResult(await h.invoke(fn)), true);
    assert.equal(okResult(await h.invoke(fn)), true);
  });
});
