import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { MAX_LIVE, MAX_SCRYPT_MAXMEM, NodeCryptoHost } from "./node-crypto-host.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

test("a held hash streams its updates and answers Node's digest; the id is gone after digest", () => {
  const host = new NodeCryptoHost();
  const id = host.call("hash", "sha256", undefined, undefined, undefined);
  assert.equal(typeof id, "number");
  assert.equal(host.call("update", id, bytes("ab"), undefined, undefined), true);
  assert.equal(host.call("update", id, bytes("c"), undefined, undefined), true);
  const digest = host.call("digest", id, undefined, undefined, undefined) as Uint8Array;
  assert.equal(Buffer.from(digest).toString("hex"), createHash("sha256").update("abc").digest("hex"));
  assert.equal(host.liveCount, 0);
  assert.equal(host.call("digest", id, undefined, undefined, undefined), null);
});

test("node:crypto's errors come back as data with name, message and code; malformed calls answer null", () => {
  const host = new NodeCryptoHost();
  assert.deepEqual(host.call("hmac", "nope", bytes("k"), undefined, undefined), { error: { name: "TypeError", message: "Invalid digest: nope", code: "ERR_CRYPTO_INVALID_DIGEST" } });
  assert.deepEqual(host.call("cipher", "des-ede3-cbc", new Uint8Array(24), new Uint8Array(8), undefined), { error: { name: "Error", message: "Unknown cipher", code: "ERR_CRYPTO_UNKNOWN_CIPHER" } });
  assert.equal(host.call("update", 12345, bytes("x"), undefined, undefined), null);
  assert.equal(host.call("hash", 7, undefined, undefined, undefined), null);
  assert.equal(host.call("no-such-op", undefined, undefined, undefined, undefined), null);
});

test("past MAX_LIVE unfinished objects the least recently used is dropped, and clear() drops all", () => {
  const host = new NodeCryptoHost();
  const first = host.call("hash", "md5", undefined, undefined, undefined);
  const second = host.call("hash", "md5", undefined, undefined, undefined);
  host.call("update", first, bytes("keep me"), undefined, undefined); // now the most recent
  for (let i = 0; i < MAX_LIVE - 1; i++) host.call("hash", "md5", undefined, undefined, undefined);
  assert.equal(host.liveCount, MAX_LIVE);
  assert.equal(host.call("update", second, bytes("x"), undefined, undefined), null);
  assert.equal(host.call("update", first, bytes("x"), undefined, undefined), true);
  host.clear();
  assert.equal(host.liveCount, 0);
});

test("pbkdf2 and scrypt past the per-call bounds are refused with a RangeError naming the limit", () => {
  const host = new NodeCryptoHost();
  const pbkdf2 = host.call("pbkdf2", bytes("pw"), bytes("salt"), [3_000_000, 32], "sha256") as { error: { name: string; message: string } };
  assert.equal(pbkdf2.error.name, "RangeError");
  assert.match(pbkdf2.error.message, /exceeds fnmesh's limit of 2000000 iterations/);
  const scrypt = host.call("scrypt", bytes("pw"), bytes("salt"), 32, { N: 2 ** 17, r: 8 }) as { error: { message: string } };
  assert.match(scrypt.error.message, new RegExp(`over fnmesh's limit of ${MAX_SCRYPT_MAXMEM}`));
});
