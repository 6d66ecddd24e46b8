import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { parseHandler, type HandlerProblem, type ParsedHandler } from "./handler-string.ts";

describe("parseHandler", () => {
  // Splits as the RIC's parseHandlerString + path.resolve(appRoot, moduleRoot, moduleName) do
  // (aws/aws-lambda-nodejs-runtime-interface-client: src/utils/handler-path.test.ts).
  const valid: Array<[string, ParsedHandler]> = [
    ["index.handler", { moduleRoot: "", moduleName: "index", exportPath: ["handler"] }],
    ["index.handlers.main", { moduleRoot: "", moduleName: "index", exportPath: ["handlers", "main"] }],
    ["src/fns/app.main", { moduleRoot: "src/fns", moduleName: "app", exportPath: ["main"] }],
    ["./src/app.main", { moduleRoot: "src", moduleName: "app", exportPath: ["main"] }],
    ["./index.handler", { moduleRoot: "", moduleName: "index", exportPath: ["handler"] }],
    // The module name ends at the first "."; a file "app.v2.js" cannot be a handler, as on Lambda.
    ["app.v2.handler", { moduleRoot: "", moduleName: "app", exportPath: ["v2", "handler"] }],
    ["my-dir.d/index.default", { moduleRoot: "my-dir.d", moduleName: "index", exportPath: ["default"] }],
    ["a".repeat(120) + ".handler", { moduleRoot: "", moduleName: "a".repeat(120), exportPath: ["handler"] }],
    // path.resolve makes these name files in the package, as on Lambda.
    ["/var/task/module.handler", { moduleRoot: "", moduleName: "module", exportPath: ["handler"] }],
    ["/var/task/src/module.handler", { moduleRoot: "src", moduleName: "module", exportPath: ["handler"] }],
    ["src//index.handler", { moduleRoot: "src", moduleName: "index", exportPath: ["handler"] }],
    ["index.handler/", { moduleRoot: "", moduleName: "index", exportPath: ["handler"] }],
    // Empty export segments are walked (and found missing) at invoke time.
    ["index.", { moduleRoot: "", moduleName: "index", exportPath: [""] }],
    ["index.handlers.", { moduleRoot: "", moduleName: "index", exportPath: ["handlers", ""] }],
  ];
  for (const [handler, expected] of valid) {
    test(`splits ${JSON.stringify(handler)}`, () => {
      assert.deepEqual(parseHandler(handler), expected);
    });
  }

  // What CreateFunction accepts and the runtime fails on at invoke, with the RIC's messages.
  const atInvoke: Array<[string, HandlerProblem]> = [
    ["index", { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" }],
    ["src/", { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" }],
    ["./path/module", { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" }],
    ["/path.with.dots/handler", { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" }],
    [
      "../index.handler",
      {
        errorType: "Runtime.MalformedHandlerName",
        errorMessage: "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
      },
    ],
    [
      "index.a..b",
      {
        errorType: "Runtime.MalformedHandlerName",
        errorMessage: "'index.a..b' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
      },
    ],
    [".handler", { errorType: "Runtime.ImportModuleError", errorMessage: "Error: Cannot find module ''\nRequire stack:\n- /var/runtime/index.mjs" }],
    ["/opt/nodejs/index.handler", { errorType: "Runtime.ImportModuleError", errorMessage: "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs" }],
  ];
  for (const [handler, expected] of atInvoke) {
    test(`leaves ${JSON.stringify(handler)} to fail at invoke`, () => {
      assert.deepEqual(parseHandler(handler), expected);
    });
  }

  // CreateFunction's own checks: Handler pattern ^[^\s]+$, length 1–128.
  const invalid: Array<[string, RegExp]> = [
    ["", /empty/],
    ["index handler", /whitespace/],
    ["index.handler\n", /whitespace/],
    ["\tindex.handler", /whitespace/],
    ["a".repeat(121) + ".handler", /longer than 128/],
  ];
  for (const [handler, reason] of invalid) {
    test(`rejects ${JSON.stringify(handler)}`, () => {
      assert.throws(
        () => parseHandler(handler),
        (error: unknown) =>
          error instanceof BundleError &&
          error.name === "BundleError" &&
          error.code === BundleErrorCode.InvalidHandler &&
          reason.test(error.message) &&
          error.message.includes(JSON.stringify(handler).slice(0, 50)),
      );
    });
  }
});
