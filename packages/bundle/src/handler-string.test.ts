import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { parseHandler, type ParsedHandler } from "./handler-string.ts";

describe("parseHandler", () => {
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
  ];
  for (const [handler, expected] of valid) {
    test(`accepts ${JSON.stringify(handler)}`, () => {
      assert.deepEqual(parseHandler(handler), expected);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ["", /empty/],
    ["index", /no "\."/],
    ["src/", /no "\."/],
    [".handler", /module name is empty/],
    ["index.", /empty segment/],
    ["index.a..b", /"\.\."/],
    ["index.handlers.", /empty segment/],
    ["../index.handler", /"\.\."/],
    ["src/../../index.handler", /"\.\."/],
    ["/var/task/index.handler", /absolute/],
    ["src//index.handler", /empty path segment/],
    ["index handler", /whitespace/],
    ["index.handler\n", /whitespace/],
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
