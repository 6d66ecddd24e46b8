import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { strFromU8, strToU8, zipSync } from "fflate";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { craftZip, deflatedEntry, storedEntry, zerosEntry } from "./testing/crafted-zip.ts";
import { DEFAULT_MAX_UNZIPPED_BYTES, unpackZip } from "./zip.ts";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

const isBundleError = (code: BundleErrorCode, message: RegExp) => (error: unknown) =>
  error instanceof BundleError && error.code === code && message.test(error.message);
const isTooLarge = (limit: number) =>
  isBundleError(BundleErrorCode.CodeTooLarge, new RegExp(`^Unzipped size must be smaller than ${limit} bytes$`));

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

  test("refuses a total of maxUnzippedBytes or more, counting the inflated bytes", () => {
    // 1 MB of zeros deflates to about 1 KB: the limit must apply to the unzipped size.
    const zip = zipSync({ "big.bin": new Uint8Array(1_000_000), "small.js": strToU8("x") }, { level: 9 });
    assert.ok(zip.length < 10_000);
    assert.equal(unpackZip(zip, { maxUnzippedBytes: 1_000_002 }).size, 2);
    assert.throws(() => unpackZip(zip, { maxUnzippedBytes: 1_000_001 }), isTooLarge(1_000_001));
  });
});

describe("unpackZip with sizes that lie", () => {
  test("an entry that inflates past the limit while its headers declare 1,000 bytes is refused as too large", async () => {
    const zip = craftZip([await zerosEntry("a.bin", GIB, 1000), storedEntry("index.js", strToU8("x"))]);
    assert.ok(zip.length < 2 * 1024 * 1024, `the bomb is ${zip.length} bytes`);
    assert.throws(() => unpackZip(zip), isTooLarge(DEFAULT_MAX_UNZIPPED_BYTES));
  });

  test("an entry larger than declared is unpacked whole, not truncated to the declared size", async () => {
    const zip = craftZip([await zerosEntry("data.bin", 100_000, 10)]);
    const data = unpackZip(zip).get("data.bin");
    assert.equal(data?.length, 100_000);
  });

  test("an entry declaring 4 GiB that inflates to 10 bytes is accepted: the declared size is not counted", () => {
    const entry = deflatedEntry("index.js", strToU8("exports.x=1"));
    const files = unpackZip(craftZip([{ ...entry, declaredSize: 0xffff_ffff }]));
    assert.equal(strFromU8(files.get("index.js") ?? new Uint8Array()), "exports.x=1");
  });

  test("a bomb of 400 entries of 1 MiB zeros, each declared as 1 byte, is refused once the total reaches the limit", async () => {
    const mib = await zerosEntry("x", MIB, 1);
    const zip = craftZip(Array.from({ length: 400 }, (_, i) => ({ ...mib, name: `f${i}.bin` })));
    assert.ok(zip.length < 1024 * 1024, `the bomb is ${zip.length} bytes`);
    assert.throws(() => unpackZip(zip), isTooLarge(DEFAULT_MAX_UNZIPPED_BYTES));
  });
});

describe("unpackZip at Lambda's limit", () => {
  // Deflated zeros: a ~250 KB zip that really unpacks to the limit. The limit itself is refused:
  // Lambda's text is "must be smaller than 262144000 bytes".
  const honestZip = async (total: number) => {
    const mib = await zerosEntry("x", MIB);
    const whole = Math.floor(total / MIB);
    const entries = Array.from({ length: whole }, (_, i) => ({ ...mib, name: `f${i}.bin` }));
    if (total > whole * MIB) entries.push(await zerosEntry("rest.bin", total - whole * MIB));
    return craftZip(entries);
  };

  test("a package of 262,143,999 unzipped bytes is accepted", async () => {
    const files = unpackZip(await honestZip(DEFAULT_MAX_UNZIPPED_BYTES - 1));
    let total = 0;
    for (const data of files.values()) total += data.length;
    assert.equal(total, 262_143_999);
  });

  test("a package of 262,144,000 unzipped bytes is refused with Lambda's message", async () => {
    const zip = await honestZip(DEFAULT_MAX_UNZIPPED_BYTES);
    assert.throws(
      () => unpackZip(zip),
      isBundleError(BundleErrorCode.CodeTooLarge, /^Unzipped size must be smaller than 262144000 bytes$/),
    );
  });
});

describe("unpackZip refuses damaged entries with Lambda's message", () => {
  const invalid = isBundleError(BundleErrorCode.InvalidZip, /^Could not unzip uploaded file/);

  test("a CRC-32 that does not match the data", () => {
    const entry = deflatedEntry("index.js", strToU8("exports.x=1"));
    assert.throws(() => unpackZip(craftZip([{ ...entry, crc: entry.crc ^ 1 }])), invalid);
  });

  test("a deflate stream cut short", () => {
    const entry = deflatedEntry("index.js", strToU8("exports.handler = async () => 'a fairly long line of text';".repeat(20)));
    assert.throws(() => unpackZip(craftZip([{ ...entry, data: entry.data.subarray(0, entry.data.length - 8) }])), invalid);
  });

  test("a compression method other than stored or deflated", () => {
    const entry = storedEntry("index.js", strToU8("x"));
    assert.throws(() => unpackZip(craftZip([{ ...entry, method: 12 }])), invalid);
  });
});
