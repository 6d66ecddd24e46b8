/**
 * Hostile code, part two: what one tenant can do to others. Polluting the built-ins the runtime
 * relies on, forging the runtime's own result through Object.prototype, unreadable errors and
 * results, and reading another function's (or an older revision's) globals and env vars.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  assertExecutorHealthy, deployFunction, functionError, isCold, okResult, startExecutorHarness, type ExecutorHarness,
} from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

/** Throws an error nobody can read: a Proxy whose traps throw, or an Error whose stack getter throws. */
const UNREADABLE_ERRORS = `
export const handler = async (event) => {
  if (event.proxy) throw new Proxy({}, { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });
  const error = new Error("unreadable");
  Object.defineProperty(error, "stack", { get() { throw new Error("trap"); } });
  throw error;
};`;

/** Pollutes the built-ins the runtime relies on, then answers. */
const POLLUTER = `
export const handler = async (event) => {
  Object.prototype.polluted = "yes";
  Object.prototype.toJSON = undefined;
  Array.prototype.push = function () { return -1; };
  Array.prototype.map = function () { return ["hacked"]; };
  String.prototype.toString = function () { return "hacked"; };
  String.prototype.split = function () { return ["hacked"]; };
  JSON.parse = () => ({ hacked: true });
  JSON.stringify = () => '"hacked"';
  return { event, list: [1, 2], text: "plain" };
};`;

describe("hostile code: pollution stays in the polluter's own isolate", () => {
  test("polluting Object/Array/String prototypes and JSON leaves the reply correct, other functions and the host untouched", async () => {
    const hostPrototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const polluter = await deployFunction(h, POLLUTER);
    // (a) The reply is the handler's real result, serialised by the runtime's own JSON.
    assert.deepEqual(okResult(await h.invoke(polluter, { n: 1 })), { event: { n: 1 }, list: [1, 2], text: "plain" });
    // The next event still reaches the (warm, polluted) isolate intact.
    const again = await h.invoke(polluter, { n: 2, nested: { a: [1] } });
    assert.equal(isCold(again), false);
    assert.deepEqual(okResult(again), { event: { n: 2, nested: { a: [1] } }, list: [1, 2], text: "plain" });

    // (b) A different function in the same executor sees pristine built-ins.
    const bystander = await deployFunction(h, `
export const handler = async (event) => ({
  polluted: ({}).polluted ?? null,
  push: [].push(1, 2),
  map: [1, 2].map((x) => x * 2),
  split: "a,b".split(","),
  parse: JSON.parse('{"a":1}'),
  stringify: JSON.stringify({ b: 2 }),
  event,
});`);
    assert.deepEqual(okResult(await h.invoke(bystander, { ok: true })), {
      polluted: null, push: 2, map: [2, 4], split: ["a", "b"], parse: { a: 1 }, stringify: '{"b":2}', event: { ok: true },
    });

    // (c) The host process's own built-ins are clean.
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), hostPrototypeBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual([1, 2].map((x) => x * 2), [2, 4]);
    assert.deepEqual(JSON.parse('{"a":1}'), { a: 1 });
  });

  test("an Object.prototype.then getter cannot forge the runtime's result with a non-string result", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  Object.defineProperty(Object.prototype, "then", { configurable: true, get() {
    if (this !== null && typeof this === "object" && "logsSent" in this && "ok" in this) {
      delete Object.prototype.then;
      return (resolve) => resolve({ ok: true, result: 42, logsSent: 0 });
    }
    return undefined;
  } });
  return "honest";
};`);
    const inv = await h.invoke(fn);
    assert.equal(inv.result.status, "ok", `a user's pollution must not become a platform error: ${JSON.stringify(inv.result)}`);
    assert.equal(okResult(inv), "honest");
  });

  test("an Object.prototype.then getter cannot forge a malformed error document that breaks the reply envelope", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  Object.defineProperty(Object.prototype, "then", { configurable: true, get() {
    if (this !== null && typeof this === "object" && "logsSent" in this && "ok" in this) {
      delete Object.prototype.then;
      return (resolve) => resolve({ ok: false, error: { errorType: 7, errorMessage: null, trace: "x" }, fatal: false, logsSent: 0 });
    }
    return undefined;
  } });
  return "honest";
};`);
    assert.equal(okResult(await h.invoke(fn)), "honest");
  });

  test("an error whose name, message or stack cannot be read (a thrown Proxy with throwing traps) gets the runtime client's 'handled' document, not a crash", async () => {
    const fn = await deployFunction(h, UNREADABLE_ERRORS);
    // Exactly the runtime client's fallback document, without `trace`
    // (aws/aws-lambda-nodejs-runtime-interface-client: src/Errors.js, toRapidResponse).
    const handled = {
      errorType: "handled",
      errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
    const viaProxy = await h.invoke(fn, { proxy: true });
    assert.deepEqual(functionError(viaProxy), handled);
    assert.deepEqual(JSON.parse(viaProxy.body), handled, "the response body has no other field");
    assert.deepEqual(functionError(await h.invoke(fn, { proxy: false })), handled);
    // A handled function error keeps the isolate.
    assert.equal(isCold(await h.invoke(fn, { proxy: false })), false);
  });

  test("a result whose serialisation throws is Runtime.JSONStringifyError", async () => {
    const fn = await deployFunction(h, `export const handler = async () => new Proxy({}, { ownKeys() { throw new Error("no keys for you"); } });`);
    assert.deepEqual(functionError(await h.invoke(fn)), {
      errorType: "Runtime.JSONStringifyError", errorMessage: "Unable to stringify response body: no keys for you", trace: [],
    });
  });
});

describe("hostile code: tenants cannot see each other", () => {
  test("function B in the same executor sees neither A's globals nor A's env vars, and A's process.env writes reach no one", async () => {
    const hostPath = process.env.PATH;
    const a = await deployFunction(h, `
export const handler = async () => {
  globalThis.tenantSecret = process.env.TENANT_SECRET;
  process.env.PATH = "hijacked";
  process.env.LEAKED = "from-a";
  return { secret: globalThis.tenantSecret, path: process.env.PATH };
};`, { env: { TENANT_SECRET: "a-secret-123" } });
    assert.deepEqual(okResult(await h.invoke(a)), { secret: "a-secret-123", path: "hijacked" });

    const b = await deployFunction(h, `
export const handler = async () => ({
  global: globalThis.tenantSecret ?? null,
  env: process.env.TENANT_SECRET ?? null,
  leaked: process.env.LEAKED ?? null,
  path: process.env.PATH ?? null,
  anySecret: Object.values(process.env).some((v) => String(v).includes("a-secret-123")),
});`);
    // B's PATH is the one Lambda gives every function, neither A's nor the host's.
    assert.deepEqual(okResult(await h.invoke(b)), { global: null, env: null, leaked: null, path: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin", anySecret: false });
    assert.equal(process.env.PATH, hostPath);
    assert.equal(process.env.LEAKED, undefined);
  });

  test("the same function name with a new revision does not see the old revision's module state", async () => {
    const code = await h.deploy(`
let invocations = 0;
export const handler = async (event) => {
  invocations++;
  const seen = globalThis.marker ?? null;
  globalThis.marker = event.mark;
  return { invocations, seen, secret: process.env.SECRET ?? null };
};`);
    const v1 = h.spec(code, { env: { SECRET: "v1-only" } });
    assert.deepEqual(okResult(await h.invoke(v1, { mark: "one" })), { invocations: 1, seen: null, secret: "v1-only" });
    assert.deepEqual(okResult(await h.invoke(v1, { mark: "two" })), { invocations: 2, seen: "one", secret: "v1-only" });
    const v2 = h.spec(code, { name: v1.name, env: {} });
    const first = await h.invoke(v2, { mark: "three" });
    assert.equal(isCold(first), true);
    assert.deepEqual(okResult(first), { invocations: 1, seen: null, secret: null });
  });
});

describe("after hostile tenants", () => {
  test("after a polluter and an unreadable error, the executor is healthy: a normal function works and the runtime's stats are sane", async () => {
    const polluter = await deployFunction(h, POLLUTER);
    assert.deepEqual(okResult(await h.invoke(polluter, { n: 1 })), { event: { n: 1 }, list: [1, 2], text: "plain" });
    const thrower = await deployFunction(h, UNREADABLE_ERRORS);
    assert.equal(functionError(await h.invoke(thrower, { proxy: true })).errorType, "handled");
    // Three cold starts of this test's own: the polluter, the thrower, the healthy function.
    await assertExecutorHealthy(h, { minColdStarts: 3 });
  });
});
