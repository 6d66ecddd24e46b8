import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { strFromU8, strToU8, zipSync } from "fflate";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { DEFAULT_MAX_UNZIPPED_BYTES, unpackZip } from "./zip.ts";

const isBundleError = (code: BundleErrorCode, message: RegExp) => (error: unknown) =>
  error instanceof BundleError && error.code === code && message.test(error.message);

describe("unpackZip", () => {
  test("returns files by normalised path and skips directories", () => {
    const zip = zipSync({
      "index.js": strToU8("exports.handler = 1;"),
      "src/": new Uint8Array(0),
      "src/lib/util.js": strToU8("util"),
      "./dot/x.json": strToU8("{}"),
    });
    const files = unpackZip(zip);
    assert.deepEqual([...files.keys()].sort(), ["dot/x.json", "index.js", "src/lib/util.js"]);
    assert.equal(strFromU8(files.get("src/lib/util.js") ?? new Uint8Array()), "util");
  });

  test("the default size limit is Lambda's 262,144,000 bytes", () => {
    assert.equal(DEFAULT_MAX_UNZIPPED_BYTES, 262_144_000);
  });

  test("rejects bytes that are not a zip with Lambda's message", () => {
    for (const bytes of [new Uint8Array(0), strToU8("not a zip at all"), zipSync({ "a.js": strToU8("x") }).subarray(0, 20)]) {
      assert.throws(
        () => unpackZip(bytes),
        isBundleError(BundleErrorCode.InvalidZip, /^Could not unzip uploaded file\. Please check your file, then try to upload again\.$/),
      );
    }
  });

  for (const name of ["../evil.js", "a/../../evil.js", "/etc/evil.js", "a\\..\\..\\evil.js", "C:/evil.js"]) {
    test(`rejects the zip-slip entry ${JSON.stringify(name)}`, () => {
      const zip = zipSync({ "index.js": strToU8("ok"), [name]: strToU8("evil") });
      assert.throws(() => unpackZip(zip), isBundleError(BundleErrorCode.InvalidZip, /climbs out|absolute/));
    });
  }

  test("accepts '..' that stays inside the package", () => {
    const files = unpackZip(zipSync({ "a/../b.js": strToU8("b") }));
    assert.deepEqual([...files.keys()], ["b.js"]);
  });

  test("rejects more files than maxFiles", () => {
    const zip = zipSync({ "a.js": strToU8("a"), "b.js": strToU8("b"), "c.js": strToU8("c") });
    assert.equal(unpackZip(zip, { maxFiles: 3 }).size, 3);
    assert.throws(() => unpackZip(zip, { maxFiles: 2 }), isBundleError(BundleErrorCode.CodeTooLarge, /more than 2 files/));
  });

  test("rejects more unzipped bytes than maxUnzippedBytes, counted before inflating", () => {
    // 1 MB of zeros deflates to about 1 KB: the limit must apply to the unzipped size.
    const zip = zipSync({ "big.bin": new Uint8Array(1_000_000), "small.js": strToU8("x") }, { level: 9 });
    assert.ok(zip.length < 10_000);
    assert.equal(unpackZip(zip, { maxUnzippedBytes: 1_000_001 }).size, 2);
    assert.throws(
      () => unpackZip(zip, { maxUnzippedBytes: 999_999 }),
      isBundleError(BundleErrorCode.CodeTooLarge, /at most 999999 bytes; this package has at least 1000000/),
    );
  });
});
