/**
 * Lambda compatibility: Node.js built-in modules inside isolates (issue 17, first slice). Handlers
 * written for Lambda's Node.js runtime import buffer, events, util, path, string_decoder,
 * querystring, url, assert, stream and timers as `node:x` or `x`, by `import`, `require` or
 * `import()`, and get Node's results; the built-ins an isolate cannot have fail naming the module.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deployFunction, functionError, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe("Lambda compatibility: Node.js built-ins in the isolate", () => {
  test("ESM import { Buffer } from 'node:buffer', and the global Buffer (also as globalThis.Buffer)", async () => {
    const fn = await deployFunction(h, `import { Buffer as B } from "node:buffer";
export const handler = async () => [B.from("héllo").toString("base64"), Buffer.from("aGk=", "base64").toString("utf8"), Buffer === B, Buffer.isBuffer(B.alloc(1)), globalThis.Buffer === B];`);
    assert.deepEqual(okResult(await h.invoke(fn)), ["aMOpbGxv", "hi", true, true, true]);
  });

  test("CommonJS require('node:events') and bare require('events'): one EventEmitter; once() on an isolate timer", async () => {
    const fn = await deployFunction(h, { "index.js": `const EventEmitter = require("node:events");
const { once } = require("events");
exports.handler = async () => {
  const emitter = new EventEmitter();
  const seen = [];
  emitter.on("x", (value) => seen.push(value));
  emitter.emit("x", 1);
  setTimeout(() => emitter.emit("later", "fired"), 5);
  const [later] = await once(emitter, "later");
  return { seen, later, same: EventEmitter === require("events"), listeners: emitter.listenerCount("x") };
};` });
    assert.deepEqual(okResult(await h.invoke(fn)), { seen: [1], later: "fired", same: true, listeners: 1 });
  });

  test("util.format, util.inspect, promisify, types, TextEncoder, deprecate, inherits (bare 'util')", async () => {
    const fn = await deployFunction(h, `import util from "util";
const wait = util.promisify((ms, done) => setTimeout(() => done(null, ms * 2), ms));
function Base() {}
function Derived() {}
util.inherits(Derived, Base);
export const handler = async () => ({
  format: util.format("%s=%d", "a", 1),
  inspect: util.inspect({ a: [1, { b: 2 }] }),
  inspectMore: [new Map([["k", 1n]]), new Set([Symbol("s")]), new (class Point { x = 1 })()].map((value) => util.inspect(value)),
  promisified: await wait(2),
  isPromise: util.types.isPromise(Promise.resolve()),
  encoded: Array.from(new util.TextEncoder().encode("é")),
  deprecated: util.deprecate(() => "still works", "old API")(),
  inherits: new Derived() instanceof Base,
});`);
    assert.deepEqual(okResult(await h.invoke(fn)), {
      format: "a=1", inspect: "{ a: [ 1, { b: 2 } ] }", inspectMore: ["Map(1) { 'k' => 1n }", "Set(1) { Symbol(s) }", "Point { x: 1 }"], promisified: 4, isPromise: true, encoded: [195, 169], deprecated: "still works", inherits: true,
    });
  });

  test("path.join, querystring.stringify, new StringDecoder('utf8'), fileURLToPath and pathToFileURL", async () => {
    const fn = await deployFunction(h, { "index.js": `const path = require("node:path");
const querystring = require("querystring");
const { StringDecoder } = require("node:string_decoder");
const { fileURLToPath, pathToFileURL, URL: NodeURL } = require("url");
exports.handler = async () => {
  const decoder = new StringDecoder("utf8");
  const euro = Buffer.from("€");
  const text = decoder.write(euro.subarray(0, 2)) + decoder.write(euro.subarray(2)) + decoder.end();
  return {
    join: path.join("/var/task", "lib", "..", "index.js"),
    resolve: path.resolve("data.json"),
    qs: querystring.stringify({ a: [1, 2], b: "x y" }),
    parsed: querystring.parse("a=1&a=2&b=x%20y"),
    text,
    file: fileURLToPath("file:///var/task/a%20b.js"),
    url: pathToFileURL("/tmp/a b").href,
    sameURL: NodeURL === URL,
  };
};` });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      join: "/var/task/index.js", resolve: "/var/task/data.json", qs: "a=1&a=2&b=x%20y", parsed: { a: ["1", "2"], b: "x y" },
      text: "€", file: "/var/task/a b.js", url: "file:///tmp/a%20b", sameURL: true,
    });
  });

  test("assert.deepStrictEqual throws an AssertionError with Node's message shape, as a function error", async () => {
    const fn = await deployFunction(h, `import assert from "node:assert/strict";
export const handler = async () => { assert.deepStrictEqual({ a: [1, 2] }, { a: [1, 3] }); };`);
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "AssertionError");
    assert.match(error.errorMessage, /^Expected values to be strictly deep-equal:\n\+ actual - expected\n/);
  });

  test("stream.Readable.from piped through a Transform with stream/promises.pipeline", async () => {
    const fn = await deployFunction(h, `import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
export const handler = async () => {
  const out = [];
  await pipeline(
    Readable.from(["a", "b", "c"]),
    new Transform({ objectMode: true, transform(chunk, _encoding, done) { done(null, chunk.toUpperCase()); } }),
    new Writable({ objectMode: true, write(chunk, _encoding, done) { out.push(chunk); done(); } }),
  );
  return out;
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), ["A", "B", "C"]);
  });

  test("timers/promises.setTimeout on the isolate's timers, by dynamic import(), with an AbortSignal", async () => {
    const fn = await deployFunction(h, `export const handler = async () => {
  const { setTimeout: sleep } = await import("node:timers/promises");
  const { setImmediate } = await import("timers");
  const aborted = await sleep(60_000, "never", { signal: AbortSignal.abort() }).catch((e) => e.name + " " + e.code);
  const immediate = await new Promise((resolve) => setImmediate(resolve, "immediate"));
  return [await sleep(5, "slept"), immediate, aborted];
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), ["slept", "immediate", "AbortError ABORT_ERR"]);
  });

  test("a second invocation reuses the isolate and its built-ins", async () => {
    const fn = await deployFunction(h, { "index.js": `const { EventEmitter } = require("events");
const bus = new EventEmitter();
let count = 0;
bus.on("hit", () => count++);
exports.handler = async () => { bus.emit("hit"); return count; };` });
    assert.equal(okResult(await h.invoke(fn)), 1);
    assert.equal(okResult(await h.invoke(fn)), 2);
  });
});

describe("Lambda compatibility: built-ins an isolate cannot have", () => {
  test("require('child_process') throws MODULE_NOT_FOUND naming the module and why", async () => {
    const fn = await deployFunction(h, { "index.js": `exports.handler = async () => { try { require("child_process"); } catch (e) { return [e.code, e.message]; } };` });
    assert.deepEqual(okResult(await h.invoke(fn)), [
      "MODULE_NOT_FOUND", "Cannot find module 'child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
    ]);
  });

  test("a static import of node:worker_threads is Runtime.ImportModuleError naming the module and why", async () => {
    const fn = await deployFunction(h, `import { Worker } from "node:worker_threads";\nexport const handler = async () => typeof Worker;`);
    assert.deepEqual(functionError(await h.invoke(fn)), {
      errorType: "Runtime.ImportModuleError",
      errorMessage: "Cannot find module 'node:worker_threads': fnmesh runs functions in V8 isolates, where worker_threads is not available",
      trace: [],
    });
  });

  test("a built-in not provided yet (dns) still fails clearly", async () => {
    const fn = await deployFunction(h, `import { lookup } from "dns";\nexport const handler = async () => typeof lookup;`);
    assert.deepEqual(functionError(await h.invoke(fn)), {
      errorType: "Runtime.ImportModuleError",
      errorMessage: "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet",
      trace: [],
    });
  });
});
