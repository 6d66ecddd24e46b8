import type { Rt } from "./types.ts";

/**
 * In-isolate: `crypto` with `getRandomValues`, `randomUUID` and `subtle` (`digest` SHA-1/256/384/512;
 * HMAC `importKey`/`exportKey` raw and jwk, `generateKey`, `sign`, `verify`). The math is node:crypto's
 * through the synchronous `crypto` bridge; random bytes come from the host in blocks kept in this
 * closure, as Node batches randomUUID's entropy. A CryptoKey's bytes live in a private field.
 * Other algorithms reject with NotSupportedError. Serialised: self-contained.
 */
export function installCrypto(_g: Record<string, unknown>, rt: Rt): void {
  const call = rt.bridge.crypto;
  const DOMException = rt.web.DOMException;
  const INTERNAL = Symbol("internal");
  const POOL_BYTES = 2048;
  const MAX_RANDOM = 65536;
  const HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
  const BLOCK_BITS: Record<string, number> = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 };
  const JWK_ALG: Record<string, string> = { "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" };
  // The typed-array brand check of the standard library, which user code cannot fake.
  const typedArrayTag = Reflect.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)?.get as (this: unknown) => string | undefined;
  const INTEGER_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];

  let pool: Uint8Array = new Uint8Array(0);
  let used = 0;

  function hostBytes(result: unknown, what: string): Uint8Array {
    if (!(result instanceof Uint8Array)) throw new DOMException(`${what} failed`, "OperationError");
    return result;
  }

  /** `n` fresh random bytes; each byte of the pool is handed out once. */
  function randomBytes(n: number): Uint8Array {
    if (n > POOL_BYTES) return hostBytes(call("random", n), "getRandomValues");
    if (used + n > pool.length) {
      pool = hostBytes(call("random", POOL_BYTES), "getRandomValues");
      used = 0;
    }
    const out = pool.slice(used, used + n);
    pool.fill(0, used, used + n);
    used += n;
    return out;
  }

  function getRandomValues<T>(array: T): T {
    const tag = typedArrayTag.call(array);
    if (tag === undefined || !INTEGER_ARRAYS.includes(tag)) {
      throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    }
    const view = array as unknown as Uint8Array;
    if (view.byteLength > MAX_RANDOM) {
      throw new DOMException(`The ArrayBufferView's byte length (${view.byteLength}) exceeds the number of bytes of entropy available via this API (${MAX_RANDOM})`, "QuotaExceededError");
    }
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(randomBytes(view.byteLength));
    return array;
  }

  function randomUUID(): string {
    const b = randomBytes(16);
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    let hex = "";
    for (let i = 0; i < 16; i++) hex += (b[i] as number).toString(16).padStart(2, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // ---- SubtleCrypto ----

  function algorithmName(algorithm: unknown): string {
    const name = typeof algorithm === "string" ? algorithm : (algorithm as { name?: unknown } | null)?.name;
    if (typeof name !== "string") throw new TypeError("Algorithm: name is required");
    return name;
  }

  function hashName(algorithm: unknown): string {
    const name = algorithmName(algorithm).toUpperCase();
    const hash = HASHES.find((h) => h === name);
    if (hash === undefined) throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
    return hash;
  }

  function requireHmac(algorithm: unknown): void {
    if (algorithmName(algorithm).toUpperCase() !== "HMAC") throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
  }

  function bytesOf(data: unknown, what: string): Uint8Array {
    const bytes = rt.web.copyBytes(data);
    if (bytes === null) throw new TypeError(`The "${what}" argument must be an instance of ArrayBuffer, TypedArray or DataView`);
    return bytes;
  }

  function base64url(bytes: Uint8Array): string {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return rt.web.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromBase64url(text: string): Uint8Array {
    const binary = rt.web.atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  }

  let keyBytes: (key: CryptoKey) => Uint8Array = () => new Uint8Array(0);
  let keyHash: (key: CryptoKey) => string = () => "";
  let isKey: (value: unknown) => value is CryptoKey = (_value: unknown): _value is CryptoKey => false;

  class CryptoKey {
    #bytes: Uint8Array;
    #hash: string;
    #extractable: boolean;
    #usages: string[];
    #algorithm: { name: string; hash: { name: string }; length: number };
    static {
      keyBytes = (key) => key.#bytes;
      keyHash = (key) => key.#hash;
      isKey = (value: unknown): value is CryptoKey => typeof value === "object" && value !== null && #bytes in value;
    }
    constructor(token: unknown, bytes: Uint8Array, hash: string, extractable: boolean, usages: string[]) {
      if (token !== INTERNAL) throw new TypeError("Illegal constructor");
      this.#bytes = bytes;
      this.#hash = hash;
      this.#extractable = extractable;
      this.#usages = usages;
      this.#algorithm = { name: "HMAC", hash: { name: hash }, length: bytes.byteLength * 8 };
    }
    get type(): string {
      return "secret";
    }
    get extractable(): boolean {
      return this.#extractable;
    }
    get algorithm(): { name: string; hash: { name: string }; length: number } {
      return this.#algorithm;
    }
    get usages(): string[] {
      return [...this.#usages];
    }
  }

  function checkUsages(usages: unknown): string[] {
    const list = [...((usages ?? []) as Iterable<unknown>)].map(String);
    for (const usage of list) {
      if (usage !== "sign" && usage !== "verify") throw new DOMException(`Unsupported key usage for an HMAC key: ${usage}`, "SyntaxError");
    }
    if (list.length === 0) throw new DOMException("Usages cannot be empty when creating a key.", "SyntaxError");
    return [...new Set(list)];
  }

  function hmacKey(bytes: Uint8Array, algorithm: unknown, extractable: unknown, usages: unknown): CryptoKey {
    requireHmac(algorithm);
    const alg = algorithm as { hash?: unknown; length?: unknown };
    if (alg.hash === undefined) throw new TypeError("HmacImportParams: hash is required");
    const hash = hashName(alg.hash);
    if (bytes.byteLength === 0) throw new DOMException("Zero-length key is not supported", "DataError");
    if (alg.length !== undefined && Number(alg.length) !== bytes.byteLength * 8) throw new DOMException("Invalid key length", "DataError");
    return new CryptoKey(INTERNAL, bytes, hash, Boolean(extractable), checkUsages(usages));
  }

  function usableKey(key: unknown, usage: string): CryptoKey {
    if (!isKey(key)) throw new TypeError('The "key" argument must be an instance of CryptoKey');
    if (!key.usages.includes(usage)) throw new DOMException(`Unable to use this key to ${usage}`, "InvalidAccessError");
    return key;
  }

  class SubtleCrypto {
    constructor(token?: unknown) {
      if (token !== INTERNAL) throw new TypeError("Illegal constructor");
    }
    async digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
      const hash = hashName(algorithm);
      return hostBytes(call("digest", hash, bytesOf(data, "data")), "digest").buffer as ArrayBuffer;
    }
    async importKey(format: unknown, keyData: unknown, algorithm: unknown, extractable: unknown, usages: unknown): Promise<CryptoKey> {
      requireHmac(algorithm);
      if (format === "raw") return hmacKey(bytesOf(keyData, "keyData"), algorithm, extractable, usages);
      if (format === "jwk") {
        const jwk = (keyData ?? {}) as { kty?: unknown; k?: unknown; alg?: unknown; ext?: unknown };
        if (jwk.kty !== "oct" || typeof jwk.k !== "string") throw new DOMException("Invalid JWK: an oct key with k is required", "DataError");
        if (jwk.ext === false && Boolean(extractable)) throw new DOMException("JWK ext is false but the key is extractable", "DataError");
        const key = hmacKey(fromBase64url(jwk.k), algorithm, extractable, usages);
        if (jwk.alg !== undefined && jwk.alg !== JWK_ALG[keyHash(key)]) throw new DOMException("JWK alg does not match the hash", "DataError");
        return key;
      }
      throw new DOMException(`Unsupported key format: ${String(format)}`, "NotSupportedError");
    }
    async exportKey(format: unknown, key: unknown): Promise<ArrayBuffer | Record<string, unknown>> {
      if (!isKey(key)) throw new TypeError('The "key" argument must be an instance of CryptoKey');
      if (!key.extractable) throw new DOMException("key is not extractable", "InvalidAccessError");
      const bytes = keyBytes(key).slice();
      if (format === "raw") return bytes.buffer as ArrayBuffer;
      if (format === "jwk") return { kty: "oct", k: base64url(bytes), alg: JWK_ALG[keyHash(key)], key_ops: key.usages, ext: true };
      throw new DOMException(`Unsupported key format: ${String(format)}`, "NotSupportedError");
    }
    async generateKey(algorithm: unknown, extractable: unknown, usages: unknown): Promise<CryptoKey> {
      requireHmac(algorithm);
      const alg = algorithm as { hash?: unknown; length?: unknown };
      const hash = hashName(alg.hash);
      const bits = alg.length === undefined ? (BLOCK_BITS[hash] as number) : Number(alg.length);
      if (!(bits > 0 && bits % 8 === 0 && bits <= MAX_RANDOM * 8)) throw new DOMException("Unsupported key length", "OperationError");
      return hmacKey(randomBytes(bits / 8), algorithm, extractable, usages);
    }
    async sign(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
      requireHmac(algorithm);
      const k = usableKey(key, "sign");
      return hostBytes(call("hmacSign", keyHash(k), keyBytes(k), bytesOf(data, "data")), "sign").buffer as ArrayBuffer;
    }
    async verify(algorithm: unknown, key: unknown, signature: unknown, data: unknown): Promise<boolean> {
      requireHmac(algorithm);
      const k = usableKey(key, "verify");
      const result = call("hmacVerify", keyHash(k), keyBytes(k), bytesOf(signature, "signature"), bytesOf(data, "data"));
      if (typeof result !== "boolean") throw new DOMException("verify failed", "OperationError");
      return result;
    }
  }
  for (const name of ["encrypt", "decrypt", "deriveBits", "deriveKey", "wrapKey", "unwrapKey"]) {
    Object.defineProperty(SubtleCrypto.prototype, name, {
      value: async () => {
        throw new DOMException(`crypto.subtle.${name} is not supported in fnmesh isolates`, "NotSupportedError");
      },
      writable: true,
      configurable: true,
    });
  }

  const subtle = new SubtleCrypto(INTERNAL);
  class Crypto {
    constructor(token?: unknown) {
      if (token !== INTERNAL) throw new TypeError("Illegal constructor");
    }
    get subtle(): SubtleCrypto {
      return subtle;
    }
    getRandomValues<T>(array: T): T {
      return getRandomValues(array);
    }
    randomUUID(): string {
      return randomUUID();
    }
  }
  for (const cls of [Crypto, SubtleCrypto, CryptoKey]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
  }

  rt.web.defineGlobal("crypto", new Crypto(INTERNAL));
  rt.web.defineGlobal("Crypto", Crypto);
  rt.web.defineGlobal("SubtleCrypto", SubtleCrypto);
  rt.web.defineGlobal("CryptoKey", CryptoKey);
}
