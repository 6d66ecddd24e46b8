import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { resolveExport } from "./export-path.ts";

describe("resolveExport", () => {
  const fn = () => "fn";
  const other = () => "other";

  test("walks the export path over the module", () => {
    assert.equal(resolveExport({ handler: fn }, ["handler"]), fn);
    assert.equal(resolveExport({ handlers: { main: fn } }, ["handlers", "main"]), fn);
  });

  test("descends into functions, as Lambda's 3.x runtime client does", () => {
    assert.equal(resolveExport({ Api: Object.assign(() => 0, { main: fn }) }, ["Api", "main"]), fn);
  });

  test("falls back to default when the direct walk gives no function", () => {
    assert.equal(resolveExport({ default: { handler: fn } }, ["handler"]), fn);
    // A CommonJS `exports.default = fn` seen through the interop object: `default` is module.exports.
    const moduleExports = { default: fn, __esModule: true };
    assert.equal(resolveExport({ ...moduleExports, default: moduleExports }, ["default"]), fn);
  });

  test("prefers the direct walk", () => {
    assert.equal(resolveExport({ handler: fn, default: { handler: other } }, ["handler"]), fn);
  });

  test("returns what it reached when nothing is a function, undefined when nothing is there", () => {
    assert.equal(resolveExport({ handler: 42 }, ["handler"]), 42);
    assert.equal(resolveExport({}, ["handler"]), undefined);
    assert.equal(resolveExport({ a: null }, ["a", "b"]), undefined);
    assert.equal(resolveExport(undefined, ["handler"]), undefined);
  });
});
