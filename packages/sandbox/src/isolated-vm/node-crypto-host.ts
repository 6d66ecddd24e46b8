/**
 * Host side of the `node:crypto` built-in a function may bundle (@fnmesh/bundle's
 * node-builtins/crypto.cjs): hashes, HMACs and AES ciphers as node:crypto objects held here by
 * number, so `update()` streams as in Node (no copy of the whole input kept in the isolate) and
 * the results are OpenSSL's; pbkdf2 and scrypt in one call. Every call is synchronous on the
 * host's main thread, metered by the invocation's host-work meter like the web `crypto` bridge.
 *
 * One instance per isolate; it never throws: bad input answers null, and node:crypto's own errors
 * come back as `{ error: { name, message, code } }` for the shim to rethrow with Node's texts.
 * Objects left unfinished are dropped oldest first past `MAX_LIVE`, so a function cannot grow the
 * host's memory by abandoning them; using a dropped one fails in the isolate.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, getCiphers, getHashes, pbkdf2Sync, scryptSync } from "node:crypto";
import type { Cipheriv, CipherGCM, Decipheriv, DecipherGCM, Hash, Hmac } from "node:crypto";

/** The ciphers the shim offers: AES in CBC, CTR and GCM modes (what handlers use). */
export const NODE_CIPHERS: readonly string[] = getCiphers().filter((name) => /^aes-(128|192|256)-(cbc|ctr|gcm)$/.test(name));
/** Unfinished hashes, HMACs and ciphers one isolate may hold. */
export const MAX_LIVE = 1024;
/** Output bytes of one pbkdf2/scrypt call (Node allows more; a key is at most a few hundred). */
const MAX_DERIVED_BYTES = 1 << 20;
/**
 * One call must not hold the host's main thread for long, whatever the meter allows afterwards:
 * pbkdf2's iterations times output blocks (600,000 SHA-256 iterations, OWASP's advice, take
 * ~80 ms on the reference machine) and scrypt's memory (Node's default cap is 32 MiB; N=2^16,
 * r=8 takes 64 MiB and ~160 ms) are bounded. Past these the shim says so by name.
 */
export const MAX_PBKDF2_WORK = 2_000_000;
export const MAX_SCRYPT_MAXMEM = 64 * 1024 * 1024;
const HASH_BYTES: Readonly<Record<string, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64, md5: 16 };

type Held = { kind: "hash"; state: Hash | Hmac } | { kind: "cipher"; state: Cipheriv | Decipheriv; gcm: boolean; encrypt: boolean };

export interface WireError {
  error: { name: string; message: string; code?: string };
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const isId = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);
const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));

function wireError(err: unknown): WireError | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  return { error: { name: err.name, message: err.message, ...(typeof code === "string" ? { code } : {}) } };
}

function limitError(message: string): WireError {
  return { error: { name: "RangeError", message, code: "ERR_FNMESH_HOST_WORK_LIMIT" } };
}

export class NodeCryptoHost {
  readonly #live = new Map<number, Held>();
  #next = 1;

  /** The `nodeCrypto` bridge function: see `NodeCryptoOp` in prelude/types.ts. */
  call(op: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
    try {
      return this.#call(op, a, b, c, d);
    } catch (err) {
      return wireError(err);
    }
  }

  /** Drops every held object (the isolate is gone). */
  clear(): void {
    this.#live.clear();
  }

  get liveCount(): number {
    return this.#live.size;
  }

  #call(op: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
    switch (op) {
      case "hash":
        // b: output length of the XOFs (shake128/256)
        if (typeof a !== "string" || !(b === undefined || isId(b))) return null;
        return this.#hold({ kind: "hash", state: createHash(a, b === undefined ? undefined : { outputLength: b }) });
      case "hmac":
        if (typeof a !== "string" || !isBytes(b)) return null;
        return this.#hold({ kind: "hash", state: createHmac(a, b) });
      case "cipher": {
        // a: algorithm, b: key, c: iv, d: auth tag length (GCM) or undefined
        if (typeof a !== "string" || !isBytes(b) || !(isBytes(c) || c === null) || !(d === undefined || isId(d))) return null;
        if (!NODE_CIPHERS.includes(a.toLowerCase())) return { error: { name: "Error", message: "Unknown cipher", code: "ERR_CRYPTO_UNKNOWN_CIPHER" } };
        const gcm = a.toLowerCase().endsWith("-gcm");
        const options = d === undefined ? undefined : { authTagLength: d };
        return this.#hold({ kind: "cipher", state: createCipheriv(a, b, c, options as never), gcm, encrypt: true });
      }
      case "decipher": {
        if (typeof a !== "string" || !isBytes(b) || !(isBytes(c) || c === null) || !(d === undefined || isId(d))) return null;
        if (!NODE_CIPHERS.includes(a.toLowerCase())) return { error: { name: "Error", message: "Unknown cipher", code: "ERR_CRYPTO_UNKNOWN_CIPHER" } };
        const gcm = a.toLowerCase().endsWith("-gcm");
        const options = d === undefined ? undefined : { authTagLength: d };
        return this.#hold({ kind: "cipher", state: createDecipheriv(a, b, c, options as never), gcm, encrypt: false });
      }
      case "update": {
        const held = this.#get(a);
        if (held === undefined || !isBytes(b)) return null;
        if (held.kind === "hash") {
          held.state.update(b);
          return true;
        }
        return bytes(held.state.update(b));
      }
      case "copy": {
        const held = this.#get(a);
        if (held?.kind !== "hash" || !("copy" in held.state)) return null;
        return this.#hold({ kind: "hash", state: held.state.copy() });
      }
      case "digest": {
        const held = this.#get(a);
        if (held?.kind !== "hash") return null;
        this.#live.delete(a as number);
        return bytes(held.state.digest());
      }
      case "setAAD": {
        const held = this.#get(a);
        if (held?.kind !== "cipher" || !held.gcm || !isBytes(b)) return null;
        (held.state as CipherGCM | DecipherGCM).setAAD(b, c === undefined || !isId(c) ? undefined : { plaintextLength: c });
        return true;
      }
      case "setAuthTag": {
        const held = this.#get(a);
        if (held?.kind !== "cipher" || held.encrypt || !isBytes(b)) return null;
        (held.state as DecipherGCM).setAuthTag(b);
        return true;
      }
      case "setAutoPadding": {
        const held = this.#get(a);
        if (held?.kind !== "cipher") return null;
        held.state.setAutoPadding(b !== false);
        return true;
      }
      case "final": {
        // → [output, auth tag (GCM encryption) or null]
        const held = this.#get(a);
        if (held?.kind !== "cipher") return null;
        this.#live.delete(a as number);
        const out = bytes(held.state.final());
        const tag = held.gcm && held.encrypt ? bytes((held.state as CipherGCM).getAuthTag()) : null;
        return [out, tag];
      }
      case "pbkdf2": {
        // a: password, b: salt, c: [iterations, keylen], d: digest
        if (!isBytes(a) || !isBytes(b) || !Array.isArray(c) || typeof d !== "string") return null;
        const [iterations, keylen] = c as [number, number];
        // Anything but numbers: node:crypto's own argument errors.
        if (typeof iterations !== "number" || typeof keylen !== "number") return bytes(pbkdf2Sync(a, b, iterations, keylen, d));
        if (keylen > MAX_DERIVED_BYTES) return limitError(`pbkdf2 output of ${keylen} bytes exceeds fnmesh's limit of ${MAX_DERIVED_BYTES}`);
        const blocks = Math.ceil(keylen / (HASH_BYTES[d.toLowerCase()] ?? 32));
        if (iterations * blocks > MAX_PBKDF2_WORK) return limitError(`pbkdf2 with ${iterations} iterations for ${keylen} bytes exceeds fnmesh's limit of ${MAX_PBKDF2_WORK} iterations × output blocks per call`);
        return bytes(pbkdf2Sync(a, b, iterations, keylen, d));
      }
      case "scrypt": {
        // a: password, b: salt, c: keylen, d: { N, r, p, maxmem }
        if (!isBytes(a) || !isBytes(b) || typeof d !== "object" || d === null) return null;
        if (typeof c !== "number") return bytes(scryptSync(a, b, c as number));
        if (c > MAX_DERIVED_BYTES) return limitError(`scrypt output of ${c} bytes exceeds fnmesh's limit of ${MAX_DERIVED_BYTES}`);
        const { N, r, p, maxmem } = d as Record<string, unknown>;
        const options: { N?: number; r?: number; p?: number; maxmem?: number } = {};
        if (typeof N === "number") options.N = N;
        if (typeof r === "number") options.r = r;
        if (typeof p === "number") options.p = p;
        if (typeof maxmem === "number") options.maxmem = maxmem;
        // Node's own check (128 * N * r > maxmem) with maxmem capped.
        const need = 128 * (options.N ?? 16384) * (options.r ?? 8);
        if (need > MAX_SCRYPT_MAXMEM) return limitError(`scrypt needs ${need} bytes of memory, over fnmesh's limit of ${MAX_SCRYPT_MAXMEM} per call`);
        return bytes(scryptSync(a, b, c, options));
      }
      case "list":
        return [getHashes(), NODE_CIPHERS];
      default:
        return null;
    }
  }

  #hold(held: Held): number {
    const id = this.#next++;
    this.#live.set(id, held);
    if (this.#live.size > MAX_LIVE) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
    return id;
  }

  /** The object `id` names, now the most recently used. */
  #get(id: unknown): Held | undefined {
    if (!isId(id)) return undefined;
    const held = this.#live.get(id);
    if (held !== undefined) {
      this.#live.delete(id);
      this.#live.set(id, held);
    }
    return held;
  }
}
