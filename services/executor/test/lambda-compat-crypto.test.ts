/**
 * Lambda compatibility: node:crypto inside isolates (issue 17). Each handler computes in the
 * isolate what this test computes with the host's own node:crypto on the same vectors, and the
 * results must be equal: hashes (streamed, copied, as a stream), HMAC, AES-CBC/GCM both ways,
 * pbkdf2 and scrypt (sync and callback), randomness, timingSafeEqual, Node's error texts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createHash, createHmac, pbkdf2Sync, scryptSync } from "node:crypto";
import { deployFunction, functionError, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

const INPUTS = ["", "abc", "é€😀", "x".repeat(1000)];
const HASHES = ["md5", "sha1", "sha256", "sha384", "sha512"];
const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const IV16 = Buffer.from("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "hex");
const IV12 = IV16.subarray(0, 12);

describe("Lambda compatibility: node:crypto in the isolate equals Node's", () => {
  test("createHash md5/sha1/sha256/sha384/sha512 (hex, base64, Buffer; streamed updates; copy) and createHmac", async () => {
    const fn = await deployFunction(h, `import { createHash, createHmac, hash } from "node:crypto";
const INPUTS = ${JSON.stringify(INPUTS)};
const HASHES = ${JSON.stringify(HASHES)};
export const handler = async () => ({
  hex: HASHES.map((alg) => INPUTS.map((input) => createHash(alg).update(input).digest("hex"))),
  streamed: HASHES.map((alg) => { const h = createHash(alg); for (const input of INPUTS) h.update(Buffer.from(input)); return h.digest("base64"); }),
  copied: (() => { const h = createHash("sha256").update("ab"); const c = h.copy(); return [h.digest("hex"), c.update("c").digest("hex")]; })(),
  bytes: Array.from(createHash("sha1").update(new Uint8Array([1, 2, 3])).digest()),
  latin1: createHash("sha256").update("ff", "hex").digest("base64url"),
  oneShot: hash("sha1", "abc"),
  hmac: HASHES.map((alg) => createHmac(alg, "secret key").update("message").digest("hex")),
  hmacBufferKey: createHmac("sha256", Buffer.alloc(100, 7)).update("a").update("b").digest("base64"),
});`);
    assert.deepEqual(okResult(await h.invoke(fn)), {
      hex: HASHES.map((alg) => INPUTS.map((input) => createHash(alg).update(input).digest("hex"))),
      streamed: HASHES.map((alg) => {
        const hash = createHash(alg);
        for (const input of INPUTS) hash.update(Buffer.from(input));
        return hash.digest("base64");
      }),
      copied: [createHash("sha256").update("ab").digest("hex"), createHash("sha256").update("abc").digest("hex")],
      bytes: Array.from(createHash("sha1").update(new Uint8Array([1, 2, 3])).digest()),
      latin1: createHash("sha256").update("ff", "hex").digest("base64url"),
      oneShot: createHash("sha1").update("abc").digest("hex"),
      hmac: HASHES.map((alg) => createHmac(alg, "secret key").update("message").digest("hex")),
      hmacBufferKey: createHmac("sha256", Buffer.alloc(100, 7)).update("a").update("b").digest("base64"),
    });
  });

  test("a Hash is a stream: piped from a Readable, it emits the digest", async () => {
    const fn = await deployFunction(h, { "index.js": `const crypto = require("crypto");
const { Readable } = require("stream");
const { pipeline } = require("stream/promises");
exports.handler = async () => {
  const hash = crypto.createHash("sha256");
  let digest;
  hash.on("data", (chunk) => (digest = chunk.toString("hex")));
  await pipeline(Readable.from(["a", "b", "c"]), hash);
  return digest;
};` });
    assert.equal(okResult(await h.invoke(fn)), createHash("sha256").update("abc").digest("hex"));
  });

  test("AES-128/192/256 in CBC and GCM: the isolate's ciphertext and tag are Node's, and it decrypts Node's", async () => {
    const cases = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-gcm", "aes-192-gcm", "aes-256-gcm"].map((alg) => {
      const bits = Number(alg.split("-")[1]);
      const key = KEY.subarray(0, bits / 8);
      const iv = alg.endsWith("gcm") ? IV12 : IV16;
      const cipher = createCipheriv(alg, key, iv);
      if (alg.endsWith("gcm")) (cipher as ReturnType<typeof createCipheriv> & { setAAD(b: Buffer): void }).setAAD(Buffer.from("header"));
      const text = "attack at dawn, é€ and then some more text past one block";
      const encrypted = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]).toString("base64");
      const tag = alg.endsWith("gcm") ? (cipher as unknown as { getAuthTag(): Buffer }).getAuthTag().toString("hex") : null;
      return { alg, key: key.toString("hex"), iv: iv.toString("hex"), text, encrypted, tag };
    });
    const fn = await deployFunction(h, `import crypto from "node:crypto";
const CASES = ${JSON.stringify(cases)};
export const handler = async () => CASES.map(({ alg, key, iv, text, encrypted, tag }) => {
  const gcm = alg.endsWith("gcm");
  const k = Buffer.from(key, "hex");
  const cipher = crypto.createCipheriv(alg, k, Buffer.from(iv, "hex"));
  if (gcm) cipher.setAAD(Buffer.from("header"));
  // Split mid-character: update() output joins to Node's whole.
  const bytes = Buffer.from(text);
  const out = Buffer.concat([cipher.update(bytes.subarray(0, 7)), cipher.update(bytes.subarray(7)), cipher.final()]).toString("base64");
  const decipher = crypto.createDecipheriv(alg, k, Buffer.from(iv, "hex"));
  if (gcm) decipher.setAAD(Buffer.from("header")).setAuthTag(Buffer.from(tag, "hex"));
  const plain = decipher.update(encrypted, "base64", "utf8") + decipher.final("utf8");
  return { same: out === encrypted, tag: gcm ? cipher.getAuthTag().toString("hex") === tag : null, plain };
});`);
    assert.deepEqual(okResult(await h.invoke(fn)), cases.map(({ alg, text }) => ({ same: true, tag: alg.endsWith("gcm") ? true : null, plain: text })));
  });

  test("pbkdf2Sync, pbkdf2 (callback), scryptSync, scrypt (callback, options) equal Node's", async () => {
    const fn = await deployFunction(h, { "index.js": `const crypto = require("node:crypto");
const { promisify } = require("node:util");
exports.handler = async () => ({
  pbkdf2Sync: crypto.pbkdf2Sync("password", "salt", 4096, 32, "sha256").toString("hex"),
  pbkdf2: (await promisify(crypto.pbkdf2)("password", Buffer.from("salt"), 1000, 64, "sha512")).toString("hex"),
  scryptSync: crypto.scryptSync("password", "salt", 64).toString("hex"),
  scrypt: await new Promise((resolve, reject) => crypto.scrypt("pw", "NaCl", 32, { N: 1024, r: 8, p: 2 }, (err, key) => (err ? reject(err) : resolve(key.toString("base64"))))),
});` });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      pbkdf2Sync: pbkdf2Sync("password", "salt", 4096, 32, "sha256").toString("hex"),
      pbkdf2: pbkdf2Sync("password", "salt", 1000, 64, "sha512").toString("hex"),
      scryptSync: scryptSync("password", "salt", 64).toString("hex"),
      scrypt: scryptSync("pw", "NaCl", 32, { N: 1024, r: 8, p: 2 }).toString("base64"),
    });
  });

  test("randomBytes (sync, callback, past the 64 KiB entropy call limit), randomUUID, randomInt, timingSafeEqual, lists, webcrypto", async () => {
    const fn = await deployFunction(h, `import * as crypto from "crypto";
export const handler = async () => {
  const big = crypto.randomBytes(200_000);
  const viaCallback = await new Promise((resolve) => crypto.randomBytes(16, (err, buf) => resolve([err, buf.length])));
  const ints = Array.from({ length: 200 }, () => crypto.randomInt(3, 7));
  return {
    sizes: [crypto.randomBytes(0).length, crypto.randomBytes(33).length, big.length, Buffer.isBuffer(big)],
    tailIsRandom: big.subarray(150_000).some((b) => b !== 0),
    viaCallback,
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
    intsInRange: ints.every((n) => Number.isInteger(n) && n >= 3 && n < 7) && new Set(ints).size === 4,
    equal: [crypto.timingSafeEqual(Buffer.from("abc"), Buffer.from("abc")), crypto.timingSafeEqual(Buffer.from("abc"), Buffer.from("abd"))],
    hashes: ["md5", "sha1", "sha256", "sha384", "sha512"].every((name) => crypto.getHashes().includes(name)),
    ciphers: crypto.getCiphers(),
    webcrypto: crypto.webcrypto === globalThis.crypto && crypto.subtle === globalThis.crypto.subtle,
    subtleDigest: Buffer.from(await crypto.webcrypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"))).toString("hex"),
  };
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), {
      sizes: [0, 33, 200_000, true],
      tailIsRandom: true,
      viaCallback: [null, 16],
      uuid: true,
      intsInRange: true,
      equal: [true, false],
      hashes: true,
      ciphers: ["aes-128-cbc", "aes-128-ctr", "aes-128-gcm", "aes-192-cbc", "aes-192-ctr", "aes-192-gcm", "aes-256-cbc", "aes-256-ctr", "aes-256-gcm"],
      webcrypto: true,
      subtleDigest: createHash("sha256").update("abc").digest("hex"),
    });
  });

  test("Node's errors: unknown digest, bad key length, a forged GCM tag, a bad CBC pad, reuse after digest, unequal lengths", async () => {
    const fn = await deployFunction(h, `import crypto from "node:crypto";
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return [e.name, e.code ?? null, e.message]; } };
export const handler = async () => [
  attempt(() => crypto.createHash("sha999")),
  attempt(() => crypto.createHmac("nope", "k")),
  attempt(() => crypto.createCipheriv("aes-128-gcm", Buffer.alloc(3), Buffer.alloc(12))),
  attempt(() => crypto.createCipheriv("des-ede3-cbc", Buffer.alloc(24), Buffer.alloc(8))),
  attempt(() => { const d = crypto.createDecipheriv("aes-128-gcm", Buffer.alloc(16), Buffer.alloc(12)); d.setAuthTag(Buffer.alloc(16)); d.update(Buffer.alloc(5)); d.final(); }),
  attempt(() => { const d = crypto.createDecipheriv("aes-128-cbc", Buffer.alloc(16), Buffer.alloc(16)); d.update(Buffer.alloc(16)); d.final(); }),
  attempt(() => { const hash = crypto.createHash("sha256"); hash.digest(); hash.update("x"); }),
  attempt(() => crypto.timingSafeEqual(Buffer.alloc(1), Buffer.alloc(2))),
  attempt(() => crypto.createHash("sha256").update(5)),
  attempt(() => crypto.pbkdf2Sync("a", "b", 1, 10)),
];`);
    assert.deepEqual(okResult(await h.invoke(fn)), [
      ["Error", null, "Digest method not supported"],
      ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: nope"],
      ["RangeError", "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length"],
      ["Error", "ERR_CRYPTO_UNKNOWN_CIPHER", "Unknown cipher"],
      ["Error", null, "Unsupported state or unable to authenticate data"],
      ["Error", "ERR_OSSL_BAD_DECRYPT", "error:1C800064:Provider routines::bad decrypt"],
      ["Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"],
      ["RangeError", "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length"],
      ["TypeError", "ERR_INVALID_ARG_TYPE", 'The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received type number (5)'],
      ["TypeError", "ERR_INVALID_ARG_TYPE", 'The "digest" argument must be of type string. Received undefined'],
    ]);
  });

  test("a pbkdf2 call too heavy for the host's main thread is refused by name, as a function error", async () => {
    const fn = await deployFunction(h, `import { pbkdf2Sync } from "node:crypto";
export const handler = async () => pbkdf2Sync("pw", "salt", 50_000_000, 32, "sha256");`);
    const error = functionError(await h.invoke(fn));
    assert.equal(error.errorType, "RangeError");
    assert.match(error.errorMessage, /^pbkdf2 with 50000000 iterations for 32 bytes exceeds fnmesh's limit/);
  });
});
