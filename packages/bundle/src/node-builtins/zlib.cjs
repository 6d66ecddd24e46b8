// node:zlib: the deflate family (deflate/inflate, gzip/gunzip, deflateRaw/inflateRaw, unzip) in the
// isolate by fflate (0BSD, kept, streaming, no dependencies), on the function's own CPU time and
// heap; brotli by the host's node:zlib in one synchronous call (no maintained brotli compressor is
// pure JavaScript, and isolates have no WebAssembly), metered as host work. Node's API around
// them: sync, callback (util.promisify-able) and stream forms, options, constants, errors.
// Output bytes may differ from Node's (another deflate implementation); every output is valid and
// round-trips with Node's zlib.
const fflate = require("fflate");
const { Buffer, kMaxLength } = require("node:buffer");
const constants = { ...require("./zlib-constants.json"), Z_MAX_CHUNK: Infinity };

const BINDING = Symbol.for("fnmesh.node");

const codes = {};
for (const name of ["Z_OK", "Z_STREAM_END", "Z_NEED_DICT", "Z_ERRNO", "Z_STREAM_ERROR", "Z_DATA_ERROR", "Z_MEM_ERROR", "Z_BUF_ERROR", "Z_VERSION_ERROR"]) {
  codes[name] = constants[name];
  codes[constants[name]] = name;
}

const { codedError, describe } = require("./node-errors.cjs");

// fflate's error codes as zlib's messages (what Node reports).
const FLATE_ERRORS = {
  0: ["unexpected end of file", "Z_BUF_ERROR"],
  1: ["invalid block type", "Z_DATA_ERROR"],
  2: ["invalid literal/length code", "Z_DATA_ERROR"],
  3: ["invalid distance code", "Z_DATA_ERROR"],
  6: ["incorrect header check", "Z_DATA_ERROR"],
};

function zlibError(err) {
  if (err === null || typeof err !== "object" || typeof err.code !== "number") return err;
  const [message, code] = FLATE_ERRORS[err.code] ?? [err.message, "Z_DATA_ERROR"];
  const error = new Error(message);
  error.errno = constants[code];
  error.code = code;
  return error;
}

function toInput(buffer, name = "buffer") {
  if (typeof buffer === "string") return Buffer.from(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer.${describe(buffer)}`);
}

function checkRange(name, value, min, max) {
  if (value === undefined) return;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.${name}" property must be of type number.${describe(value)}`);
  }
  if (!(value >= min && value <= max)) {
    throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "options.${name}" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
  }
}

// ---- the deflate family ----

const KINDS = ["deflate", "inflate", "gzip", "gunzip", "deflateRaw", "inflateRaw", "unzip"];
const COMPRESSORS = new Set(["deflate", "gzip", "deflateRaw"]);

function checkOptions(kind, options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options" argument must be of type object.${describe(options)}`);
  checkRange("level", options.level, -1, 9);
  checkRange("windowBits", options.windowBits, COMPRESSORS.has(kind) ? 8 : 0, 15);
  checkRange("memLevel", options.memLevel, 1, 9);
  checkRange("strategy", options.strategy, 0, 4);
  checkRange("chunkSize", options.chunkSize, 64, Infinity);
  if (options.maxOutputLength !== undefined) checkRange("maxOutputLength", options.maxOutputLength, 1, kMaxLength);
  return options;
}

/** fflate's streaming processor for `kind`; `unzip` is gzip or zlib by the first byte, as Node's. */
function flateEngine(kind, options) {
  const level = options.level === undefined || options.level === -1 ? 6 : options.level;
  const dictionary = options.dictionary === undefined ? undefined : toInput(options.dictionary, "options.dictionary");
  switch (kind) {
    case "deflate":
      return new fflate.Zlib({ level, dictionary });
    case "inflate":
      return new fflate.Unzlib({ dictionary });
    case "gzip":
      // mtime 0 and no file name, as Node's gzip header.
      return new fflate.Gzip({ level, mtime: 0 });
    case "gunzip":
      return new fflate.Gunzip();
    case "deflateRaw":
      return new fflate.Deflate({ level, dictionary });
    case "inflateRaw":
      return new fflate.Inflate({ dictionary });
    case "unzip":
      return unzipEngine(dictionary);
  }
}

function unzipEngine(dictionary) {
  let inner;
  let pending = new Uint8Array(0);
  const engine = {
    ondata: undefined,
    push(chunk, final) {
      if (inner === undefined) {
        const joined = new Uint8Array(pending.length + chunk.length);
        joined.set(pending);
        joined.set(chunk, pending.length);
        if (joined.length < 2 && !final) {
          pending = joined;
          return;
        }
        inner = joined[0] === 0x1f && joined[1] === 0x8b ? new fflate.Gunzip() : new fflate.Unzlib({ dictionary });
        inner.ondata = (data, last) => engine.ondata(data, last);
        chunk = joined;
      }
      inner.push(chunk, final);
    },
  };
  return engine;
}

/** Runs `input` through a fresh engine; the output as one Buffer. */
function processSync(kind, input, options) {
  const engine = flateEngine(kind, options);
  const max = options.maxOutputLength ?? kMaxLength;
  const chunks = [];
  let total = 0;
  engine.ondata = (chunk) => {
    total += chunk.length;
    if (total > max) throw codedError(RangeError, "ERR_BUFFER_TOO_LARGE", `Cannot create a Buffer larger than ${max} bytes`);
    chunks.push(chunk);
  };
  // finishFlush Z_SYNC_FLUSH: a truncated input gives what it holds instead of an error.
  const finish = (options.finishFlush ?? constants.Z_FINISH) === constants.Z_FINISH || COMPRESSORS.has(kind);
  try {
    engine.push(input, finish);
  } catch (err) {
    throw zlibError(err);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return options.info === true ? { buffer: out, engine: undefined } : out;
}

// ---- brotli, on the host ----

function host(op, a, b) {
  const binding = globalThis[BINDING];
  if (binding === undefined) throw new Error("node:zlib's brotli in fnmesh runs on the host of an fnmesh isolate, and this code runs outside one");
  const result = binding.zlib(op, a, b);
  if (result === null) throw codedError(TypeError, "ERR_INVALID_ARG_VALUE", `zlib: invalid arguments for ${op}`);
  if (!ArrayBuffer.isView(result)) {
    const { name, message, code, errno } = result.error;
    const error = new (name === "RangeError" ? RangeError : name === "TypeError" ? TypeError : Error)(message);
    if (errno !== undefined) error.errno = errno;
    if (code !== undefined) error.code = code;
    throw error;
  }
  return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
}

function brotliOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options" argument must be of type object.${describe(options)}`);
  if (options.params !== undefined) {
    for (const [key, value] of Object.entries(options.params)) {
      if (!/^\d+$/.test(key)) throw codedError(RangeError, "ERR_BROTLI_INVALID_PARAM", `${key} is not a valid Brotli parameter`);
      if (typeof value !== "number" && typeof value !== "boolean") {
        throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.params[key]" property must be of type number.${describe(value)}`);
      }
    }
  }
  return options;
}

function plain(bytes) {
  return bytes.byteLength === bytes.buffer.byteLength ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes).slice();
}

function brotliSync(kind, input, options) {
  const params = Object.fromEntries(Object.entries(options.params ?? {}).map(([key, value]) => [key, Number(value)]));
  return kind === "brotliCompress" ? host("brotliCompress", plain(input), params) : host("brotliDecompress", plain(input), options.maxOutputLength);
}

// ---- Node's API over both ----

function syncFunction(kind) {
  return function (buffer, options) {
    const input = toInput(buffer);
    if (kind.startsWith("brotli")) return brotliSync(kind, input, brotliOptions(options));
    return processSync(kind, input, checkOptions(kind, options));
  };
}

function callbackFunction(kind) {
  const sync = syncFunction(kind);
  return function (buffer, options, callback) {
    if (typeof options === "function") {
      callback = options;
      options = {};
    }
    if (typeof callback !== "function") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "callback" argument must be of type function.${describe(callback)}`);
    toInput(buffer);
    if (kind.startsWith("brotli")) brotliOptions(options);
    else checkOptions(kind, options);
    let result;
    let error = null;
    try {
      result = sync(buffer, options);
    } catch (err) {
      error = err;
    }
    globalThis.setImmediate(() => (error === null ? callback(null, result) : callback(error)));
  };
}

// Stream classes load node:stream on first use, so one-shot users never evaluate it.
let classes;
function streamClasses() {
  if (classes !== undefined) return classes;
  const { Transform } = require("node:stream");
  const kFlush = Symbol("kFlush");

  class ZlibBase extends Transform {
    constructor(kind, options) {
      super({ ...options, objectMode: false, readableObjectMode: false, writableObjectMode: false });
      this._kind = kind;
      this._options = options ?? {};
      this.bytesWritten = 0;
      this._start();
    }
    get _closed() {
      return this.destroyed;
    }
    _start() {}
    flush(kind, callback) {
      if (typeof kind === "function" || kind === undefined) {
        callback = kind;
        kind = constants.Z_FULL_FLUSH;
      }
      const marker = Buffer.alloc(0);
      marker[kFlush] = kind;
      this.write(marker, () => callback?.());
    }
    close(callback) {
      if (callback) this.once("close", callback);
      this.destroy();
    }
    params(_level, _strategy, callback) {
      globalThis.setImmediate(() => callback?.());
    }
    reset() {
      this._start();
    }
  }

  class FlateStream extends ZlibBase {
    constructor(kind, options) {
      super(kind, checkOptions(kind, options));
    }
    _start() {
      this._engine = flateEngine(this._kind, this._options);
      this._engine.ondata = (chunk) => this.push(Buffer.from(chunk));
    }
    _transform(chunk, encoding, callback) {
      if (typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
      try {
        if (chunk[kFlush] !== undefined) this._engine.flush?.(true);
        else {
          this.bytesWritten += chunk.length;
          this._engine.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
        }
      } catch (err) {
        callback(zlibError(err));
        return;
      }
      callback();
    }
    _flush(callback) {
      const finish = (this._options.finishFlush ?? constants.Z_FINISH) === constants.Z_FINISH || COMPRESSORS.has(this._kind);
      try {
        if (finish) this._engine.push(new Uint8Array(0), true);
      } catch (err) {
        callback(zlibError(err));
        return;
      }
      callback();
    }
  }

  // Brotli streams gather their input and compress or decompress it in one host call at the end.
  class BrotliStream extends ZlibBase {
    constructor(kind, options) {
      super(kind, brotliOptions(options));
    }
    _start() {
      this._chunks = [];
    }
    _transform(chunk, encoding, callback) {
      if (typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
      if (chunk[kFlush] === undefined) {
        this.bytesWritten += chunk.length;
        this._chunks.push(chunk);
      }
      callback();
    }
    _flush(callback) {
      try {
        this.push(brotliSync(this._kind, Buffer.concat(this._chunks), this._options));
      } catch (err) {
        callback(err);
        return;
      }
      callback();
    }
  }

  const make = (Base, kind) => {
    function Stream(options) {
      if (!new.target) return new Stream(options);
      return Reflect.construct(Base, [kind, options], new.target);
    }
    Object.setPrototypeOf(Stream.prototype, Base.prototype);
    Object.setPrototypeOf(Stream, Base);
    return Stream;
  };
  classes = {
    Deflate: make(FlateStream, "deflate"),
    Inflate: make(FlateStream, "inflate"),
    Gzip: make(FlateStream, "gzip"),
    Gunzip: make(FlateStream, "gunzip"),
    DeflateRaw: make(FlateStream, "deflateRaw"),
    InflateRaw: make(FlateStream, "inflateRaw"),
    Unzip: make(FlateStream, "unzip"),
    BrotliCompress: make(BrotliStream, "brotliCompress"),
    BrotliDecompress: make(BrotliStream, "brotliDecompress"),
  };
  return classes;
}

let crcTable;
function crc32(data, value = 0) {
  const bytes = typeof data === "string" ? Buffer.from(data) : toInput(data, "data");
  crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = ~value;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const zlib = { constants, codes, crc32 };
for (const kind of [...KINDS, "brotliCompress", "brotliDecompress"]) {
  zlib[kind] = callbackFunction(kind);
  zlib[`${kind}Sync`] = syncFunction(kind);
}
for (const name of ["Deflate", "Inflate", "Gzip", "Gunzip", "DeflateRaw", "InflateRaw", "Unzip", "BrotliCompress", "BrotliDecompress"]) {
  Object.defineProperty(zlib, name, { get: () => streamClasses()[name], enumerable: true, configurable: true });
  zlib[`create${name}`] = (options) => new (streamClasses()[name])(options);
}
// Node's legacy top-level constants (zlib.Z_BEST_COMPRESSION…), not enumerable.
for (const [name, value] of Object.entries(constants)) {
  if (name.startsWith("Z_") || name === "ZLIB_VERNUM") Object.defineProperty(zlib, name, { value, enumerable: false });
}
module.exports = zlib;
