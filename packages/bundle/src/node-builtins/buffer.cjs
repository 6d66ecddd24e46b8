// node:buffer: feross's `buffer` (what browserify ships), plus the web globals Node re-exports
// that the isolate has (it has no Blob or File).
const buffer = require("buffer/");
const { codedError, describe } = require("./node-errors.cjs");

// `buffer` 6 predates Node's base64url encoding (Node 15.7), common in JWT code. Its base64
// decoder already accepts the URL-safe alphabet: base64url reads as base64 and writes as base64
// in the URL-safe alphabet without padding.
const { Buffer } = buffer;
const isBase64url = (value) => typeof value === "string" && value.toLowerCase() === "base64url";
const asBase64 = (args) => Array.prototype.map.call(args, (value) => (isBase64url(value) ? "base64" : value));
const urlSafe = (text) => text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const { toString, write, fill } = Buffer.prototype;
const { from, byteLength, isEncoding, alloc } = Buffer;
Buffer.prototype.toString = function (encoding, start, end) {
  return isBase64url(encoding) ? urlSafe(toString.call(this, "base64", start, end)) : toString.apply(this, arguments);
};
Buffer.prototype.toLocaleString = Buffer.prototype.toString;
Buffer.prototype.write = function () {
  return write.apply(this, asBase64(arguments));
};
Buffer.prototype.fill = function () {
  return fill.apply(this, asBase64(arguments));
};
Buffer.from = function () {
  return from.apply(this, asBase64(arguments));
};
Buffer.byteLength = function () {
  return byteLength.apply(this, asBase64(arguments));
};
Buffer.alloc = function () {
  return alloc.apply(this, asBase64(arguments));
};
Buffer.isEncoding = (encoding) => isBase64url(encoding) || isEncoding(encoding);

// UTF-8 text as Node (V8) decodes it: `buffer` 6 replaces a bad sequence byte by byte, V8 (and
// the WHATWG decoder the isolate has) once per maximal bad subpart; a BOM stays text.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const patchedToString = Buffer.prototype.toString;
Buffer.prototype.toString = function (encoding, start, end) {
  if (encoding !== undefined && !(typeof encoding === "string" && /^utf-?8$/i.test(encoding))) return patchedToString.apply(this, arguments);
  const length = this.length;
  start = start === undefined || start <= 0 ? 0 : Math.trunc(start) || 0;
  end = end === undefined || end > length ? length : Math.trunc(end) || 0;
  return end <= start ? "" : utf8.decode(this.subarray(start, end));
};
Buffer.prototype.toLocaleString = Buffer.prototype.toString;

// Node compares with any Uint8Array, not only a Buffer.
const { equals } = Buffer.prototype;
Buffer.prototype.equals = function (otherBuffer) {
  if (!(otherBuffer instanceof Uint8Array)) {
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "otherBuffer" argument must be an instance of Buffer or Uint8Array.${describe(otherBuffer)}`);
  }
  return equals.call(this, Buffer.isBuffer(otherBuffer) ? otherBuffer : Buffer.from(otherBuffer.buffer, otherBuffer.byteOffset, otherBuffer.byteLength));
};

// Node searches for any Uint8Array, and finds an empty needle at the (clamped) offset, as
// String#indexOf does; `buffer` 6 refuses the first and never finds the second.
function emptyNeedleAt(length, byteOffset, forward) {
  let at = typeof byteOffset === "string" ? NaN : +byteOffset;
  if (Number.isNaN(at)) at = forward ? 0 : length;
  at = Math.trunc(at);
  if (at < 0) at = Math.max(length + at, 0);
  return Math.min(at, length);
}
const asBuffer = (value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
const isEmptyNeedle = (value) => (typeof value === "string" || value instanceof Uint8Array) && value.length === 0;
for (const [name, forward] of [["indexOf", true], ["lastIndexOf", false]]) {
  const search = Buffer.prototype[name];
  Buffer.prototype[name] = function (value, byteOffset, encoding) {
    if (isEmptyNeedle(value)) return emptyNeedleAt(this.length, byteOffset, forward);
    return search.call(this, asBuffer(value), byteOffset, encoding);
  };
}

// NaN as Node (a Float32Array/Float64Array) writes it, a quiet NaN keeping its sign; `buffer` 6's
// ieee754 writes a signalling one (…0001).
for (const [name, size, littleEndian] of [["writeFloatLE", 4, true], ["writeFloatBE", 4, false], ["writeDoubleLE", 8, true], ["writeDoubleBE", 8, false]]) {
  const write = Buffer.prototype[name];
  Buffer.prototype[name] = function (value, offset) {
    const end = write.apply(this, arguments);
    if (Number.isNaN(+value)) {
      const view = new DataView(this.buffer, this.byteOffset, this.byteLength);
      if (size === 4) view.setFloat32(offset >>> 0, +value, littleEndian);
      else view.setFloat64(offset >>> 0, +value, littleEndian);
    }
    return end;
  };
}

function bytesToCheck(input) {
  const isBytes = ArrayBuffer.isView(input) && !(input instanceof DataView);
  if (!isBytes && !(input instanceof ArrayBuffer)) {
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray.${describe(input)}`);
  }
  if ((isBytes ? input.buffer : input).detached === true) {
    throw codedError(Error, "ERR_INVALID_STATE", "Invalid state: Cannot validate on a detached buffer");
  }
  return isBytes ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
}

// Node 18.14/19.4's buffer.isUtf8 and 19.6's buffer.isAscii.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function isUtf8(input) {
  const bytes = bytesToCheck(input);
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
function isAscii(input) {
  const bytes = bytesToCheck(input);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

module.exports = {
  ...buffer,
  constants: { MAX_LENGTH: buffer.kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 },
  kStringMaxLength: (1 << 29) - 24,
  isUtf8,
  isAscii,
  atob: globalThis.atob,
  btoa: globalThis.btoa,
};
