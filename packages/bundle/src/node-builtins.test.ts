import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { gunzipSync, inflateRawSync } from "node:zlib";

import { strToU8, zipSync } from "fflate";

import { buildBundle, type BuildResult, type BuildSuccess } from "./build.ts";
import { resolveExport } from "./export-path.ts";
import { unpackZip } from "./zip.ts";

// The bundles run in this Node process: these tests check resolution and the polyfills' results;
// services/executor/test/lambda-compat-builtins.test.ts runs the same kind of handlers in isolates.

async function bundle(sources: Record<string, string>, handler = "index.handler"): Promise<BuildResult> {
  const zip = zipSync(Object.fromEntries(Object.entries(sources).map(([path, text]) => [path, strToU8(text)])));
  return buildBundle({ files: unpackZip(zip), handler });
}

function assertOk(result: BuildResult): asserts result is BuildSuccess {
  assert.ok(result.ok, `expected a bundle, got ${JSON.stringify(result)}`);
}

async function invoke(sources: Record<string, string>, handler = "index.handler", event: unknown = {}): Promise<unknown> {
  const result = await bundle(sources, handler);
  assertOk(result);
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-builtins-test-"));
  try {
    const file = join(dir, "bundle.mjs");
    await writeFile(file, result.code);
    const { userModule } = (await import(pathToFileURL(file).href)) as { userModule: unknown };
    const fn = resolveExport(userModule, result.exportPath);
    assert.equal(typeof fn, "function");
    return await (fn as (event: unknown) => unknown)(event);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("buildBundle: Node.js built-ins available in isolates are bundled", () => {
  test("ESM import { Buffer } from 'node:buffer', and the global Buffer", async () => {
    const sources = {
      "index.mjs": "import { Buffer as B } from 'node:buffer';\nexport const handler = () => [B.from('héllo').toString('base64'), Buffer.from('aGk=', 'base64').toString(), Buffer === B];",
    };
    assert.deepEqual(await invoke(sources), ["aMOpbGxv", "hi", true]);
  });

  test("Buffer speaks base64url as Node does (from, toString, byteLength, write, isEncoding)", async () => {
    const sources = {
      "index.js": [
        "exports.handler = () => {",
        "  const bytes = Buffer.from([251, 255, 191, 0, 62]);",
        "  const out = Buffer.alloc(5);",
        "  out.write('-_-_', 'base64url');",
        "  return [bytes.toString('base64url'), Array.from(Buffer.from('-_-_AD4', 'base64url')), Buffer.byteLength('-_-_AD4', 'base64url'), Array.from(out), Buffer.isEncoding('base64url'), Buffer.from('hi').toString('base64')];",
        "};",
      ].join("\n"),
    };
    const bytes = Buffer.from([251, 255, 191, 0, 62]);
    const out = Buffer.alloc(5);
    out.write("-_-_", "base64url");
    assert.deepEqual(await invoke(sources), [
      bytes.toString("base64url"), Array.from(Buffer.from("-_-_AD4", "base64url")), Buffer.byteLength("-_-_AD4", "base64url"), Array.from(out), true, "aGk=",
    ]);
  });

  test("global.Buffer and globalThis.Buffer read node:buffer's; a polyfilling assignment still builds", async () => {
    const sources = {
      "index.js": [
        "globalThis.Buffer = globalThis.Buffer || require('buffer').Buffer;",
        "const { Buffer: B } = require('node:buffer');",
        "exports.handler = () => [global.Buffer === B, globalThis.Buffer === B, typeof globalThis.Buffer.from];",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), [true, true, "function"]);
  });

  test("CJS require('node:events') and bare 'events' are one module, and win over node_modules/events", async () => {
    const sources = {
      "index.js": [
        "const EventEmitter = require('node:events');",
        "const { once } = require('events');",
        "exports.handler = async () => {",
        "  const e = new EventEmitter(); const seen = [];",
        "  e.on('x', (v) => seen.push(v)); e.emit('x', 1);",
        "  setTimeout(() => e.emit('y', 2), 1);",
        "  const [y] = await once(e, 'y');",
        "  return [seen, y, EventEmitter === require('events'), EventEmitter.EventEmitter === EventEmitter];",
        "};",
      ].join("\n"),
      "node_modules/events/index.js": "module.exports = 'the package, not the built-in';",
    };
    assert.deepEqual(await invoke(sources), [[1], 2, true, true]);
  });

  test("util.inspect and util.format print as Node's do (Map, Set, Symbol, BigInt, classes, %o %i %f)", async () => {
    const sources = {
      "index.js": [
        "const { inspect, format } = require('node:util');",
        "exports.handler = () => [new Map([[1, { a: [1, 2] }]]), new Set(['x']), Symbol('s'), 10n, new (class Foo { x = 1 })(), [1, , 3], Object.create(null)].map((v) => inspect(v))",
        "  .concat([format('%o|%i|%f|%s|%d', { a: 1 }, '42.5', '1.5', 5n, '7'), inspect('x'.repeat(3), { colors: true }),",
        "    inspect({ [inspect.custom]: () => 'custom' }), (inspect.defaultOptions.depth = 0, inspect({ a: { b: 1 } }))]);",
      ].join("\n"),
    };
    const expected = ["Map(1) { 1 => { a: [ 1, 2 ] } }", "Set(1) { 'x' }", "Symbol(s)", "10n", "Foo { x: 1 }", "[ 1, <1 empty item>, 3 ]", "[Object: null prototype] {}", "{ a: 1 }|42|1.5|5n|7", "\u001b[32m'xxx'\u001b[39m", "custom", "{ a: [Object] }"];
    assert.deepEqual(await invoke(sources), expected);
  });

  test("util: format, inspect, promisify, types, deprecate, inherits, TextEncoder", async () => {
    const sources = {
      "index.mjs": [
        "import util, { format, inspect, promisify, types } from 'util';",
        "const sleep = promisify((ms, cb) => setTimeout(() => cb(null, ms), ms));",
        "function A() {} function B() {} util.inherits(B, A);",
        "export const handler = async () => [",
        "  format('%s=%d', 'a', 1), inspect({ a: [1, { b: 2 }] }), await sleep(1), types.isPromise(Promise.resolve()),",
        "  typeof util.deprecate(() => 1, 'old'), new B() instanceof A, new util.TextEncoder().encode('é').length,",
        "];",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), ["a=1", "{ a: [ 1, { b: 2 } ] }", 1, true, "function", true, 2]);
  });

  test("path, querystring, string_decoder, url (posix, Node's texts)", async () => {
    const sources = {
      "index.js": [
        "const path = require('path'); const qs = require('node:querystring');",
        "const { StringDecoder } = require('string_decoder'); const url = require('node:url');",
        "exports.handler = () => {",
        "  const d = new StringDecoder('utf8'); const bytes = Buffer.from('€');",
        "  const text = d.write(bytes.subarray(0, 1)) + d.write(bytes.subarray(1)) + d.end();",
        "  let scheme; try { url.fileURLToPath('http://x/'); } catch (e) { scheme = [e.code, e.message]; }",
        "  return [path.join('/a', 'b', '../c'), path.resolve('x'), path.posix === path, qs.stringify({ a: [1, 2], b: 'x y' }), qs.parse('a=1&a=2&b=x%20y'),",
        "    text, url.fileURLToPath('file:///var/task/a%20b.js'), url.pathToFileURL('/tmp/a b#c').href, scheme,",
        "    url.parse('http://u@h:8/p?q=1', true).query.q, url.URL === URL,",
        "    url.format(new URL('http://u:p@h/p?q#f'), { auth: false, fragment: false }), url.format({ protocol: 'https', host: 'h', pathname: '/x', query: { a: 1 } })];",
        "};",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), [
      "/a/c", join(process.cwd(), "x"), true, "a=1&a=2&b=x%20y", Object.assign(Object.create(null), { a: ["1", "2"], b: "x y" }),
      "€", "/var/task/a b.js", "file:///tmp/a%20b%23c", ["ERR_INVALID_URL_SCHEME", "The URL must be of scheme file"],
      "1", true, "http://h/p?q", "https://h/x?a=1",
    ]);
  });

  test("assert.deepStrictEqual throws an AssertionError with Node's message shape; assert/strict", async () => {
    const sources = {
      "index.mjs": [
        "import assert from 'node:assert'; import strict from 'assert/strict';",
        "export const handler = () => {",
        "  try { assert.deepStrictEqual({ a: 1 }, { a: 2 }); } catch (e) {",
        "    return [e.name, e.code, e.message.split('\\n')[0], e instanceof assert.AssertionError, strict.equal === assert.strictEqual];",
        "  }",
        "};",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), ["AssertionError", "ERR_ASSERTION", "Expected values to be strictly deep-equal:", true, true]);
  });

  test("stream.Readable.from through a Transform with stream/promises.pipeline", async () => {
    const sources = {
      "index.mjs": [
        "import { Readable, Transform, Writable } from 'node:stream';",
        "import { pipeline } from 'stream/promises';",
        "export const handler = async () => {",
        "  const out = [];",
        "  const upper = new Transform({ objectMode: true, transform(chunk, _, done) { done(null, String(chunk).toUpperCase()); } });",
        "  await pipeline(Readable.from(['a', 'b', 'c']), upper, new Writable({ objectMode: true, write(chunk, _, done) { out.push(chunk); done(); } }));",
        "  return out;",
        "};",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), ["A", "B", "C"]);
  });

  test("timers and timers/promises, and dynamic import() of node:x and bare x", async () => {
    const sources = {
      "index.mjs": [
        "export const handler = async () => {",
        "  const { setTimeout: sleep } = await import('node:timers/promises');",
        "  const timers = await import('timers');",
        "  const aborted = await sleep(1000, 'x', { signal: AbortSignal.abort() }).catch((e) => [e.name, e.code]);",
        "  return [await sleep(1, 'done'), typeof timers.setImmediate, timers.promises.setTimeout === sleep, aborted];",
        "};",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), ["done", "function", true, ["AbortError", "ABORT_ERR"]]);
  });

  test("crypto: bundled by import and require; its randomness is the isolate's crypto global; hashes need the isolate's host", async () => {
    const sources = {
      "index.js": [
        "const crypto = require('node:crypto');",
        "const { randomBytes, createHash } = require('crypto');",
        "exports.handler = () => {",
        "  let hashError;",
        "  try { createHash('sha256'); } catch (e) { hashError = e.message; }",
        "  return [crypto.randomBytes === randomBytes, randomBytes(8).length, crypto.randomUUID().length, crypto.webcrypto === globalThis.crypto, hashError];",
        "};",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), [true, 8, 36, true, "node:crypto in fnmesh computes on the host of an fnmesh isolate, and this code runs outside one"]);
  });

  test("zlib: the deflate family runs in the bundle (Node's zlib reads its output); brotli needs the isolate's host", async () => {
    const sources = {
      "index.mjs": [
        "import zlib from 'node:zlib';",
        "import { gunzipSync } from 'zlib';",
        "export const handler = () => {",
        "  let brotliError;",
        "  try { zlib.brotliCompressSync('x'); } catch (e) { brotliError = e.message; }",
        "  const text = 'abc'.repeat(5000);",
        "  return [zlib.gzipSync(text).toString('base64'), zlib.deflateRawSync(text).toString('base64'), gunzipSync(zlib.gzipSync(text)).toString() === text, brotliError];",
        "};",
      ].join("\n"),
    };
    const [gzip, raw, roundTrip, brotliError] = (await invoke(sources)) as [string, string, boolean, string];
    assert.equal(gunzipSync(Buffer.from(gzip, "base64")).toString(), "abc".repeat(5000));
    assert.equal(inflateRawSync(Buffer.from(raw, "base64")).toString(), "abc".repeat(5000));
    assert.equal(roundTrip, true);
    assert.equal(brotliError, "node:zlib's brotli in fnmesh runs on the host of an fnmesh isolate, and this code runs outside one");
  });

  test("os answers Lambda's constants; process and node:process are the global process; async_hooks bundles", async () => {
    const sources = {
      "index.js": [
        "const os = require('node:os');",
        "const nodeProcess = require('process');",
        "const { AsyncLocalStorage } = require('async_hooks');",
        "exports.handler = () => [os.platform(), os.EOL, os.tmpdir(), os.arch(), os.cpus().length, nodeProcess === process, typeof AsyncLocalStorage];",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources), ["linux", "\n", "/tmp", "x64", 2, true, "function"]);
  });

  test("fs: the package's files at /var/task (own files, node_modules data, not its code); /tmp in memory, never the host's", async () => {
    const marker = `fnmesh-fs-test-${process.pid}-${Date.now()}`;
    const sources = {
      "index.js": [
        "const fs = require('node:fs');",
        "exports.handler = async () => {",
        `  fs.writeFileSync('/tmp/${marker}', 'in the isolate');`,
        "  return [fs.readFileSync('/var/task/data/a.json', 'utf8'), fs.readFileSync('node_modules/dep/package.json', 'utf8'), fs.existsSync('node_modules/dep/index.js'),",
        `    await require('fs/promises').readFile('/tmp/${marker}', 'utf8'), fs.readdirSync('/var/task').sort()];`,
        "};",
      ].join("\n"),
      "data/a.json": '{"a":1}',
      "node_modules/dep/package.json": '{"name":"dep"}',
      "node_modules/dep/index.js": "module.exports = 1;",
    };
    assert.deepEqual(await invoke(sources), ['{"a":1}', '{"name":"dep"}', false, "in the isolate", ["data", "index.js", "node_modules"]]);
    assert.equal(existsSync(join(tmpdir(), marker)), false);
    assert.equal(existsSync(join("/tmp", marker)), false);
  });

  test("http and https: Node's client API over fetch (here Node's own fetch) against a local server", async () => {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk));
      req.on("end", () => res.writeHead(200, { "x-got": `${req.method} ${req.url} ${body}` }).end("pong"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const sources = {
        "index.mjs": [
          "import http from 'node:http';",
          "import https from 'https';",
          "export const handler = (event) => new Promise((resolve, reject) => {",
          "  const req = http.request({ host: '127.0.0.1', port: event.port, path: '/ping', method: 'PUT' }, (res) => {",
          "    let text = ''; res.setEncoding('utf8'); res.on('data', (d) => (text += d));",
          "    res.on('end', () => resolve([res.statusCode, res.headers['x-got'], text, https.globalAgent.defaultPort]));",
          "  });",
          "  req.on('error', reject); req.end('body');",
          "});",
        ].join("\n"),
      };
      assert.deepEqual(await invoke(sources, "index.handler", { port }), [200, "PUT /ping body", "pong", 443]);
    } finally {
      server.close();
    }
  });

  test("a handler using no built-in carries none; one naming Buffer carries only buffer", async () => {
    const none = await bundle({ "index.mjs": "export const handler = () => 1;" });
    const buffer = await bundle({ "index.js": "exports.handler = () => Buffer.byteLength('x');" });
    assertOk(none);
    assertOk(buffer);
    assert.doesNotMatch(none.code, /fnmesh-node-builtin:node:/);
    assert.match(buffer.code, /fnmesh-node-builtin:node:buffer/);
    assert.doesNotMatch(buffer.code, /fnmesh-node-builtin:node:(events|util|stream)/);
  });

  test("the same package gives the same bundle", async () => {
    const sources = { "index.js": "const util = require('util'); exports.handler = () => util.format('%j', Buffer.from('a'));" };
    const [first, second] = [await bundle(sources), await bundle(sources)];
    assertOk(first);
    assertOk(second);
    assert.equal(first.sha256, second.sha256);
  });

  test("size of a handler importing buffer + events + util (printed)", async (t) => {
    const base = await bundle({ "index.mjs": "export const handler = () => 1;" });
    const withBuiltins = await bundle({
      "index.mjs": "import { Buffer } from 'node:buffer';\nimport { EventEmitter } from 'node:events';\nimport util from 'node:util';\nexport const handler = () => [Buffer, EventEmitter, util];",
    });
    assertOk(base);
    assertOk(withBuiltins);
    t.diagnostic(`bundle bytes: no built-ins ${base.code.length}, buffer+events+util ${withBuiltins.code.length}`);
    assert.ok(withBuiltins.code.length > base.code.length);
  });
});

describe("buildBundle: built-ins isolates cannot have", () => {
  test("require('child_process') fails when called, naming the module and why", async () => {
    const sources = { "index.js": "exports.handler = () => { try { require('child_process'); } catch (e) { return [e.code, e.message]; } };" };
    assert.deepEqual(await invoke(sources), [
      "MODULE_NOT_FOUND",
      "Cannot find module 'child_process': fnmesh runs functions in V8 isolates, where child_process is not available",
    ]);
  });

  test("a static import of node:net stays an import for the executor's linker", async () => {
    const result = await bundle({ "index.mjs": "import { createServer } from 'node:net';\nexport const handler = () => createServer;" });
    assertOk(result);
    assert.match(result.code, /^import \{ createServer \} from "node:net";$/m);
  });
});
