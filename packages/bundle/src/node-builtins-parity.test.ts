/**
 * The built-in shims against Node itself: the bundled buffer, string_decoder, querystring, events,
 * url and path (loaded in this process, as node-builtins.test.ts does) are driven side by side with
 * this Node's own modules on the same inputs, many of them random bytes, and must agree. These
 * are the behaviours Node's own test/parallel files showed apart (docs/node-compat.md).
 */
import assert from "node:assert/strict";
import * as nodeBuffer from "node:buffer";
import NodeEventEmitter from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodePath from "node:path";
import * as nodeQs from "node:querystring";
import * as nodeUrl from "node:url";
import { StringDecoder as NodeStringDecoder } from "node:string_decoder";
import { before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";

import { strToU8, zipSync } from "fflate";

import { buildBundle } from "./build.ts";
import { resolveExport } from "./export-path.ts";
import { unpackZip } from "./zip.ts";

/** Node's StringDecoder with the state fields its @types leave out. */
interface Decoder {
  write(buf: Buffer | string): string;
  end(buf?: Buffer): string;
  encoding: string;
  lastNeed: number;
  lastTotal: number;
}
type DecoderClass = new (encoding?: string) => Decoder;
const NodeDecoder = NodeStringDecoder as unknown as DecoderClass;

interface Shims {
  buffer: typeof nodeBuffer;
  StringDecoder: DecoderClass;
  qs: typeof nodeQs;
  EventEmitter: typeof NodeEventEmitter;
  url: typeof nodeUrl;
  path: typeof nodePath;
}

let shims: Shims;
before(async () => {
  const source = "exports.handler = () => ({ buffer: require('buffer'), StringDecoder: require('string_decoder').StringDecoder, qs: require('querystring'), EventEmitter: require('events'), url: require('url'), path: require('path') });";
  const built = await buildBundle({ files: unpackZip(zipSync({ "index.js": strToU8(source) })), handler: "index.handler" });
  assert.ok(built.ok, JSON.stringify(built));
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-parity-test-"));
  try {
    const file = join(dir, "bundle.mjs");
    await writeFile(file, built.code);
    const { userModule } = (await import(pathToFileURL(file).href)) as { userModule: unknown };
    shims = (resolveExport(userModule, built.exportPath) as () => Shims)();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Deterministic bytes (xorshift32), weighted towards UTF-8 lead and continuation bytes. */
function randomBytes(seed: number, length: number): Uint8Array {
  let x = seed || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const pick = x % 4;
    out[i] = pick === 0 ? x % 0x80 : pick === 1 ? 0x80 + (x % 0x40) : pick === 2 ? 0xc0 + (x % 0x38) : (x >>> 8) & 0xff;
  }
  return out;
}

/** Errors compared by what Node's tests check: name, code and message. */
function thrown(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (error) {
    const e = error as { name?: unknown; code?: unknown; message?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
}

describe("built-in shims agree with Node", () => {
  test("StringDecoder: every encoding, random bytes in random chunks, lastNeed/lastTotal after each write", () => {
    for (const encoding of ["utf8", "utf16le", "base64", "base64url", "hex", "latin1"] as const) {
      for (let seed = 1; seed <= 60; seed++) {
        const bytes = randomBytes(seed * 7919, 40);
        const ours = new shims.StringDecoder(encoding);
        const node = new NodeDecoder(encoding);
        let at = 0;
        const seen: unknown[] = [];
        const expected: unknown[] = [];
        while (at < bytes.length) {
          const size = 1 + ((seed * (at + 3)) % 5);
          const chunk = Buffer.from(bytes.subarray(at, at + size));
          at += size;
          seen.push([ours.write(chunk), ours.lastNeed, ours.lastTotal]);
          expected.push([node.write(chunk), node.lastNeed, node.lastTotal]);
        }
        seen.push(ours.end());
        expected.push(node.end());
        assert.deepEqual(seen, expected, `${encoding}, seed ${seed}`);
      }
    }
    const shapes = [() => new shims.StringDecoder("nope"), () => new shims.StringDecoder("utf8").write(null as unknown as Buffer)];
    const nodeShapes = [() => new NodeDecoder("nope"), () => new NodeDecoder("utf8").write(null as unknown as Buffer)];
    assert.deepEqual(shapes.map(thrown), nodeShapes.map(thrown));
    assert.deepEqual(["UTF-8", "ucs2", "binary", undefined].map((e) => new shims.StringDecoder(e).encoding), ["utf8", "utf16le", "latin1", "utf8"]);
  });

  test("Buffer: UTF-8 text of bad bytes, BOM kept, isUtf8/isAscii, equals(Uint8Array), kStringMaxLength", () => {
    const { Buffer: OurBuffer, isUtf8, isAscii, kStringMaxLength } = shims.buffer;
    for (let seed = 1; seed <= 200; seed++) {
      const bytes = randomBytes(seed, 1 + (seed % 24));
      assert.equal(OurBuffer.from(bytes).toString(), Buffer.from(bytes).toString(), `seed ${seed}`);
      assert.equal(OurBuffer.from(bytes).toString("utf-8", 1, 7), Buffer.from(bytes).toString("utf-8", 1, 7), `seed ${seed}`);
      assert.equal(isUtf8(bytes), nodeBuffer.isUtf8(bytes), `isUtf8 seed ${seed}`);
      assert.equal(isAscii(bytes), nodeBuffer.isAscii(bytes), `isAscii seed ${seed}`);
    }
    assert.equal(OurBuffer.from([0xef, 0xbb, 0xbf, 0x41]).toString(), "\ufeffA");
    assert.equal(isAscii(new TextEncoder().encode("plain").buffer), true);
    assert.equal(OurBuffer.from("ab").equals(new Uint8Array([97, 98])), true);
    assert.deepEqual(thrown(() => OurBuffer.alloc(1).equals("abc" as unknown as Uint8Array)), thrown(() => Buffer.alloc(1).equals("abc" as unknown as Uint8Array)));
    assert.equal(kStringMaxLength, nodeBuffer.kStringMaxLength);
  });

  test("Buffer: indexOf/lastIndexOf/includes of an empty needle or a Uint8Array, NaN written as Node writes it", () => {
    // A plain Uint8Array, which Node's typings do not admit as a needle.
    const bytes = (values: number[]) => new Uint8Array(values) as unknown as Buffer;
    const offsets = [undefined, 0, 3, 6, 9, -1, -3, -9, NaN, null, {}, 2.5, Infinity, -Infinity, "utf8"];
    const searches = (B: typeof Buffer) => {
      const b = B.from("abcdef");
      const rows = offsets.map((at) => {
        const offset = at as number;
        return [b.indexOf("", offset), b.lastIndexOf("", offset), b.includes("", offset), b.indexOf(B.alloc(0), offset), b.lastIndexOf(bytes([]), offset)];
      });
      return [rows, b.indexOf(bytes([99, 100])), b.lastIndexOf(bytes([101])), b.includes(bytes([101, 102])), B.alloc(0).indexOf("")];
    };
    assert.deepEqual(searches(shims.buffer.Buffer as unknown as typeof Buffer), searches(Buffer));
    const writes = (B: typeof Buffer) => {
      const b = B.alloc(24);
      b.writeFloatLE(NaN, 0); b.writeFloatBE(NaN, 4); b.writeDoubleLE(NaN, 8); b.writeDoubleBE(-NaN, 16);
      return [b.toString("hex"), b.writeDoubleLE(1.5, 0), b.writeFloatBE(Infinity, 4)];
    };
    assert.deepEqual(writes(shims.buffer.Buffer as unknown as typeof Buffer), writes(Buffer));
  });

  test("querystring: parse (null prototype, any separators, + and bad escapes), escape, unescape", () => {
    const inputs = ["", "=", "&&a=1", "a", "a=", "=1", "a=1&a=2&a=3", "+a+=+b+", "%zz=%41", "a=%E0%A4%A", "__proto__=1&constructor=2", "a=1;b=2", "x=%F0%9F%98%80&y"];
    for (const input of inputs) {
      const ours = shims.qs.parse(input);
      assert.equal(Object.getPrototypeOf(ours), null);
      assert.deepEqual(Object.entries(ours), Object.entries(nodeQs.parse(input)), input);
    }
    assert.deepEqual(Object.entries(shims.qs.parse("a::1##b::2##c::3", "##", "::", { maxKeys: 2 })), Object.entries(nodeQs.parse("a::1##b::2##c::3", "##", "::", { maxKeys: 2 })));
    for (const text of ["!'()*~-._", "a b&c=d/é", "\ud83d\ude00", "\ud801test", "\udc00x", 5, { toString: () => "t" }]) {
      assert.equal(shims.qs.escape(text as string), nodeQs.escape(text as string), String(text));
    }
    assert.deepEqual(thrown(() => shims.qs.escape("\ud800")), thrown(() => nodeQs.escape("\ud800")));
    for (const text of ["%41%zz", "%E0%A4%A", "a+b%20c", "%"]) assert.equal(shims.qs.unescape(text), nodeQs.unescape(text), text);
  });

  test("EventEmitter: errorMonitor, unhandled non-Error errors, argument errors, listenerCount(type, fn), symbol events", () => {
    const { EventEmitter } = shims;
    for (const Emitter of [EventEmitter, NodeEventEmitter]) assert.equal(typeof Emitter.errorMonitor, "symbol");
    const monitored: unknown[] = [];
    const ours = new EventEmitter();
    ours.on(EventEmitter.errorMonitor, (e) => monitored.push(e));
    const error = new Error("boom");
    assert.throws(() => ours.emit("error", error), error);
    assert.deepEqual(monitored, [error]);
    const cases: [string, (E: typeof NodeEventEmitter) => unknown][] = [
      ["unhandled string", (E) => new E().emit("error", "Accepts a string")],
      ["unhandled object", (E) => new E().emit("error", { message: "Error!" })],
      ["unhandled undefined", (E) => new E().emit("error")],
      ["null listener", (E) => new E().on("x", null as unknown as () => void)],
      ["negative max", (E) => new E().setMaxListeners(-1)],
      ["string max", (E) => new E().setMaxListeners("1" as unknown as number)],
    ];
    for (const [name, run] of cases) assert.deepEqual(thrown(() => run(EventEmitter)), thrown(() => run(NodeEventEmitter)), name);

    const results = [EventEmitter, NodeEventEmitter].map((E) => {
      const ee = new E();
      const fn = () => undefined;
      ee.on("a", fn);
      ee.once("a", fn);
      ee.on("a", () => undefined);
      const removed: unknown[] = [];
      const symbol = Symbol("s");
      ee.on(symbol, fn);
      ee.on("removeListener", (name) => removed.push(name));
      ee.removeAllListeners();
      const target = new EventTarget();
      E.setMaxListeners(7, target);
      return [E.getMaxListeners(target), E.getMaxListeners(new AbortController().signal), E.getMaxListeners(new E()), ee.listenerCount("a"), removed.map(String).sort()];
    });
    assert.deepEqual(results[0], results[1]);
    const counted = new EventEmitter();
    const fn = () => undefined;
    counted.on("a", fn);
    counted.once("a", fn);
    counted.on("a", () => undefined);
    assert.deepEqual([counted.listenerCount("a", fn), counted.listenerCount("a")], [2, 3]);
    assert.deepEqual(EventEmitter.getEventListeners(counted, "a").length, 3);
  });

  test("url: parse(…, true) gives Node's null-prototype query and null search; urlToHttpOptions", () => {
    const parsed = (u: typeof nodeUrl) => ["http://example.com", "http://a/?", "/x?a=1&a=2", "http://a/b#c", "//h/p?q=1"].map((input) => {
      const r = u.parse(input, true);
      return [r.search, r.path, r.href, r.pathname, Object.getPrototypeOf(r.query), Object.entries(r.query)];
    });
    assert.deepEqual(parsed(shims.url), parsed(nodeUrl));
    const options = (u: typeof nodeUrl) => [
      new URL("http://user:p%40ss@foo.bar.com:21/aaa/zzz?l=24#test"), new URL("http://[::1]/"), Object.assign(new URL("https://h/x"), { extra: 1 }), { ...new URL("http://h:8/") },
    ].map((value) => {
      const o = u.urlToHttpOptions(value as URL);
      return [Object.getPrototypeOf(o), Object.entries(o)];
    });
    assert.deepEqual(options(shims.url), options(nodeUrl));
    const bad = (u: typeof nodeUrl) => [null, "http://127.0.0.1", 5].map((value) => thrown(() => u.urlToHttpOptions(value as unknown as URL)));
    assert.deepEqual(bad(shims.url), bad(nodeUrl));
  });

  test("path: toNamespacedPath gives back what it is given, as Node's POSIX path does", () => {
    const values = ["/a/../b", "rel", "", 5, null, undefined];
    for (const p of [shims.path, shims.path.posix]) {
      assert.deepEqual(values.map((v) => p.toNamespacedPath(v as string)), values.map((v) => nodePath.posix.toNamespacedPath(v as string)));
    }
  });
});
