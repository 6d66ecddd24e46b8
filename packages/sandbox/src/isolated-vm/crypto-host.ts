/**
 * Host side of the isolate's `crypto` (prelude/crypto.ts): randomness, digests and HMAC by
 * node:crypto. Runs inside a synchronous isolated-vm callback, so it never throws: bad input
 * answers null. Results are fresh, exactly sized arrays: a view into a larger (pooled) buffer would
 * carry the rest of that buffer into the isolate when copied.
 */
import { createHash, createHmac, getRandomValues, timingSafeEqual } from "node:crypto";

const HASHES: Readonly<Record<string, string>> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
/** getRandomValues' own limit. */
const MAX_RANDOM_BYTES = 65536;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const hashOf = (name: unknown): string | undefined => (typeof name === "string" && Object.hasOwn(HASHES, name) ? HASHES[name] : undefined);

function hmac(hash: string, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, key).update(data).digest());
}

export function cryptoHostCall(op: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
  try {
    switch (op) {
      case "random": {
        if (typeof a !== "number" || !Number.isInteger(a) || a < 0 || a > MAX_RANDOM_BYTES) return null;
        return getRandomValues(new Uint8Array(a));
      }
      case "digest": {
        const hash = hashOf(a);
        if (hash === undefined || !isBytes(b)) return null;
        return new Uint8Array(createHash(hash).update(b).digest());
      }
      case "hmacSign": {
        const hash = hashOf(a);
        if (hash === undefined || !isBytes(b) || !isBytes(c)) return null;
        return hmac(hash, b, c);
      }
      case "hmacVerify": {
        const hash = hashOf(a);
        if (hash === undefined || !isBytes(b) || !isBytes(c) || !isBytes(d)) return null;
        const expected = hmac(hash, b, d);
        // Constant time over the MAC; a wrong length says nothing about the key.
        return c.byteLength === expected.byteLength && timingSafeEqual(c, expected);
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}
