// node:buffer: feross's `buffer` (what browserify ships), plus the web globals Node re-exports
// that the isolate has (it has no Blob or File).
const buffer = require("buffer/");

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

module.exports = {
  ...buffer,
  constants: { MAX_LENGTH: buffer.kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 },
  atob: globalThis.atob,
  btoa: globalThis.btoa,
};
