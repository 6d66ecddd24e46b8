/**
 * Lambda's Node.js handler semantics through the executor (real NATS, bundles built as ingest
 * builds them), as AWS's runtime interface client (RIC, aws/aws-lambda-nodejs-runtime-interface-client)
 * implements them: stack traces naming the user's files, Handler strings that fail at invoke, and
 * the callback/event-loop rules of nodejs20.x/22.x. docs/lambda-semantics.md lists the rules.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deployFunction, functionError, okResult, startExecutorHarness, type ExecutorHarness, type Invoked } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

/** The JSON document of the `Invoke Error` log line. */
function invokeErrorLogged(inv: Invoked): { stack: string[] } {
  const line = inv.log.split("\n").find((l) => l.includes("\tERROR\tInvoke Error \t")) ?? "";
  assert.ok(line !== "", `no Invoke Error line in ${inv.log}`);
  return JSON.parse(line.slice(line.indexOf("Invoke Error \t") + "Invoke Error \t".length)) as { stack: string[] };
}

describe("stack traces name the user's files and lines (bundle source map)", () => {
  test("CommonJS: a throw in a required file is reported at /var/task/lib/db.js:line:column, in the response and the Invoke Error line", async () => {
    const fn = await deployFunction(h, {
      "index.js": `const { query } = require("./lib/db.js");\n\nexports.handler = async (event) => {\n  return query(event.sql);\n};\n`,
      "lib/db.js": `// a comment line\nexports.query = function query(sql) {\n  if (!sql) {\n    throw new Error("no sql");\n  }\n  return sql;\n};\n`,
    });
    const inv = await h.invoke(fn, {});
    const error = functionError(inv);
    assert.equal(error.errorMessage, "no sql");
    assert.equal(error.trace?.[0], "Error: no sql");
    assert.match(error.trace?.[1] ?? "", /^ {4}at query \(\/var\/task\/lib\/db\.js:4:11\)$/);
    assert.match(error.trace?.[2] ?? "", /\(\/var\/task\/index\.js:4:10\)$/);
    assert.ok(!error.trace?.some((line) => line.includes("index.mjs")), JSON.stringify(error.trace));
    const logged = invokeErrorLogged(inv);
    assert.deepEqual(logged.stack.slice(0, 3), error.trace?.slice(0, 3));
  });

  test("ES module: frames read file:///var/task/<file>.mjs with the source's line", async () => {
    const fn = await deployFunction(h, { "index.mjs": `import { check } from "./check.mjs";\nexport const handler = async () => check();\n`, "check.mjs": `\n\nexport function check() {\n  return null.boom;\n}\n` });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "TypeError");
    assert.match(error.trace?.[1] ?? "", /^ {4}at check \(file:\/\/\/var\/task\/check\.mjs:4:15\)$/);
  });
});

describe("Handler strings fail at invoke as the RIC reports them", () => {
  test("no export part: Runtime.MalformedHandlerName 'Bad handler'", async () => {
    const fn = await deployFunction(h, { "index.js": "exports.handler = async () => 1;" }, { handler: "index" });
    assert.deepEqual(functionError(await h.invoke(fn)), { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler", trace: [] });
  });

  test("'..' anywhere: Runtime.MalformedHandlerName naming the handler", async () => {
    const fn = await deployFunction(h, { "index.js": "exports.handler = async () => 1;" }, { handler: "index.a..b" });
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "Runtime.MalformedHandlerName");
    assert.equal(error.errorMessage, "'index.a..b' is not a valid handler name. Use absolute paths when specifying root directories in handler names.");
  });

  test("/var/task/<file>.<export> loads the package's file, as path.resolve does on Lambda", async () => {
    const fn = await deployFunction(h, { "src/app.js": "exports.main = async () => 'absolute';" }, { handler: "/var/task/src/app.main" });
    assert.equal(okResult(await h.invoke(fn)), "absolute");
  });
});

describe("nodejs22.x: callbackWaitsForEmptyEventLoop", () => {
  test("by default the answer waits for a pending timer; set to false it does not", async () => {
    const fn = await deployFunction(h, {
      "index.js": `let fired = 0;
exports.handler = (event, context, callback) => {
  if (event.read) return callback(null, fired);
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => { fired++; }, 50);
  callback(null, "answered");
};`,
    });
    assert.equal(okResult(await h.invoke(fn, { wait: true })), "answered");
    assert.equal(okResult(await h.invoke(fn, { read: true })), 1);
    assert.equal(okResult(await h.invoke(fn, { wait: false })), "answered");
    assert.equal(okResult(await h.invoke(fn, { read: true })), 1, "the second timer was dropped with the invocation");
  });
});

describe("nodejs22.x: an async handler's promise that never settles", () => {
  test("fails with Runtime.NodeJsExit once nothing is pending (the RIC 3.x's beforeExit listener); the function answers again, warm", async () => {
    const fn = await deployFunction(h, `export const handler = async (event) => { if (event.hang) await new Promise(() => {}); return "alive"; };`);
    const error = functionError(await h.invoke(fn, { hang: true }));
    assert.equal(error.errorType, "Runtime.NodeJsExit");
    assert.equal(
      error.errorMessage,
      "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
    );
    const again = await h.invoke(fn, {});
    assert.equal(okResult(again), "alive");
    assert.equal(again.result.status === "ok" && again.result.cold, false);
  });
});

describe("module types and scope as Node loads them", () => {
  test("an ES module using __dirname or module.exports at load fails with Node's 'is not defined in ES module scope'", async () => {
    const dirname = await deployFunction(h, { "index.mjs": "const here = __dirname;\nexport const handler = async () => here;\n" });
    const error = functionError(await h.invoke(dirname));
    assert.equal(error.errorType, "ReferenceError");
    assert.equal(error.errorMessage, "__dirname is not defined in ES module scope");
    assert.equal(error.trace?.[0], "ReferenceError: __dirname is not defined in ES module scope");
    assert.match(error.trace?.[1] ?? "", /file:\/\/\/var\/task\/index\.mjs:1:14\)?$/);
    const moduleExports = await deployFunction(h, { "package.json": '{"type":"module"}', "index.js": "export const x = 1;\nmodule.exports.handler = async () => 1;\n" });
    assert.equal(functionError(await h.invoke(moduleExports)).errorMessage, "module is not defined in ES module scope");
  });

  test("inside a handler the name is plainly not defined, as Node reports it after loading", async () => {
    const fn = await deployFunction(h, { "index.mjs": "export const handler = async () => __filename;\n" });
    const error = functionError(await h.invoke(fn));
    assert.deepEqual([error.errorType, error.errorMessage], ["ReferenceError", "__filename is not defined"]);
  });

  test("a CommonJS handler sees __filename and __dirname under /var/task", async () => {
    const fn = await deployFunction(h, { "src/app.js": "exports.handler = async () => [__filename, __dirname, typeof require, typeof module, typeof exports];" }, { handler: "src/app.handler" });
    assert.deepEqual(okResult(await h.invoke(fn)), ["/var/task/src/app.js", "/var/task/src", "function", "object", "object"]);
  });

  test("export in a .cjs file is Runtime.UserCodeSyntaxError with Node's text", async () => {
    const fn = await deployFunction(h, { "index.cjs": "export const handler = async () => 1;\n" });
    assert.deepEqual(functionError(await h.invoke(fn)), { errorType: "Runtime.UserCodeSyntaxError", errorMessage: "SyntaxError: index.cjs:1:1: Unexpected token 'export'", trace: [] });
  });
});
