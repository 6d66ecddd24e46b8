/**
 * Hostile code, part one: escapes. User code tries to climb out of its isolate (constructor
 * chains, stack-trace callsites, callers, the host-provided `context`/`console`) and to load Node
 * (require, import, process.binding). Each case asserts exactly what the code sees, against a real
 * executor. Pollution and tenant isolation: hostile-tenants.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
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

/**
 * In-isolate: what a global object `g` and a `process` object `p` reached by some route give
 * access to. Every route must land on the isolate's own global and fnmesh's minimal `process`.
 */
const DESCRIBE_REACH = `
const describeReach = (g, p) => ({
  sameGlobal: g === globalThis,
  sameProcess: p === globalThis.process,
  require: typeof g.require,
  Buffer: typeof g.Buffer,
  binding: typeof p.binding,
  dlopen: typeof p.dlopen,
  mainModule: typeof p.mainModule,
  exit: typeof p.exit,
  kill: typeof p.kill,
  versions: Object.keys(p.versions),
});
`;
const ISOLATE_ONLY = {
  sameGlobal: true, sameProcess: true, require: "undefined", Buffer: "undefined", binding: "undefined", dlopen: "undefined",
  mainModule: "undefined", exit: "undefined", kill: "undefined", versions: ["node"],
};

/** The checkout this test runs from, wherever it is: none of its paths may leak. */
const CHECKOUT = resolve(import.meta.dirname, "../../..");
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Host paths and frames that must never show in anything user code can read. */
const HOST_TRACES = new RegExp([escapeRegExp(CHECKOUT), "node:internal", "isolated-vm", "node_modules", "ivm", "\\.ts:"].join("|"));

describe("hostile code: constructor chains and callers stay inside the isolate", () => {
  test("this.constructor.constructor('return process')() at CommonJS top level finds only the isolate's process", async () => {
    const fn = await deployFunction(h, {
      "index.js": `${DESCRIBE_REACH}
const p = this.constructor.constructor("return process")();
const g = this.constructor.constructor("return this")();
exports.handler = async () => ({ thisIsExports: this === module.exports, reach: describeReach(g, p) });`,
    });
    assert.deepEqual(okResult(await h.invoke(fn)), { thisIsExports: true, reach: ISOLATE_ONLY });
  });

  test("({}).constructor.constructor reaches only the isolate's global and process", async () => {
    const fn = await deployFunction(h, `${DESCRIBE_REACH}
export const handler = async () => {
  const F = ({}).constructor.constructor;
  return { reach: describeReach(F("return this")(), F("return process")()), requireSeen: F("return typeof require")() };
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), { reach: ISOLATE_ONLY, requireSeen: "undefined" });
  });

  test("AsyncFunction and GeneratorFunction constructors reach only the isolate", async () => {
    const fn = await deployFunction(h, `${DESCRIBE_REACH}
export const handler = async () => {
  const AsyncFunction = (async () => {}).constructor;
  const GeneratorFunction = (function* () {}).constructor;
  const g = await AsyncFunction("return this")();
  const p = GeneratorFunction("yield process")().next().value;
  return describeReach(g, p);
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), ISOLATE_ONLY);
  });

  test("prepareStackTrace callsites expose no prelude or host function, and this is only the isolate's global", async () => {
    // A sloppy function (strict code hides getThis/getFunction) collects every frame of the stack.
    const fn = await deployFunction(h, `
const collect = new Function(\`
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, sites) => sites;
  Error.stackTraceLimit = Infinity;
  const holder = {};
  Error.captureStackTrace(holder);
  const sites = holder.stack;
  Error.prepareStackTrace = previous;
  return sites.map((s) => {
    const f = s.getFunction();
    const t = s.getThis();
    return {
      file: s.getFileName() ?? null,
      fn: typeof f,
      self: t === undefined ? "undefined" : t === globalThis ? "isolate-global" : "other",
      reach: f === undefined ? null : f.constructor("return [typeof process.binding, typeof require, typeof Buffer].join()")(),
    };
  });\`);
export const handler = async () => collect();`);
    const frames = okResult(await h.invoke(fn)) as { file: string | null; fn: string; self: string; reach: string | null }[];
    assert.ok(frames.length >= 3, JSON.stringify(frames));
    // Only the sloppy probe itself (frame 0) shows its function and `this`; that is the isolate's.
    assert.deepEqual(frames[0], { file: null, fn: "function", self: "isolate-global", reach: "undefined,undefined,undefined" });
    for (const frame of frames.slice(1)) assert.deepEqual({ fn: frame.fn, self: frame.self, reach: frame.reach }, { fn: "undefined", self: "undefined", reach: null });
    assert.ok(frames.some((f) => f.file === "fnmesh:prelude"), "the prelude's frames are on the stack but hidden");
    for (const frame of frames) assert.doesNotMatch(frame.file ?? "", HOST_TRACES);
  });

  test("error stacks, even with an unlimited stackTraceLimit, never show host frames or paths", async () => {
    const fn = await deployFunction(h, `
Error.stackTraceLimit = Infinity;
export const handler = async () => {
  const direct = new Error("direct").stack;
  const inTimer = await new Promise((resolve) => setTimeout(() => resolve(new Error("timer").stack), 1));
  const inMicrotask = await Promise.resolve().then(() => new Error("microtask").stack);
  const captured = {};
  Error.captureStackTrace(captured);
  return [direct, inTimer, inMicrotask, captured.stack];
};`);
    const stacks = okResult(await h.invoke(fn)) as string[];
    assert.match(`at x (${CHECKOUT}/packages/sandbox/src/prelude/core.js:1:1)`, HOST_TRACES, "the check catches a path of this checkout");
    assert.equal(stacks.length, 4);
    for (const stack of stacks) assert.doesNotMatch(stack, HOST_TRACES);
    assert.match(stacks[0] ?? "", /^Error: direct\n {4}at handler \(file:\/\/\/var\/task\/index\.mjs:\d+:\d+\)/);
  });

  test("arguments.callee.caller of a sloppy handler is null: the prelude's caller is not reachable", async () => {
    const fn = await deployFunction(h, {
      "index.js": `exports.handler = new Function("event", "context", "return { caller: arguments.callee.caller, callerType: typeof arguments.callee.caller };");`,
    }, { runtime: "nodejs24.x" }); // nodejs24.x answers with a sync handler's value (nodejs22.x: null)
    assert.deepEqual(okResult(await h.invoke(fn)), { caller: null, callerType: "object" });
  });

  test("the context object's functions construct only isolate code (getRemainingTimeInMillis, done, succeed, fail)", async () => {
    const fn = await deployFunction(h, `${DESCRIBE_REACH}
export const handler = async (event, context) => {
  const viaRemaining = describeReach(context.getRemainingTimeInMillis.constructor("return this")(), context.getRemainingTimeInMillis.constructor("return process")());
  const viaDone = [context.done, context.succeed, context.fail].map((f) => describeReach(f.constructor("return this")(), f.constructor("return process")()));
  return { viaRemaining, viaDone };
};`, { runtime: "nodejs20.x" });
    assert.deepEqual(okResult(await h.invoke(fn)), { viaRemaining: ISOLATE_ONLY, viaDone: [ISOLATE_ONLY, ISOLATE_ONLY, ISOLATE_ONLY] });
  });

  test("console.log's and setTimeout's Function constructors reach only the isolate's process", async () => {
    const fn = await deployFunction(h, `${DESCRIBE_REACH}
export const handler = async () => [console.log, console.error, setTimeout, queueMicrotask, process.nextTick].map((f) =>
  describeReach(f.constructor("return this")(), f.constructor("return process")()));`);
    assert.deepEqual(okResult(await h.invoke(fn)), Array(5).fill(ISOLATE_ONLY));
  });

  test("eval, indirect eval and new Function work but see only the isolate", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event) => ({
  math: eval("6 * 7"),
  local: eval("typeof event"),
  indirectGlobal: (0, eval)("this") === globalThis,
  fnGlobal: new Function("return this")() === globalThis,
  seen: new Function("return [typeof require, typeof Buffer, typeof process.binding, typeof process.dlopen, typeof module, typeof __dirname].join()")(),
});`);
    assert.deepEqual(okResult(await h.invoke(fn, { x: 1 })), {
      math: 42, local: "object", indirectGlobal: true, fnGlobal: true, seen: "undefined,undefined,undefined,undefined,undefined,undefined",
    });
  });
});

describe("hostile code: Node's module system and process internals are out of reach", () => {
  test("require('dns') and require('child_process') throw MODULE_NOT_FOUND; node:fs reaches no host file; globalThis.require does not exist", async () => {
    const fn = await deployFunction(h, {
      "index.js": `
const attempt = (load) => { try { load(); return "loaded"; } catch (e) { return { name: e.name, message: e.message, code: e.code }; } };
exports.handler = async () => ({
  dns: attempt(() => require("dns")),
  hostFiles: ["/etc/passwd", "../../proc/self/environ", "/var/runtime/index.mjs", "/work"].map((path) => attempt(() => require("fs").readFileSync(path)).code ?? "read"),
  childProcess: attempt(() => require("node:child_process")),
  computed: attempt(() => require(["worker", "threads"].join("_"))),
  globalRequire: typeof globalThis.require,
});`,
    });
    const notFound = (message: string) => ({ name: "Error", code: "MODULE_NOT_FOUND", message });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      dns: notFound("Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet"),
      hostFiles: ["ENOENT", "ENOENT", "ENOENT", "ENOENT"],
      childProcess: notFound("Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available"),
      computed: notFound("Cannot find module 'worker_threads': fnmesh runs functions in V8 isolates, where worker_threads is not available"),
      globalRequire: "undefined",
    });
  });

  test("a static import of node:child_process fails with Runtime.ImportModuleError", async () => {
    const fn = await deployFunction(h, `import { execSync } from "node:child_process";\nexport const handler = async () => String(execSync("id"));`);
    assert.deepEqual(functionError(await h.invoke(fn)), {
      errorType: "Runtime.ImportModuleError",
      errorMessage: "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
      trace: [],
    });
  });

  test("dynamic import('dns'), import('node:child_process'), a computed name and a computed data: URL never load a module", async () => {
    const fn = await deployFunction(h, `
const attempt = async (load) => { try { const m = await load(); return { loaded: true, keys: Object.keys(m) }; } catch (e) { return { loaded: false, isError: e instanceof Error }; } };
export const handler = async () => [
  await attempt(() => import("dns")),
  await attempt(() => import("node:child_process")),
  await attempt(() => import(["node:", "worker_threads"].join(""))),
  // Computed: a literal data: URL would be inlined by esbuild at deploy time (and run in the isolate).
  await attempt(() => import(["data:text/javascript,", "export default globalThis"].join(""))),
];`);
    assert.deepEqual(okResult(await h.invoke(fn)), Array(4).fill({ loaded: false, isError: true }));
  });

  test("dynamic import() of a built-in fails with a message naming the module, as a static import does", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  const messages = [];
  for (const id of ["dns", "node:child_process"]) {
    try { await import(id); messages.push("loaded " + id); } catch (e) { messages.push(e.message); }
  }
  return messages;
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), [
      "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet",
      "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
    ]);
  });

  test("process.binding, process.dlopen and process.kill do not exist: calling them is a TypeError", async () => {
    const fn = await deployFunction(h, `
const attempt = (call) => { try { call(); return "called"; } catch (e) { return e.name + ": " + e.message; } };
export const handler = async () => [
  attempt(() => process.binding("fs")),
  attempt(() => process.dlopen({}, "/tmp/x.node")),
  attempt(() => process.kill(1)),
  attempt(() => process._linkedBinding("fs")),
];`);
    assert.deepEqual(okResult(await h.invoke(fn)), [
      "TypeError: process.binding is not a function",
      "TypeError: process.dlopen is not a function",
      "TypeError: process.kill is not a function",
      "TypeError: process._linkedBinding is not a function",
    ]);
  });

  test("process.exit() is a function error (TypeError), not an exit of anything", async () => {
    const fn = await deployFunction(h, `export const handler = async (event) => { if (event.exit) process.exit(1); return "still here"; };`);
    const error = functionError(await h.invoke(fn, { exit: true }));
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.errorMessage, "process.exit is not a function");
    // A handled function error keeps the isolate.
    const next = await h.invoke(fn, {});
    assert.equal(okResult(next), "still here");
    assert.equal(isCold(next), false);
  });

  test("WebAssembly is not available: typeof is undefined and using it is a ReferenceError", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event) => {
  if (event.use) return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  return { type: typeof WebAssembly, globals: Object.getOwnPropertyNames(globalThis).filter((n) => /wasm|webassembly/i.test(n)) };
};`);
    assert.deepEqual(okResult(await h.invoke(fn, {})), { type: "undefined", globals: [] });
    const error = functionError(await h.invoke(fn, { use: true }));
    assert.equal(error.errorType, "ReferenceError");
    assert.equal(error.errorMessage, "WebAssembly is not defined");
  });
});

describe("after escape attempts", () => {
  test("after constructor-chain, require and process.exit attempts, the executor is healthy: a normal function works and the runtime's stats are sane", async () => {
    const climber = await deployFunction(h, `${DESCRIBE_REACH}
export const handler = async () => describeReach(({}).constructor.constructor("return this")(), ({}).constructor.constructor("return process")());`);
    assert.deepEqual(okResult(await h.invoke(climber)), ISOLATE_ONLY);
    const loader = await deployFunction(h, { "index.js": `exports.handler = async () => { try { require("child_process"); return "loaded"; } catch (e) { return e.code; } };` });
    assert.equal(okResult(await h.invoke(loader)), "MODULE_NOT_FOUND");
    const exiter = await deployFunction(h, `export const handler = async () => process.exit(1);`);
    assert.equal(functionError(await h.invoke(exiter)).errorType, "TypeError");
    // Four cold starts of this test's own: three attempts and the healthy function.
    await assertExecutorHealthy(h, { minColdStarts: 4 });
  });
});
