import assert from "node:assert/strict";
import { test } from "node:test";
import { brotliCompressSync, constants } from "node:zlib";
import { maxBrotliInput, zlibHostCall } from "./node-zlib-host.ts";

test("brotli compresses and decompresses as node:zlib, with the parameters given", () => {
  const text = new Uint8Array(Buffer.from("hello brotli ".repeat(100)));
  const compressed = zlibHostCall("brotliCompress", text, { [constants.BROTLI_PARAM_QUALITY]: 4 }) as Uint8Array;
  assert.deepEqual(Buffer.from(compressed), brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }));
  assert.deepEqual(Buffer.from(zlibHostCall("brotliDecompress", new Uint8Array(brotliCompressSync(text)), undefined) as Uint8Array), Buffer.from(text));
});

test("one call is bounded: input by quality, output by maxOutputLength; errors are data", () => {
  const big = new Uint8Array(maxBrotliInput(11) + 1);
  const refused = zlibHostCall("brotliCompress", big, {}) as { error: { name: string; code: string } };
  assert.equal(refused.error.code, "ERR_FNMESH_HOST_WORK_LIMIT");
  assert.ok(zlibHostCall("brotliCompress", big, { [constants.BROTLI_PARAM_QUALITY]: 5 }) instanceof Uint8Array);
  const bomb = new Uint8Array(brotliCompressSync(new Uint8Array(1 << 20)));
  const capped = zlibHostCall("brotliDecompress", bomb, 1000) as { error: { code: string } };
  assert.equal(capped.error.code, "ERR_BUFFER_TOO_LARGE");
  assert.equal((zlibHostCall("brotliDecompress", new Uint8Array(Buffer.from("garbage!!")), undefined) as { error: { message: string } }).error.message, "Decompression failed");
  assert.equal(zlibHostCall("brotliCompress", "not bytes", {}), null);
  assert.equal(zlibHostCall("brotliCompress", big, { quality: 5 }), null);
});
