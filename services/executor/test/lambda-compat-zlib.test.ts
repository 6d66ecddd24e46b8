/**
 * Lambda compatibility: node:zlib inside isolates (issue 17). What the isolate compresses, this
 * test decompresses with the host's own node:zlib, and what Node compressed the isolate
 * decompresses — every format (gzip, deflate, deflateRaw, brotli) and every form (sync, callback,
 * promisified, stream); plus Node's error texts and codes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  // Brotli at Node's default quality (11) compresses ~0.5-1 MB/s on the host's main thread: the
  // round trips below need more than the default 250 ms of host work (the limit has its own test).
  h = await startExecutorHarness({ FNMESH_HOST_WORK_BURST_MS: "10000" });
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

// Text with repeats and some entropy, past one 32 KiB window and one stream chunk.
const TEXT = Array.from({ length: 3000 }, (_, i) => `line ${i} ${(i * 7919) % 1009} é€ ${"abc".repeat(i % 7)}`).join("\n");
const FORMATS = [
  { name: "gzip", compress: zlib.gzipSync, decompress: zlib.gunzipSync },
  { name: "deflate", compress: zlib.deflateSync, decompress: zlib.inflateSync },
  { name: "deflateRaw", compress: zlib.deflateRawSync, decompress: zlib.inflateRawSync },
  { name: "brotliCompress", compress: zlib.brotliCompressSync, decompress: zlib.brotliDecompressSync },
] as const;
const DECOMPRESS: Record<string, string> = { gzip: "gunzip", deflate: "inflate", deflateRaw: "inflateRaw", brotliCompress: "brotliDecompress" };
const STREAMS: Record<string, [string, string]> = {
  gzip: ["createGzip", "createGunzip"], deflate: ["createDeflate", "createInflate"], deflateRaw: ["createDeflateRaw", "createInflateRaw"], brotliCompress: ["createBrotliCompress", "createBrotliDecompress"],
};

describe("Lambda compatibility: node:zlib in the isolate round-trips with Node's", () => {
  test("sync, callback, promisified and stream compression: Node's zlib decompresses each; the isolate decompresses Node's", async () => {
    const fromNode = Object.fromEntries(FORMATS.map((f) => [f.name, f.compress(Buffer.from(TEXT)).toString("base64")]));
    const fn = await deployFunction(h, `import zlib from "node:zlib";
import { promisify } from "node:util";
import { pipeline } from "node:stream/promises";
import { Readable, Writable } from "node:stream";
const TEXT = ${JSON.stringify(TEXT)};
const FROM_NODE = ${JSON.stringify(fromNode)};
const DECOMPRESS = ${JSON.stringify(DECOMPRESS)};
const STREAMS = ${JSON.stringify(STREAMS)};
async function viaStream(make, input) {
  const out = [];
  // Input in uneven pieces, as a response body arrives.
  const pieces = [input.subarray(0, 1), input.subarray(1, 5000), input.subarray(5000)];
  await pipeline(Readable.from(pieces), make(), new Writable({ write(chunk, _encoding, done) { out.push(chunk); done(); } }));
  return Buffer.concat(out);
}
export const handler = async () => {
  const result = {};
  for (const name of Object.keys(DECOMPRESS)) {
    const [createCompress, createDecompress] = STREAMS[name];
    result[name] = {
      sync: zlib[name + "Sync"](TEXT).toString("base64"),
      callback: (await new Promise((resolve, reject) => zlib[name](Buffer.from(TEXT), (err, out) => (err ? reject(err) : resolve(out))))).toString("base64"),
      promisified: (await promisify(zlib[name])(TEXT)).toString("base64"),
      stream: (await viaStream(() => zlib[createCompress](), Buffer.from(TEXT))).toString("base64"),
      fromNode: [
        zlib[DECOMPRESS[name] + "Sync"](Buffer.from(FROM_NODE[name], "base64")).toString() === TEXT,
        (await promisify(zlib[DECOMPRESS[name]])(Buffer.from(FROM_NODE[name], "base64"))).toString() === TEXT,
        (await viaStream(() => zlib[createDecompress](), Buffer.from(FROM_NODE[name], "base64"))).toString() === TEXT,
      ],
    };
  }
  result.unzip = [zlib.unzipSync(Buffer.from(FROM_NODE.gzip, "base64")).toString() === TEXT, zlib.unzipSync(Buffer.from(FROM_NODE.deflate, "base64")).toString() === TEXT];
  return result;
};`);
    const result = okResult(await h.invoke(fn)) as Record<string, { sync: string; callback: string; promisified: string; stream: string; fromNode: boolean[] }> & { unzip: boolean[] };
    for (const format of FORMATS) {
      const forms = result[format.name];
      assert.ok(forms !== undefined, format.name);
      for (const form of ["sync", "callback", "promisified", "stream"] as const) {
        const compressed: Buffer = Buffer.from(forms[form], "base64");
        assert.ok(compressed.length < TEXT.length / 2, `${format.name} ${form} compresses`);
        assert.equal(format.decompress(compressed).toString(), TEXT, `${format.name} ${form} decompresses with Node's zlib`);
      }
      assert.deepEqual(forms.fromNode, [true, true, true], `${format.name}: the isolate decompresses Node's output (sync, promisified, stream)`);
    }
    assert.deepEqual(result.unzip, [true, true]);
  });

  test("options (level, dictionary, finishFlush), Node's gzip header, crc32, constants", async () => {
    const dictionary = Buffer.from("line é€ abcabcabc");
    const truncated = zlib.gzipSync(Buffer.from(TEXT)).subarray(0, 2000).toString("base64");
    const fn = await deployFunction(h, { "index.js": `const zlib = require("zlib");
const TEXT = ${JSON.stringify(TEXT)};
exports.handler = async () => {
  const dictionary = Buffer.from(${JSON.stringify(dictionary.toString())});
  const gz = zlib.gzipSync(TEXT, { level: 1 });
  const partial = zlib.gunzipSync(Buffer.from(${JSON.stringify(truncated)}, "base64"), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
  return {
    stored: zlib.deflateRawSync("abc", { level: 0 }).toString("base64"),
    best: zlib.deflateSync(TEXT, { level: zlib.constants.Z_BEST_COMPRESSION }).toString("base64"),
    withDictionary: zlib.deflateSync(TEXT, { dictionary }).toString("base64"),
    gzipHeader: Array.from(gz.subarray(0, 10)).map((b, i) => (i === 8 ? "xfl" : b)),
    partial: [partial.length > 100, TEXT.startsWith(partial)],
    crc32: [zlib.crc32("hello"), zlib.crc32(Buffer.from("world"), zlib.crc32("hello "))],
    constants: [zlib.constants.Z_BEST_COMPRESSION, zlib.constants.BROTLI_PARAM_QUALITY, zlib.Z_SYNC_FLUSH, zlib.codes.Z_DATA_ERROR, zlib.codes["-3"]],
  };
};` });
    const result = okResult(await h.invoke(fn)) as Record<string, unknown>;
    assert.equal(zlib.inflateRawSync(Buffer.from(result.stored as string, "base64")).toString(), "abc");
    assert.equal(zlib.inflateSync(Buffer.from(result.best as string, "base64")).toString(), TEXT);
    assert.equal(zlib.inflateSync(Buffer.from(result.withDictionary as string, "base64"), { dictionary }).toString(), TEXT);
    // Node's gzip header: magic, deflate, no flags, mtime 0, OS 3 (Unix); XFL depends on the level.
    assert.deepEqual(result.gzipHeader, [31, 139, 8, 0, 0, 0, 0, 0, "xfl", 3]);
    assert.deepEqual(result.partial, [true, true]);
    assert.deepEqual(result.crc32, [zlib.crc32("hello"), zlib.crc32("hello world")]);
    assert.deepEqual(result.constants, [9, zlib.constants.BROTLI_PARAM_QUALITY, 2, -3, "Z_DATA_ERROR"]);
  });

  test("Node's errors: bad header, truncated input, bad brotli data, a bad level, a stream's 'error' event, brotli too heavy for one host call", async () => {
    const gz = zlib.gzipSync(Buffer.from(TEXT)).subarray(0, 500).toString("base64");
    const fn = await deployFunction(h, `import zlib from "node:zlib";
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return [e.name, e.code ?? null, e.errno ?? null, e.message]; } };
export const handler = async () => [
  attempt(() => zlib.gunzipSync(Buffer.from("garbage!!"))),
  attempt(() => zlib.inflateSync(Buffer.from("garbage!!"))),
  attempt(() => zlib.gunzipSync(Buffer.from(${JSON.stringify(gz)}, "base64"))),
  attempt(() => zlib.brotliDecompressSync(Buffer.from("garbage!!"))),
  attempt(() => zlib.gzipSync("x", { level: 42 })),
  attempt(() => zlib.gzipSync(5)),
  await new Promise((resolve) => {
    const gunzip = zlib.createGunzip();
    gunzip.on("error", (e) => resolve(["error event", e.code, e.errno, e.message]));
    gunzip.end(Buffer.from("not gzip at all"));
  }),
  attempt(() => zlib.brotliCompressSync(Buffer.alloc(300 * 1024, 1))).slice(0, 2),
  zlib.brotliCompressSync(Buffer.alloc(300 * 1024, 1), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }).length < 1000,
];`);
    assert.deepEqual(okResult(await h.invoke(fn)), [
      ["Error", "Z_DATA_ERROR", -3, "incorrect header check"],
      ["Error", "Z_DATA_ERROR", -3, "incorrect header check"],
      ["Error", "Z_BUF_ERROR", -5, "unexpected end of file"],
      ["Error", "ERR__ERROR_FORMAT_PADDING_1", -14, "Decompression failed"],
      ["RangeError", "ERR_OUT_OF_RANGE", null, 'The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 42'],
      ["TypeError", "ERR_INVALID_ARG_TYPE", null, 'The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received type number (5)'],
      ["error event", "Z_DATA_ERROR", -3, "incorrect header check"],
      ["RangeError", "ERR_FNMESH_HOST_WORK_LIMIT"],
      true,
    ]);
  });
});
