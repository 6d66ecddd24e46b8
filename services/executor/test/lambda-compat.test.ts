/**
 * Lambda compatibility, part one: handler forms and errors. Code written for AWS Lambda's Node.js
 * runtimes (ESM, CommonJS, callbacks, TypeScript output, nested handler paths, bundled
 * node_modules) runs unchanged, and fails the way Lambda reports it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deployFunction, functionError, isCold, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

describe("Lambda compatibility: handler forms", () => {
  test("ESM: export const handler = async", async () => {
    const fn = await deployFunction(h, { "index.mjs": `export const handler = async (event) => ({ esm: event.x });` });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 1 })), { esm: 1 });
  });

  // The RIC rewrite awaits the handler on nodejs24.x; 3.x (nodejs20.x/22.x) ignores a sync
  // handler's return value and answers null once the event loop is empty (src/Runtime.js).
  test("ESM: a synchronous handler's return value is the result on nodejs24.x, null on nodejs22.x", async () => {
    const source = { "index.mjs": `export function handler(event) { return { sync: event.x }; }` };
    assert.deepEqual(okResult(await h.invoke(await deployFunction(h, source, { runtime: "nodejs24.x" }), { x: 2 })), { sync: 2 });
    assert.equal(okResult(await h.invoke(await deployFunction(h, source), { x: 2 })), null);
  });

  test("ESM .mjs entry with top-level await", async () => {
    const fn = await deployFunction(h, {
      "index.mjs": `const config = await Promise.resolve({ stage: "tla" });\nexport const handler = async () => config;`,
    });
    assert.deepEqual(okResult(await h.invoke(fn)), { stage: "tla" });
  });

  test("CommonJS: exports.handler", async () => {
    const fn = await deployFunction(h, { "index.js": `exports.handler = async (event) => ({ cjs: event.x });` });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 3 })), { cjs: 3 });
  });

  test("CommonJS: module.exports = { handler }", async () => {
    const fn = await deployFunction(h, { "index.js": `async function handler(event) { return { moduleExports: event.x }; }\nmodule.exports = { handler };` });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 4 })), { moduleExports: 4 });
  });

  test("a .cjs entry", async () => {
    const fn = await deployFunction(h, { "index.cjs": `exports.handler = async () => ({ ext: "cjs", strict: (function () { return this === undefined; })() });` });
    assert.deepEqual(okResult(await h.invoke(fn)), { ext: "cjs", strict: true });
  });

  test("TypeScript-compiled exports.default with handler index.default", async () => {
    const fn = await deployFunction(h, {
      "index.js": `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const handler = async (event) => ({ ts: event.x });
exports.default = handler;`,
    }, { handler: "index.default" });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 5 })), { ts: 5 });
  });

  test("a nested path: src/app.handlers.main", async () => {
    const fn = await deployFunction(h, {
      "src/app.js": `const util = require("./lib/util");\nexports.handlers = { main: async (event) => ({ nested: util.double(event.x) }) };`,
      "src/lib/util.js": `exports.double = (n) => n * 2;`,
    }, { handler: "src/app.handlers.main" });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 6 })), { nested: 12 });
  });

  test("packages from node_modules inside the zip (CommonJS main, ESM exports map)", async () => {
    const fn = await deployFunction(h, {
      "index.js": `const pad = require("left-pad");\nconst { shout } = require("shouty");\nexports.handler = async (event) => ({ padded: pad(String(event.x), 5, "0"), loud: shout("hi") });`,
      "node_modules/left-pad/package.json": `{ "name": "left-pad", "version": "1.3.0", "main": "lib/index.js" }`,
      "node_modules/left-pad/lib/index.js": `module.exports = (s, n, c) => c.repeat(Math.max(0, n - s.length)) + s;`,
      "node_modules/shouty/package.json": `{ "name": "shouty", "version": "2.0.0", "exports": { ".": { "require": "./cjs.js", "import": "./esm.mjs" } } }`,
      "node_modules/shouty/cjs.js": `exports.shout = (s) => s.toUpperCase() + "!";`,
      "node_modules/shouty/esm.mjs": `export const shout = (s) => "wrong condition";`,
    });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 7 })), { padded: "00007", loud: "HI!" });
  });

  test("callback style (nodejs20.x): callback(null, result)", async () => {
    const fn = await deployFunction(h, { "index.js": `exports.handler = (event, context, callback) => { callback(null, { cb: event.x }); };` }, { runtime: "nodejs20.x" });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 8 })), { cb: 8 });
  });

  test("callback style (nodejs22.x): callback after a timer", async () => {
    const fn = await deployFunction(h, {
      "index.js": `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { late: event.x }), 30); };`,
    }, { runtime: "nodejs22.x" });
    assert.deepEqual(okResult(await h.invoke(fn, { x: 9 })), { late: 9 });
  });

  test("callback style: callback(new Error()) is a function error", async () => {
    const fn = await deployFunction(h, {
      "index.js": `exports.handler = (event, context, callback) => { setTimeout(() => callback(new TypeError("bad input")), 1); };`,
    }, { runtime: "nodejs20.x" });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.errorMessage, "bad input");
    assert.equal(error.trace?.[0], "TypeError: bad input");
  });

  test("context.succeed and context.fail on a callback runtime", async () => {
    const fn = await deployFunction(h, {
      "index.js": `exports.handler = (event, context) => {
  if (event.fail === "bare") context.fail();
  else if (event.fail) context.fail(new Error("failed via context"));
  else context.succeed({ succeeded: true });
};`,
    }, { runtime: "nodejs20.x" });
    assert.deepEqual(okResult(await h.invoke(fn, {})), { succeeded: true });
    const error = functionError(await h.invoke(fn, { fail: true }));
    assert.equal(error.errorType, "Error");
    assert.equal(error.errorMessage, "failed via context");
    // fail() with no error fails with the string "handled", reported as any thrown string is
    // (aws/aws-lambda-nodejs-runtime-interface-client: src/CallbackContext.js `fail`, src/Errors.js toRapidResponse).
    assert.deepEqual(functionError(await h.invoke(fn, { fail: "bare" })), { errorType: "string", errorMessage: "handled", trace: [] });
  });

  test("nodejs24.x refuses a callback handler with Runtime.CallbackHandlerDeprecated", async () => {
    const fn = await deployFunction(h, { "index.js": `exports.handler = (event, context, callback) => callback(null, 1);` }, { runtime: "nodejs24.x" });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.CallbackHandlerDeprecated");
    assert.match(error.errorMessage, /^ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node\.js 24\./);
  });
});

describe("Lambda compatibility: results and errors", () => {
  test("an undefined result is null", async () => {
    const fn = await deployFunction(h, `export const handler = async () => undefined;`);
    const inv = await h.invoke(fn);
    assert.equal(inv.body, "null");
    assert.equal(okResult(inv), null);
  });

  test("events of every JSON shape reach the handler unchanged", async () => {
    const fn = await deployFunction(h, `export const handler = async (event) => ({ type: Array.isArray(event) ? "array" : event === null ? "null" : typeof event, event });`);
    for (const [raw, type] of [["\"text\"", "string"], ["[1,{\"a\":null}]", "array"], ["null", "null"], ["42.5", "number"], ["{\"é\":\"☃\"}", "object"]] as const) {
      assert.deepEqual(okResult(await h.invoke(fn, undefined, { rawPayload: new TextEncoder().encode(raw) })), { type, event: JSON.parse(raw) });
    }
  });

  test("a thrown Error subclass gives errorType (its name), errorMessage and trace; the isolate stays warm", async () => {
    const fn = await deployFunction(h, `
class ValidationError extends Error {
  constructor(message) { super(message); this.name = "ValidationError"; }
}
export const handler = async () => { throw new ValidationError("field 'email' is required"); };`);
    const inv = await h.invoke(fn);
    const error = functionError(inv);
    assert.equal(error.errorType, "ValidationError");
    assert.equal(error.errorMessage, "field 'email' is required");
    assert.equal(error.trace?.[0], "ValidationError: field 'email' is required");
    assert.ok(error.trace?.some((line) => /^ {4}at .*\/var\/task\/index\.mjs:\d+:\d+/.test(line)), JSON.stringify(error.trace));
    assert.ok(!error.trace?.some((line) => line.includes("fnmesh:prelude")), JSON.stringify(error.trace));
    assert.deepEqual(inv.result.status === "function_error" && inv.result.functionError, error);
    assert.equal(isCold(await h.invoke(fn)), false);
  });

  test("a subclass that does not set name reports errorType Error, as Lambda does", async () => {
    const fn = await deployFunction(h, `class Quiet extends Error {}\nexport const handler = async () => { throw new Quiet("unnamed"); };`);
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Error");
    assert.equal(error.errorMessage, "unnamed");
  });

  test("a thrown string is errorType \"string\" with an empty trace", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { throw "plain failure"; };`);
    assert.deepEqual(functionError(await h.invoke(fn)), { errorType: "string", errorMessage: "plain failure", trace: [] });
  });

  test("a rejected promise is a function error", async () => {
    const fn = await deployFunction(h, `export const handler = () => Promise.reject(new RangeError("out of range"));`);
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "RangeError");
    assert.equal(error.errorMessage, "out of range");
    assert.equal(error.trace?.[0], "RangeError: out of range");
  });

  test("an init (top-level) error fails the invocation with the error's type, and every cold start retries init", async () => {
    const fn = await deployFunction(h, `console.log("initialising");\nthrow new TypeError("bad config at init");\nexport const handler = async () => 1;`);
    const inv = await h.invoke(fn);
    const error = functionError(inv);
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.errorMessage, "bad config at init");
    assert.equal(isCold(inv), true);
    assert.ok(inv.result.status === "function_error" && inv.result.initDurationMs !== undefined, "a failed init still reports its duration");
    assert.match(inv.log, /\tINFO\tinitialising\n/);
    assert.equal(isCold(await h.invoke(fn)), true, "a failed init is not kept");
  });

  test("a missing handler is Runtime.HandlerNotFound", async () => {
    const fn = await deployFunction(h, { "app.js": `exports.other = async () => 1;` }, { handler: "app.handler" });
    assert.deepEqual(functionError(await h.invoke(fn)), { errorType: "Runtime.HandlerNotFound", errorMessage: "app.handler is undefined or not exported", trace: [] });
  });

  test("an export that is not a function is Runtime.HandlerNotFound '… is not a function', as Lambda's runtime says", async () => {
    const fn = await deployFunction(h, { "app.js": `exports.notAFunction = { handler: true };` }, { handler: "app.notAFunction" });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.HandlerNotFound");
    assert.equal(error.errorMessage, "app.notAFunction is not a function");
  });

  test("a handler module missing from the package is Runtime.ImportModuleError on invoke", async () => {
    const fn = await deployFunction(h, { "other.js": `exports.handler = async () => 1;` }, { handler: "index.handler" });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.ImportModuleError");
    assert.match(error.errorMessage, /^Error: Cannot find module 'index'\n/);
  });

  test("a syntax error is Runtime.UserCodeSyntaxError on invoke", async () => {
    const fn = await deployFunction(h, { "index.js": `exports.handler = async () => { return 1 +; };` });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.UserCodeSyntaxError");
    assert.match(error.errorMessage, /^SyntaxError: /);
  });

  test("a result that cannot be serialised is Runtime.JSONStringifyError", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { const a = { n: 1n }; return a; };`);
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.JSONStringifyError");
    assert.match(error.errorMessage, /^Unable to stringify response body: .*BigInt/);
  });
});
