// node:crypto: hashes, HMACs, AES-CBC/CTR/GCM ciphers, pbkdf2 and scrypt computed by the host's
// node:crypto (OpenSSL, so every result is Node's), through the isolate's binding; the host holds
// each unfinished hash or cipher, so update() streams as in Node. Each call is one synchronous
// host call, charged to the invocation's host-work meter. Randomness and webcrypto are the
// isolate's own `crypto` global (host-backed too). Hash, Hmac, Cipheriv and Decipheriv are
// streams as in Node; node:stream loads only when one is used as a stream.
const { Buffer } = require("node:buffer");

const BINDING = Symbol.for("fnmesh.node");

const { codedError, describe } = require("./node-errors.cjs");

function invalidArgType(name, expected, value) {
  return codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}.${describe(value)}`);
}

function host(op, a, b, c, d) {
  const binding = globalThis[BINDING];
  if (binding === undefined) throw new Error("node:crypto in fnmesh computes on the host of an fnmesh isolate, and this code runs outside one");
  const result = binding.crypto(op, a, b, c, d);
  if (result === null) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", `Invalid state for operation ${op}`);
  if (typeof result === "object" && !Array.isArray(result) && !ArrayBuffer.isView(result) && result.error !== undefined) {
    const { name, message, code } = result.error;
    throw codedError(name === "TypeError" ? TypeError : name === "RangeError" ? RangeError : Error, code, message);
  }
  return result;
}

const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Plain bytes for the host: a view of exactly the data (a copy if it sits in a larger buffer). */
function plainBytes(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return view.byteLength === view.buffer.byteLength ? bytes : bytes.slice();
}

// The `buffer` package predates Node's base64url encoding (Node 15.7); crypto speaks it itself.
function fromString(text, encoding) {
  if (encoding === "base64url") return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return Buffer.from(text, encoding === "buffer" ? "utf8" : encoding);
}

function toBytes(data, encoding, name = "data") {
  if (typeof data === "string") return plainBytes(fromString(data, encoding));
  if (ArrayBuffer.isView(data)) return plainBytes(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

function keyBytes(key, encoding, name = "key") {
  if (key instanceof KeyObject) return key.export();
  if (typeof key === "string") return plainBytes(fromString(key, encoding ?? "utf8"));
  if (ArrayBuffer.isView(key)) return plainBytes(key);
  if (key instanceof ArrayBuffer) return new Uint8Array(key);
  throw invalidArgType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey", key);
}

function encoded(buffer, encoding) {
  if (encoding === undefined || encoding === "buffer") return buffer;
  if (encoding === "base64url") return buffer.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return buffer.toString(encoding);
}

// ---- Node's LazyTransform, with node:stream itself loaded on first stream use ----

const STREAM_METHODS = ["pipe", "unpipe", "on", "once", "off", "addListener", "removeListener", "prependListener", "prependOnceListener", "emit", "write", "end", "read", "resume", "pause", "destroy", "setEncoding", "cork", "uncork", "listenerCount", "removeAllListeners", Symbol.asyncIterator];
const STREAM_STATE = ["_readableState", "_writableState"];

function LazyTransform(options) {
  this._options = options;
}

let streamLoaded = false;
function loadStream() {
  if (streamLoaded) return;
  streamLoaded = true;
  const { Transform } = require("node:stream");
  for (const name of STREAM_METHODS) delete LazyTransform.prototype[name];
  Object.setPrototypeOf(LazyTransform.prototype, Transform.prototype);
  Object.setPrototypeOf(LazyTransform, Transform);
}

function initStream(self) {
  loadStream();
  for (const name of STREAM_STATE) delete self[name];
  require("node:stream").Transform.call(self, self._options);
  self._writableState.decodeStrings = false;
}

for (const name of STREAM_METHODS) {
  Object.defineProperty(LazyTransform.prototype, name, {
    value: function (...args) {
      loadStream();
      return this[name](...args);
    },
    configurable: true,
    writable: true,
  });
}
for (const name of STREAM_STATE) {
  Object.defineProperty(LazyTransform.prototype, name, {
    get() {
      initStream(this);
      return this[name];
    },
    set(value) {
      Object.defineProperty(this, name, { value, enumerable: true, configurable: true, writable: true });
    },
    configurable: true,
    enumerable: true,
  });
}

// ---- hashes ----

const kHandle = Symbol("kHandle");
const kDone = Symbol("kDone");

function checkAlgorithm(algorithm, name = "algorithm") {
  if (typeof algorithm !== "string") throw invalidArgType(name, "of type string", algorithm);
}

function Hash(algorithm, options, handle) {
  if (!(this instanceof Hash)) return new Hash(algorithm, options);
  if (handle === undefined) checkAlgorithm(algorithm);
  LazyTransform.call(this, options);
  const outputLength = options?.outputLength;
  this[kHandle] = handle ?? host("hash", algorithm, outputLength);
  this[kDone] = false;
}
Object.setPrototypeOf(Hash.prototype, LazyTransform.prototype);

Hash.prototype.copy = function copy(options) {
  if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
  return new Hash(undefined, options, host("copy", this[kHandle]));
};
Hash.prototype.update = function update(data, encoding) {
  if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
  host("update", this[kHandle], toBytes(data, encoding));
  return this;
};
Hash.prototype.digest = function digest(encoding) {
  if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
  this[kDone] = true;
  return encoded(asBuffer(host("digest", this[kHandle])), encoding);
};
Hash.prototype._transform = function _transform(chunk, encoding, callback) {
  this.update(chunk, encoding);
  callback();
};
Hash.prototype._flush = function _flush(callback) {
  this.push(this.digest());
  callback();
};

function Hmac(algorithm, key, options) {
  if (!(this instanceof Hmac)) return new Hmac(algorithm, key, options);
  checkAlgorithm(algorithm, "hmac");
  LazyTransform.call(this, options);
  this[kHandle] = host("hmac", algorithm, keyBytes(key, options?.encoding));
  this[kDone] = false;
}
Object.setPrototypeOf(Hmac.prototype, LazyTransform.prototype);
Hmac.prototype.update = Hash.prototype.update;
// Node: a second digest() of an Hmac gives an empty result rather than throwing.
Hmac.prototype.digest = function digest(encoding) {
  if (this[kDone]) return encoded(Buffer.alloc(0), encoding);
  this[kDone] = true;
  return encoded(asBuffer(host("digest", this[kHandle])), encoding);
};
Hmac.prototype._transform = Hash.prototype._transform;
Hmac.prototype._flush = Hash.prototype._flush;

// ---- ciphers ----

const kTag = Symbol("kTag");
const kDecoder = Symbol("kDecoder");

function initCipher(self, op, cipher, key, iv, options) {
  checkAlgorithm(cipher, "cipher");
  const keyData = keyBytes(key);
  let ivData = null;
  if (iv !== null) {
    if (typeof iv !== "string" && !ArrayBuffer.isView(iv) && !(iv instanceof ArrayBuffer)) {
      throw invalidArgType("iv", "of type string or an instance of Buffer, TypedArray, or DataView", iv);
    }
    ivData = toBytes(iv, "utf8", "iv");
  }
  LazyTransform.call(self, options);
  self[kHandle] = host(op, cipher, keyData, ivData, options?.authTagLength);
  self[kDone] = false;
  self[kTag] = null;
  self[kDecoder] = undefined;
}

function cipherOutput(self, buffer, encoding, last) {
  if (encoding === undefined || encoding === "buffer") return buffer;
  if (self[kDecoder] === undefined) {
    const { StringDecoder } = require("node:string_decoder");
    self[kDecoder] = new StringDecoder(encoding);
  }
  return last ? self[kDecoder].end(buffer) : self[kDecoder].write(buffer);
}

const cipherMethods = {
  update(data, inputEncoding, outputEncoding) {
    if (this[kDone]) throw new Error("Trying to add data in unsupported state");
    return cipherOutput(this, asBuffer(host("update", this[kHandle], toBytes(data, inputEncoding))), outputEncoding, false);
  },
  final(outputEncoding) {
    if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", "Invalid state");
    const [out, tag] = host("final", this[kHandle]);
    this[kDone] = true;
    if (tag !== null) this[kTag] = asBuffer(tag);
    return cipherOutput(this, asBuffer(out), outputEncoding, true);
  },
  setAutoPadding(autoPadding = true) {
    if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAutoPadding");
    host("setAutoPadding", this[kHandle], Boolean(autoPadding));
    return this;
  },
  setAAD(buffer, options) {
    if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAAD");
    host("setAAD", this[kHandle], toBytes(buffer, undefined, "buffer"), options?.plaintextLength);
    return this;
  },
  _transform(chunk, encoding, callback) {
    this.push(this.update(chunk, encoding));
    callback();
  },
  _flush(callback) {
    try {
      this.push(this.final());
    } catch (error) {
      callback(error);
      return;
    }
    callback();
  },
};

function Cipheriv(cipher, key, iv, options) {
  if (!(this instanceof Cipheriv)) return new Cipheriv(cipher, key, iv, options);
  initCipher(this, "cipher", cipher, key, iv, options);
}
Object.setPrototypeOf(Cipheriv.prototype, LazyTransform.prototype);
Object.assign(Cipheriv.prototype, cipherMethods);
Cipheriv.prototype.getAuthTag = function getAuthTag() {
  if (this[kTag] === null) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation getAuthTag");
  return this[kTag];
};

function Decipheriv(cipher, key, iv, options) {
  if (!(this instanceof Decipheriv)) return new Decipheriv(cipher, key, iv, options);
  initCipher(this, "decipher", cipher, key, iv, options);
}
Object.setPrototypeOf(Decipheriv.prototype, LazyTransform.prototype);
Object.assign(Decipheriv.prototype, cipherMethods);
Decipheriv.prototype.setAuthTag = function setAuthTag(tag, encoding) {
  if (this[kDone]) throw codedError(Error, "ERR_CRYPTO_INVALID_STATE", "Invalid state for operation setAuthTag");
  host("setAuthTag", this[kHandle], toBytes(tag, encoding, "buffer"));
  return this;
};

// ---- secret keys ----

class KeyObject {
  #bytes;
  constructor(type, bytes) {
    if (type !== "secret") throw codedError(TypeError, "ERR_INVALID_ARG_VALUE", "fnmesh isolates support only secret KeyObjects");
    this.#bytes = bytes;
  }
  get type() {
    return "secret";
  }
  get symmetricKeySize() {
    return this.#bytes.byteLength;
  }
  export(options) {
    const out = Buffer.from(this.#bytes);
    return options?.format === "jwk" ? { kty: "oct", k: encoded(out, "base64url") } : out;
  }
  equals(other) {
    return other instanceof KeyObject && timingSafeEqualBytes(this.#bytes, other.export());
  }
}

function createSecretKey(key, encoding) {
  return new KeyObject("secret", keyBytes(key, encoding).slice());
}

// ---- key derivation ----

function passwordBytes(value, name) {
  if (typeof value === "string") return plainBytes(Buffer.from(value, "utf8"));
  if (ArrayBuffer.isView(value)) return plainBytes(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof KeyObject) return value.export();
  throw invalidArgType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", value);
}

function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  const passwordData = passwordBytes(password, "password");
  const saltData = passwordBytes(salt, "salt");
  if (typeof digest !== "string") throw invalidArgType("digest", "of type string", digest);
  return asBuffer(host("pbkdf2", passwordData, saltData, [iterations, keylen], digest));
}

function checkCallback(callback) {
  if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
}

// Node computes these on its thread pool; here the host computes them at once and the callback
// runs on a later turn, as in Node.
function later(callback, compute) {
  let result;
  let error = null;
  try {
    result = compute();
  } catch (err) {
    error = err;
  }
  globalThis.setImmediate(() => (error === null ? callback(null, result) : callback(error)));
}

function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  checkCallback(callback);
  const passwordData = passwordBytes(password, "password");
  const saltData = passwordBytes(salt, "salt");
  if (typeof digest !== "string") throw invalidArgType("digest", "of type string", digest);
  later(callback, () => asBuffer(host("pbkdf2", passwordData, saltData, [iterations, keylen], digest)));
}

function scryptOptions(options = {}) {
  const pick = (a, b) => (options[a] !== undefined ? options[a] : options[b]);
  const out = {};
  const N = pick("N", "cost");
  const r = pick("r", "blockSize");
  const p = pick("p", "parallelization");
  if (N !== undefined) out.N = N;
  if (r !== undefined) out.r = r;
  if (p !== undefined) out.p = p;
  if (options.maxmem !== undefined) out.maxmem = options.maxmem;
  return out;
}

function scryptSync(password, salt, keylen, options) {
  return asBuffer(host("scrypt", passwordBytes(password, "password"), passwordBytes(salt, "salt"), keylen, scryptOptions(options)));
}

function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = undefined;
  }
  checkCallback(callback);
  const passwordData = passwordBytes(password, "password");
  const saltData = passwordBytes(salt, "salt");
  const resolved = scryptOptions(options);
  later(callback, () => asBuffer(host("scrypt", passwordData, saltData, keylen, resolved)));
}

// ---- randomness (the isolate's web crypto: host entropy, pooled) ----

const MAX_SIZE = 2 ** 31 - 1;

function checkSize(size, name = "size") {
  if (typeof size !== "number") throw invalidArgType(name, "of type number", size);
  if (!(size >= 0 && size <= MAX_SIZE) || !Number.isInteger(size)) {
    throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be >= 0 && <= ${MAX_SIZE}. Received ${size}`);
  }
}

function fillRandom(bytes) {
  for (let at = 0; at < bytes.byteLength; at += 65536) globalThis.crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, bytes.byteLength)));
  return bytes;
}

function randomBytes(size, callback) {
  checkSize(size);
  if (callback !== undefined) checkCallback(callback);
  const buffer = fillRandom(Buffer.alloc(size));
  if (callback === undefined) return buffer;
  globalThis.setImmediate(() => callback(null, buffer));
}

function randomFillSync(buffer, offset = 0, size) {
  if (!ArrayBuffer.isView(buffer) && !(buffer instanceof ArrayBuffer)) {
    throw invalidArgType("buf", "an instance of ArrayBuffer or ArrayBufferView", buffer);
  }
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
  const length = size ?? bytes.byteLength - offset;
  fillRandom(bytes.subarray(offset, offset + length));
  return buffer;
}

function randomFill(buffer, offset, size, callback) {
  if (typeof offset === "function") [offset, size, callback] = [0, undefined, offset];
  else if (typeof size === "function") [size, callback] = [undefined, size];
  checkCallback(callback);
  randomFillSync(buffer, offset, size);
  globalThis.setImmediate(() => callback(null, buffer));
}

// Node's randomInt: rejection sampling over 48-bit values.
const RAND_MAX = 0xffff_ffff_ffff;
function randomInt(min, max, callback) {
  if (typeof max === "undefined" || typeof max === "function") {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min)) throw invalidArgType("min", "a safe integer", min);
  if (!Number.isSafeInteger(max)) throw invalidArgType("max", "a safe integer", max);
  if (max <= min) {
    throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
  }
  const range = max - min;
  if (!(range <= RAND_MAX)) {
    throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "max - min" is out of range. It must be <= ${RAND_MAX}. Received ${range}`);
  }
  if (callback !== undefined) checkCallback(callback);
  const limit = RAND_MAX - (RAND_MAX % range);
  const six = new Uint8Array(6);
  let value;
  do {
    fillRandom(six);
    value = six.reduce((sum, byte) => sum * 256 + byte, 0);
  } while (value >= limit);
  const n = min + (value % range);
  if (callback === undefined) return n;
  globalThis.setImmediate(() => callback(null, n));
}

function timingSafeEqualBytes(a, b) {
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function timingSafeEqual(buf1, buf2) {
  const view = (value, name) => {
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.${describe(value)}`);
  };
  const a = view(buf1, "buf1");
  const b = view(buf2, "buf2");
  if (a.byteLength !== b.byteLength) throw codedError(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
  return timingSafeEqualBytes(a, b);
}

// ---- lists, one-shot hash, webcrypto ----

let lists;
const hostLists = () => (lists ??= host("list"));

module.exports = {
  createHash: (algorithm, options) => new Hash(algorithm, options),
  createHmac: (algorithm, key, options) => new Hmac(algorithm, key, options),
  createCipheriv: (cipher, key, iv, options) => new Cipheriv(cipher, key, iv, options),
  createDecipheriv: (cipher, key, iv, options) => new Decipheriv(cipher, key, iv, options),
  hash: (algorithm, data, outputEncoding = "hex") => new Hash(algorithm).update(data).digest(outputEncoding),
  Hash,
  Hmac,
  Cipheriv,
  Decipheriv,
  KeyObject,
  createSecretKey,
  pbkdf2,
  pbkdf2Sync,
  scrypt,
  scryptSync,
  randomBytes,
  pseudoRandomBytes: randomBytes,
  prng: randomBytes,
  rng: randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID: () => globalThis.crypto.randomUUID(),
  getRandomValues: (array) => globalThis.crypto.getRandomValues(array),
  timingSafeEqual,
  getHashes: () => [...hostLists()[0]],
  getCiphers: () => [...hostLists()[1]],
  getCurves: () => [],
  getFips: () => 0,
  constants: {},
  get webcrypto() {
    return globalThis.crypto;
  },
  get subtle() {
    return globalThis.crypto.subtle;
  },
};
