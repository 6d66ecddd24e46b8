/**
 * The shared suite, web globals part one: URL, URLSearchParams, TextEncoder/TextDecoder, atob/btoa,
 * structuredClone, crypto, DOMException, Event/EventTarget, AbortController/AbortSignal. Expected
 * values come from the standards' vectors or from Node's own implementation on the host.
 * fetch and its classes are in web-fetch.case.ts.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { disposable, esmBundle, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";
import type { RuntimeFactory } from "./sandbox-runtime.case.ts";
import type { IsolateRuntimeOptions, SandboxRuntime } from "./types.ts";

/** Runs `body` as the body of an async handler `(event) => …` in a new function; returns its result. */
export async function runHandler(rt: SandboxRuntime, body: string, event: unknown = {}, overrides: Parameters<typeof testFunction>[1] = {}): Promise<unknown> {
  return ok(await invokeWith(rt, testFunction(esmBundle(`const handler = async (event, context) => {\n${body}\n};`), overrides), event));
}

/** Inputs for the form-urlencoded checks: edge cases plus seeded random strings. */
function queryInputs(): string[] {
  const alphabet = ["a", "b", "=", "&", "+", "%", "%2", "%20", "%zz", "%C3%A9", "%E2%82", "%F0%9F%98%80", "%41", "%ff", "%FE%FF", "é", "😀", "\uD800", " ", "?", "#", "*", "-", ".", "_", "~", "/", "\u0000", "%00"];
  const inputs = ["", "?", "??a=b&c=d", "a", "a=", "=b", "&&a=1&&", "a=1&a=2&b", "%", "%%", "a+b=c+d", "%EF%BB%BFx=1"];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 300; i++) {
    let s = "";
    for (let n = Math.floor(next() * 12); n > 0; n--) s += alphabet[Math.floor(next() * alphabet.length)];
    inputs.push(s);
  }
  return inputs;
}

/**
 * The URL Standard's application/x-www-form-urlencoded parser, written here as the test's oracle
 * on Node's Buffer and TextDecoder. Node's URLSearchParams cannot be the oracle for parsing: it
 * mis-decodes literal non-ASCII after a non-escape "%" when an escape follows (Node 24.21:
 * `new URLSearchParams("%2é%41")` gives "%2�A"; the standard "%2éA").
 */
function standardQueryParse(input: string): [string, string][] {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const decode = (text: string): string => {
    const bytes = Buffer.from(text.replace(/\+/g, " "), "utf8");
    const out: number[] = [];
    const hex = (b: number | undefined) => b !== undefined && /^[0-9A-Fa-f]$/.test(String.fromCharCode(b));
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x25 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
        out.push(parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16));
        i += 2;
      } else out.push(bytes[i]!);
    }
    return decoder.decode(new Uint8Array(out));
  };
  return input
    .split("&")
    .filter((sequence) => sequence !== "")
    .map((sequence) => {
      const eq = sequence.indexOf("=");
      return eq < 0 ? [decode(sequence), ""] : [decode(sequence.slice(0, eq)), decode(sequence.slice(eq + 1))];
    });
}

/** The standard's answers (WPT url/urlencoded-parser.any.js, and the decoder's maximal-subpart rule). */
const QUERY_VECTORS: [string, [string, string][]][] = [
  ["%FE%FF", [["\uFFFD\uFFFD", ""]]],
  ["%C2", [["\uFFFD", ""]]],
  ["%C2x", [["\uFFFDx", ""]]],
  ["%EF%BB%BFtest=%EF%BB%BF", [["\uFEFFtest", "\uFEFF"]]],
  ["%EF%BF%BF=%EF%BF%BF", [["\uFFFF", "\uFFFF"]]],
  ["†&†=x", [["†", ""], ["†", "x"]]],
  ["a==a", [["a", "=a"]]],
  ["%61+%4d%4D=", [["a MM", ""]]],
  ["b=%2%2af%2a", [["b", "%2*f*"]]],
  ["%E2%82é", [["\uFFFDé", ""]]],
];

export function describeWebGlobals(name: string, create: RuntimeFactory): void {
  const runtime = (options?: IsolateRuntimeOptions) => disposable(create, options);

  describe(`${name}: URL and URLSearchParams`, () => {
    test("parsing, components, base, canParse, parse, toJSON and errors", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const u = new URL("HTTPS://User:Pw@EXAMPLE.com:443/a/./b/../c?x=1&y=%20#frag");
        let error;
        try { new URL("not a url"); } catch (e) { error = [e instanceof TypeError, e.message, e.code, e.input]; }
        const fields = {};
        for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]) fields[k] = u[k];
        return {
          fields, error, json: JSON.stringify({ u }), string: String(u),
          relative: new URL("../d?q#h", "http://h.test/a/b/c").href,
          idn: new URL("http://münchen.de/").hostname, ipv4: new URL("http://0x7f.1/").host,
          canParse: [URL.canParse("http://x"), URL.canParse("nope"), URL.canParse("/p", "http://x")],
          parse: [URL.parse("http://x/y")?.pathname, URL.parse("::")],
          tag: Object.prototype.toString.call(u), isUrl: u instanceof URL,
        };`,
      )) as Record<string, unknown>;
      const expected = new URL("HTTPS://User:Pw@EXAMPLE.com:443/a/./b/../c?x=1&y=%20#frag");
      assert.deepEqual(value.fields, {
        href: expected.href, origin: expected.origin, protocol: expected.protocol, username: expected.username, password: expected.password,
        host: expected.host, hostname: expected.hostname, port: expected.port, pathname: expected.pathname, search: expected.search, hash: expected.hash,
      });
      assert.equal(expected.href, "https://User:Pw@example.com/a/c?x=1&y=%20#frag");
      assert.deepEqual(value.error, [true, "Invalid URL", "ERR_INVALID_URL", "not a url"]);
      assert.equal(value.json, JSON.stringify({ u: expected.href }));
      assert.equal(value.string, expected.href);
      assert.equal(value.relative, "http://h.test/a/d?q#h");
      assert.equal(value.idn, "xn--mnchen-3ya.de");
      assert.equal(value.ipv4, "127.0.0.1");
      assert.deepEqual(value.canParse, [true, false, true]);
      assert.deepEqual(value.parse, ["/y", null]);
      assert.equal(value.tag, "[object URL]");
      assert.equal(value.isUrl, true);
    });

    test("setters apply the standard's rules, and href rejects an invalid URL", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const u = new URL("http://example.com/path?q=1#h");
        const steps = [];
        u.protocol = "https"; steps.push(u.href);
        u.host = "other.test:8080"; steps.push(u.href);
        u.port = "443"; steps.push(u.href);
        u.port = "nope"; steps.push(u.href);
        u.hostname = "h.test"; steps.push(u.href);
        u.pathname = "/a b/ü"; steps.push(u.href);
        u.search = "x=1 2"; steps.push(u.href);
        u.hash = "frag ment"; steps.push(u.href);
        u.username = "us er"; u.password = "p@ss"; steps.push(u.href);
        u.protocol = "ftp:"; steps.push(u.href);
        let threw = false;
        try { u.href = "::invalid"; } catch (e) { threw = e instanceof TypeError; }
        steps.push(u.href);
        u.href = "http://fresh.test/"; steps.push(u.href);
        return { steps, threw };`,
      )) as { steps: string[]; threw: boolean };
      const u = new URL("http://example.com/path?q=1#h");
      const expected: string[] = [];
      u.protocol = "https"; expected.push(u.href);
      u.host = "other.test:8080"; expected.push(u.href);
      u.port = "443"; expected.push(u.href);
      u.port = "nope"; expected.push(u.href);
      u.hostname = "h.test"; expected.push(u.href);
      u.pathname = "/a b/ü"; expected.push(u.href);
      u.search = "x=1 2"; expected.push(u.href);
      u.hash = "frag ment"; expected.push(u.href);
      u.username = "us er"; u.password = "p@ss"; expected.push(u.href);
      u.protocol = "ftp:"; expected.push(u.href);
      expected.push(u.href);
      expected.push("http://fresh.test/");
      assert.deepEqual(value.steps, expected);
      assert.equal(value.threw, true);
    });

    test("searchParams is linked to its URL both ways", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const u = new URL("http://x.test/p?a=1&b=2#h");
        const p = u.searchParams;
        const out = [p === u.searchParams];
        p.append("c", "3 4"); out.push(u.href);
        p.delete("a"); out.push(u.href);
        p.set("b", "ü&="); out.push(u.href);
        u.search = "?z=9&z=8"; out.push(p.getAll("z").join(","), p.size);
        u.href = "http://y.test/?k=v"; out.push(p.get("k"));
        p.delete("k"); out.push(u.href);
        const opaque = new URL("non-special:opaque  ?x=1"); opaque.searchParams.delete("x"); out.push(opaque.href);
        return out;`,
      );
      const opaque = new URL("non-special:opaque  ?x=1");
      opaque.searchParams.delete("x");
      assert.deepEqual(value, [
        true,
        "http://x.test/p?a=1&b=2&c=3+4#h",
        "http://x.test/p?b=2&c=3+4#h",
        "http://x.test/p?b=%C3%BC%26%3D&c=3+4#h",
        "9,8", 2,
        "v",
        "http://y.test/",
        opaque.href,
      ]);
    });

    test("URLSearchParams operations", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const p = new URLSearchParams("?b=2&a=1&b=3&c");
        const ops = {};
        ops.fromPairs = new URLSearchParams([["x", "1"], ["y", "2"]]).toString();
        ops.fromRecord = new URLSearchParams({ k: "v w", n: 1 }).toString();
        ops.fromParams = new URLSearchParams(p).toString();
        ops.get = [p.get("b"), p.get("nope"), p.getAll("b"), p.has("c"), p.has("b", "3"), p.has("b", "4"), p.size];
        p.append("d", "+&=");
        p.delete("b", "2");
        ops.afterDelete = p.toString();
        p.set("a", "one"); p.sort();
        ops.sorted = p.toString();
        ops.iterated = [...p.keys()].join() + "|" + [...p.values()].join() + "|" + [...p.entries()].map((e) => e.join("=")).join();
        const each = []; p.forEach((v, k, self) => each.push(k + ":" + v + ":" + (self === p))); ops.each = each;
        try { new URLSearchParams([["only-one"]]); } catch (e) { ops.badPair = e instanceof TypeError; }
        return ops;`,
      )) as Record<string, unknown>;
      const p = new URLSearchParams("?b=2&a=1&b=3&c");
      const expected: Record<string, unknown> = {};
      expected.fromPairs = new URLSearchParams([["x", "1"], ["y", "2"]]).toString();
      expected.fromRecord = new URLSearchParams({ k: "v w", n: "1" }).toString();
      expected.fromParams = new URLSearchParams(p).toString();
      expected.get = [p.get("b"), p.get("nope"), p.getAll("b"), p.has("c"), p.has("b", "3"), p.has("b", "4"), p.size];
      p.append("d", "+&=");
      p.delete("b", "2");
      expected.afterDelete = p.toString();
      p.set("a", "one");
      p.sort();
      expected.sorted = p.toString();
      expected.iterated = [...p.keys()].join() + "|" + [...p.values()].join() + "|" + [...p.entries()].map((e) => e.join("=")).join();
      const each: string[] = [];
      p.forEach((v, k) => each.push(`${k}:${v}:true`));
      expected.each = each;
      expected.badPair = true;
      assert.deepEqual(value, expected);
    });

    test("form-urlencoded parsing follows the standard, serialising agrees with Node", async () => {
      await using rt = runtime();
      // Lone surrogates become U+FFFD before parsing (USVString); JSON carries them both ways.
      const inputs = queryInputs().map((s) => s.toWellFormed());
      const value = (await runHandler(
        rt,
        `const run = (s) => { const p = new URLSearchParams(s); return [[...p], p.toString(), new URLSearchParams([[s, s]]).toString()]; };
        return { generated: event.inputs.map(run), vectors: event.vectors.map((s) => [...new URLSearchParams(s)]) };`,
        { inputs, vectors: QUERY_VECTORS.map(([input]) => input) },
      )) as { generated: unknown[]; vectors: unknown[] };
      const expected = inputs.map((s) => {
        const pairs = standardQueryParse(s.startsWith("?") ? s.slice(1) : s);
        return [pairs, new URLSearchParams(pairs).toString(), new URLSearchParams([[s, s]]).toString()];
      });
      assert.equal(inputs.length, 312);
      assert.deepEqual(value.generated, expected);
      assert.deepEqual(value.vectors, QUERY_VECTORS.map(([, output]) => output));
      assert.deepEqual(QUERY_VECTORS.map(([input]) => standardQueryParse(input)), QUERY_VECTORS.map(([, output]) => output));
    });
  });

  describe(`${name}: TextEncoder, TextDecoder, atob, btoa`, () => {
    test("UTF-8 round trips, encodeInto, fatal errors, BOM and streaming", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const te = new TextEncoder();
        const text = "aé€😀\\u{10FFFF}";
        const bytes = te.encode(text);
        const into = new Uint8Array(6);
        const result = te.encodeInto("a😀b", into);
        const lone = [...te.encode("x\\uD800y")];
        let fatal;
        try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { fatal = [e.name, e.message]; }
        let label;
        try { new TextDecoder("latin1"); } catch (e) { label = [e.name, e.message]; }
        const stream = new TextDecoder();
        const streamed = stream.decode(new Uint8Array([0xef, 0xbb]), { stream: true }) + stream.decode(new Uint8Array([0xbf, 0xf0, 0x9f]), { stream: true }) + stream.decode(new Uint8Array([0x98, 0x80]));
        return {
          bytes: [...bytes], back: new TextDecoder().decode(bytes), into: [result.read, result.written, [...into]], lone, fatal, label,
          bom: [new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), new TextDecoder("utf8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length],
          labels: ["UTF-8", " utf8 ", "unicode-1-1-utf-8"].map((l) => new TextDecoder(l).encoding),
          streamed, props: [te.encoding, new TextDecoder("utf-8", { fatal: true }).fatal],
          replaced: event.broken.map((b) => new TextDecoder().decode(new Uint8Array(b))),
        };`,
        { broken: [[0xc0, 0x80], [0xe0, 0x80, 0x41], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82, 0x41, 0xff, 0x80]] },
      )) as Record<string, unknown>;
      const text = "aé€😀\u{10FFFF}";
      assert.deepEqual(value.bytes, [...new TextEncoder().encode(text)]);
      assert.equal(value.back, text);
      const into = new Uint8Array(6);
      const r = new TextEncoder().encodeInto("a😀b", into);
      assert.deepEqual(value.into, [r.read, r.written, [...into]]);
      assert.deepEqual(value.lone, [0x78, 0xef, 0xbf, 0xbd, 0x79]);
      assert.deepEqual(value.fatal, ["TypeError", "The encoded data was not valid for encoding utf-8"]);
      assert.deepEqual(value.label, ["RangeError", 'The "latin1" encoding is not supported']);
      assert.deepEqual(value.bom, ["A", 2]);
      assert.deepEqual(value.labels, ["utf-8", "utf-8", "utf-8"]);
      assert.equal(value.streamed, "😀");
      assert.deepEqual(value.props, ["utf-8", true]);
      const broken = [[0xc0, 0x80], [0xe0, 0x80, 0x41], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82, 0x41, 0xff, 0x80]];
      assert.deepEqual(value.replaced, broken.map((b) => new TextDecoder().decode(new Uint8Array(b))));
    });

    test("atob and btoa, with InvalidCharacterError", async () => {
      await using rt = runtime();
      const inputs = ["aGk=", "aGk", " aG k= ", "YQ==", "YQ", "YQ=", "a", "ab=c", "abc", "ab==", "a===", "\u00e9", "****", "YWJj\n"];
      const value = (await runHandler(
        rt,
        `const decode = (s) => { try { return atob(s); } catch (e) { return [e.name, e.code, e instanceof DOMException]; } };
        let encodeError;
        try { btoa("€"); } catch (e) { encodeError = [e.name, e.message, e.code]; }
        return { decoded: event.inputs.map(decode), encoded: btoa("\\u0000\\u00ff hello"), encodeError };`,
        { inputs },
      )) as Record<string, unknown>;
      assert.deepEqual(
        value.decoded,
        inputs.map((s) => {
          try {
            return atob(s);
          } catch {
            return ["InvalidCharacterError", 5, true];
          }
        }),
      );
      assert.equal(value.encoded, btoa("\u0000\u00ff hello"));
      assert.deepEqual(value.encodeError, ["InvalidCharacterError", "Invalid character", 5]);
    });
  });

  describe(`${name}: structuredClone and DOMException`, () => {
    test("clones Map, Set, Date, RegExp, ArrayBuffer, typed arrays and cycles; throws DataCloneError", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const buffer = new Uint8Array([1, 2, 3]).buffer;
        const source = { map: new Map([["k", { n: 1 }]]), set: new Set([1, "two"]), date: new Date(86400000), re: /a+b/gi, buffer, view: new Int16Array([-1, 2]), big: 10n };
        source.self = source;
        const copy = structuredClone(source);
        const errors = [() => 1, { f() {} }, Symbol("s"), { s: Symbol("t") }].map((v) => { try { structuredClone(v); return "cloned"; } catch (e) { return [e.name, e instanceof DOMException, e.code]; } });
        const transferred = new ArrayBuffer(8);
        const moved = structuredClone({ transferred }, { transfer: [transferred] });
        return {
          distinct: copy !== source && copy.map !== source.map && copy.self === copy,
          map: [copy.map instanceof Map, copy.map.get("k").n], set: [...copy.set], date: [copy.date instanceof Date, copy.date.getTime()],
          re: [copy.re instanceof RegExp, copy.re.source, copy.re.flags], buffer: [copy.buffer instanceof ArrayBuffer, [...new Uint8Array(copy.buffer)]],
          view: [copy.view instanceof Int16Array, [...copy.view]], big: copy.big === 10n,
          errors, transfer: [transferred.byteLength, transferred.detached, moved.transferred.byteLength],
          missing: (() => { try { structuredClone(); } catch (e) { return e instanceof TypeError; } })(),
        };`,
      );
      assert.deepEqual(value, {
        distinct: true,
        map: [true, 1], set: [1, "two"], date: [true, 86400000],
        re: [true, "a+b", "gi"], buffer: [true, [1, 2, 3]],
        view: [true, [-1, 2]], big: true,
        errors: Array.from({ length: 4 }, () => ["DataCloneError", true, 25]),
        transfer: [0, true, 8],
        missing: true,
      });
    });

    test("DOMException carries name, message, code and a stack that names it", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const e = new DOMException("gone", "NotFoundError");
        const plain = new DOMException();
        return [e.name, e.message, e.code, e instanceof Error, e.stack.split("\\n")[0], plain.name, plain.code, new DOMException("x", { name: "AbortError", cause: 1 }).cause, Object.prototype.toString.call(e)];`,
      );
      assert.deepEqual(value, ["NotFoundError", "gone", 8, true, "NotFoundError: gone", "Error", 0, 1, "[object DOMException]"]);
    });
  });

  describe(`${name}: crypto`, () => {
    test("randomUUID and getRandomValues", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const ids = Array.from({ length: 2000 }, () => crypto.randomUUID());
        const big = crypto.getRandomValues(new Uint32Array(16384));
        const errors = [new Uint8Array(65537), new Float32Array(4), [1, 2], new DataView(new ArrayBuffer(4))].map((a) => { try { crypto.getRandomValues(a); return "ok"; } catch (e) { return e.name; } });
        const u8 = new Uint8Array(64);
        const same = crypto.getRandomValues(u8) === u8;
        return { ids, distinct: new Set(ids).size, zeros: big.filter((x) => x === 0).length, errors, same, nonZero: u8.some((b) => b !== 0), b64: crypto.getRandomValues(new BigUint64Array(2)).length };`,
      )) as Record<string, unknown>;
      const ids = value.ids as string[];
      assert.equal(value.distinct, 2000);
      for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok((value.zeros as number) < 5, `zeros: ${String(value.zeros)}`);
      assert.deepEqual(value.errors, ["QuotaExceededError", "TypeMismatchError", "TypeMismatchError", "TypeMismatchError"]);
      assert.equal(value.same, true);
      assert.equal(value.nonZero, true);
      assert.equal(value.b64, 2);
    });

    test("subtle.digest matches the standard vectors", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
        const data = new TextEncoder().encode("abc");
        const out = {};
        for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) out[alg] = hex(await crypto.subtle.digest(alg, data));
        out.object = hex(await crypto.subtle.digest({ name: "sha-256" }, data.buffer));
        out.empty = hex(await crypto.subtle.digest("SHA-256", new Uint8Array(0)));
        out.md5 = await crypto.subtle.digest("MD5", data).then(() => "resolved", (e) => e.name);
        out.isBuffer = (await crypto.subtle.digest("SHA-1", data)) instanceof ArrayBuffer;
        return out;`,
      );
      const digest = (alg: string, data: string) => createHash(alg).update(data).digest("hex");
      assert.deepEqual(value, {
        "SHA-1": digest("sha1", "abc"),
        "SHA-256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "SHA-384": digest("sha384", "abc"),
        "SHA-512": digest("sha512", "abc"),
        object: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        empty: digest("sha256", ""),
        md5: "NotSupportedError",
        isBuffer: true,
      });
    });

    test("HMAC importKey, sign (RFC 4231 case 2), verify, exportKey and key privacy", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const enc = new TextEncoder();
        const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
        const key = await crypto.subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
        const data = enc.encode("what do ya want for nothing?");
        const sig = await crypto.subtle.sign("HMAC", key, data);
        const tampered = new Uint8Array(sig.slice(0)); tampered[0] ^= 1;
        const verifyKey = await crypto.subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: { name: "SHA-256" } }, true, ["verify"]);
        const jwk = await crypto.subtle.exportKey("jwk", verifyKey);
        const fromJwk = await crypto.subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        const generated = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
        const reject = (p) => p.then(() => "resolved", (e) => e.name);
        return {
          sig: hex(sig),
          verify: [await crypto.subtle.verify("HMAC", key, sig, data), await crypto.subtle.verify("HMAC", key, tampered, data), await crypto.subtle.verify({ name: "HMAC" }, verifyKey, sig.slice(0, 16), data)],
          key: [key.type, key.extractable, key.algorithm.name, key.algorithm.hash.name, key.algorithm.length, key.usages.join(), key instanceof CryptoKey, String(key)],
          hidden: [JSON.stringify(key), Object.getOwnPropertyNames(key).length, Object.getOwnPropertySymbols(key).length, Reflect.ownKeys(Object.getPrototypeOf(key)).filter((k) => typeof k === "string").sort().join()],
          exportRaw: await reject(crypto.subtle.exportKey("raw", key)),
          raw: hex(await crypto.subtle.exportKey("raw", verifyKey)),
          jwk: [jwk.kty, jwk.alg, jwk.k],
          jwkSig: hex(await crypto.subtle.sign("HMAC", fromJwk, data)),
          generated: [generated.algorithm.length, (await crypto.subtle.exportKey("raw", generated)).byteLength],
          wrongUsage: await reject(crypto.subtle.sign("HMAC", verifyKey, data)),
          unsupported: [await reject(crypto.subtle.importKey("raw", new Uint8Array(16), { name: "AES-GCM" }, false, ["encrypt"])), await reject(crypto.subtle.encrypt({ name: "AES-GCM" }, key, data))],
          noUsages: await reject(crypto.subtle.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256" }, false, [])),
          illegal: (() => { try { new CryptoKey(); } catch (e) { return e instanceof TypeError; } })(),
        };`,
      );
      assert.deepEqual(value, {
        sig: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        verify: [true, false, false],
        key: ["secret", false, "HMAC", "SHA-256", 32, "sign,verify", true, "[object CryptoKey]"],
        hidden: ["{}", 0, 0, "algorithm,constructor,extractable,type,usages"],
        exportRaw: "InvalidAccessError",
        raw: Buffer.from("Jefe").toString("hex"),
        jwk: ["oct", "HS256", Buffer.from("Jefe").toString("base64url")],
        jwkSig: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        generated: [1024, 128],
        wrongUsage: "InvalidAccessError",
        unsupported: ["NotSupportedError", "NotSupportedError"],
        noUsages: "SyntaxError",
        illegal: true,
      });
    });
  });

  describe(`${name}: crypto under concurrency`, () => {
    test("hundreds of digests and HMACs started at once each settle with their own result", async () => {
      await using rt = runtime();
      const value = (await runHandler(
        rt,
        `const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
        const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
        const inputs = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode("item-" + i));
        const [digests, sigs] = await Promise.all([
          Promise.all(inputs.map((d) => crypto.subtle.digest("SHA-256", d).then(hex))),
          Promise.all(inputs.map((d) => crypto.subtle.sign("HMAC", key, d))),
        ]);
        const verified = await Promise.all(inputs.map((d, i) => crypto.subtle.verify("HMAC", key, sigs[(i + 1) % 200 === 0 ? 0 : i], d)));
        return { digests, sigs: sigs.map(hex), verified: verified.filter(Boolean).length };`,
      )) as { digests: string[]; sigs: string[]; verified: number };
      value.digests.forEach((digest, i) => assert.equal(digest, createHash("sha256").update(`item-${i}`).digest("hex"), `digest ${i}`));
      value.sigs.forEach((sig, i) => assert.equal(sig, createHmac("sha256", "k").update(`item-${i}`).digest("hex"), `sig ${i}`));
      assert.equal(value.verified, 199, "item-199 checked against item-0's signature fails; every other verifies");
    });
  });

  describe(`${name}: events and aborts`, () => {
    test("EventTarget, AbortController, AbortSignal.abort/timeout/any", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const seen = [];
        const target = new EventTarget();
        const listener = (e) => seen.push("fn:" + e.type + ":" + (e.target === target));
        target.addEventListener("ping", listener);
        target.addEventListener("ping", listener);
        target.addEventListener("ping", { handleEvent: (e) => seen.push("obj") }, { once: true });
        target.dispatchEvent(new Event("ping"));
        target.dispatchEvent(new Event("ping"));
        target.removeEventListener("ping", listener);
        target.dispatchEvent(new Event("ping"));
        const controller = new AbortController();
        controller.signal.onabort = (e) => seen.push("onabort:" + e.type);
        controller.signal.addEventListener("abort", () => seen.push("listener"));
        controller.abort();
        controller.abort("again");
        const reason = controller.signal.reason;
        let thrown; try { controller.signal.throwIfAborted(); } catch (e) { thrown = e === reason; }
        const timeout = AbortSignal.timeout(10);
        const any = AbortSignal.any([new AbortController().signal, timeout]);
        await new Promise((r) => any.addEventListener("abort", r));
        const cancelled = new Event("x", { cancelable: true }); cancelled.preventDefault();
        return {
          seen, reason: [reason.name, reason.message, reason.code],
          thrown, already: [AbortSignal.abort().aborted, AbortSignal.abort("why").reason],
          timeout: [timeout.aborted, timeout.reason.name, any.reason === timeout.reason],
          cancel: [cancelled.defaultPrevented, new EventTarget().dispatchEvent(cancelled)],
          illegal: (() => { try { new AbortSignal(); } catch (e) { return e instanceof TypeError; } })(),
        };`,
      );
      assert.deepEqual(value, {
        seen: ["fn:ping:true", "obj", "fn:ping:true", "onabort:abort", "listener"],
        reason: ["AbortError", "This operation was aborted", 20],
        thrown: true,
        already: [true, "why"],
        timeout: [true, "TimeoutError", true],
        cancel: [true, false],
        illegal: true,
      });
    });
  });

  describe(`${name}: performance`, () => {
    test("performance.now() counts whole milliseconds from timeOrigin, never backwards; the constructor is not public", async () => {
      await using rt = runtime();
      const before = Date.now();
      const value = (await runHandler(
        rt,
        `const first = performance.now();
        const readings = [];
        const end = Date.now() + 30;
        while (Date.now() < end) readings.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 20));
        const later = performance.now();
        return {
          first, later, origin: performance.timeOrigin, json: JSON.stringify(performance),
          monotonic: readings.every((r, i) => i === 0 || r >= readings[i - 1]),
          whole: [...readings, later].every(Number.isInteger),
          tag: Object.prototype.toString.call(performance),
          illegal: (() => { try { new Performance(); return "constructed"; } catch (e) { return e.constructor.name; } })(),
        };`,
      )) as { first: number; later: number; origin: number; json: string; monotonic: boolean; whole: boolean; tag: string; illegal: string };
      const after = Date.now();
      assert.ok(value.origin >= before && value.origin <= after, `timeOrigin ${value.origin} within the invocation [${before}, ${after}]`);
      assert.ok(value.first >= 0 && value.later > value.first, `now() ${value.first} then ${value.later} after a 20 ms timer`);
      assert.equal(value.json, JSON.stringify({ timeOrigin: value.origin }));
      assert.deepEqual([value.monotonic, value.whole, value.tag, value.illegal], [true, true, "[object Performance]", "TypeError"]);
    });
  });

  describe(`${name}: web globals are ordinary globals`, () => {
    test("present, replaceable before and after first use, not enumerable", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const names = ["URL", "URLSearchParams", "TextEncoder", "TextDecoder", "atob", "btoa", "structuredClone", "crypto", "fetch", "Headers", "Request", "Response", "AbortController", "AbortSignal", "Event", "EventTarget", "DOMException", "performance", "Performance"];
        const kinds = names.map((n) => typeof globalThis[n]);
        globalThis.fetch = "replaced before use";
        const urlBefore = URL;
        URL = function Mine() {};
        return { kinds, fetch: globalThis.fetch, url: URL.name, original: urlBefore.name, enumerable: Object.keys(globalThis).filter((k) => names.includes(k)), request: new Request("http://x.test/").url };`,
      );
      assert.deepEqual(value, {
        kinds: ["function", "function", "function", "function", "function", "function", "function", "object", "function", "function", "function", "function", "function", "function", "function", "function", "function", "object", "function"],
        fetch: "replaced before use",
        url: "Mine",
        original: "URL",
        enumerable: [],
        request: "http://x.test/",
      });
    });
  });
}
