"use strict";
// node:string_decoder: Node's StringDecoder, written after Node's own (src/string_decoder.cc), as
// npm string_decoder 1.3 differs: it knows no base64url and replaces bad UTF-8 byte by byte where
// Node (V8) replaces each maximal bad subpart once. A chunk's incomplete tail waits for the next:
// a UTF-8 character (its lead byte decides the length; a byte that is not a continuation ends it
// early), a UTF-16 unit or a trailing high surrogate, a base64 group of 3 bytes.
const { Buffer } = require("node:buffer");
const { codedError, describe } = require("./node-errors.cjs");

const ENCODINGS = new Map([
  ["utf8", "utf8"], ["utf-8", "utf8"], ["ucs2", "utf16le"], ["ucs-2", "utf16le"], ["utf16le", "utf16le"],
  ["utf-16le", "utf16le"], ["latin1", "latin1"], ["binary", "latin1"], ["base64", "base64"],
  ["base64url", "base64url"], ["hex", "hex"], ["ascii", "ascii"],
]);
const BUFFERING = new Set(["utf8", "utf16le", "base64", "base64url"]);
const kState = Symbol("kStringDecoderState");
const utf8 = new TextDecoder("utf-8");

function normalize(encoding) {
  if (encoding === undefined || encoding === null || encoding === "") return "utf8";
  const name = ENCODINGS.get(String(encoding).toLowerCase());
  if (name === undefined) throw codedError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
  return name;
}

function StringDecoder(encoding) {
  const name = normalize(encoding);
  this.encoding = name;
  this[kState] = { char: Buffer.alloc(4), buffered: 0, missing: 0 };
}

function stateOf(decoder) {
  const state = decoder === null || typeof decoder !== "object" ? undefined : decoder[kState];
  if (state === undefined || !Object.prototype.hasOwnProperty.call(decoder, kState)) {
    throw codedError(TypeError, "ERR_INVALID_THIS", 'Value of "this" must be of type StringDecoder');
  }
  return state;
}

function bytesOf(buf) {
  if (!ArrayBuffer.isView(buf)) {
    throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "buf" argument must be an instance of Buffer, TypedArray, or DataView.${describe(buf)}`);
  }
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

function decodeBytes(encoding, bytes) {
  if (bytes.length === 0) return "";
  if (encoding === "utf8") return utf8.decode(bytes);
  if (encoding === "utf16le") return bytes.subarray(0, bytes.length - (bytes.length % 2)).toString("utf16le");
  return bytes.toString(encoding);
}

/** How many bytes the UTF-8 character led by `byte` has, or 0 when `byte` leads none. */
function utf8Length(byte) {
  if ((byte & 0xe0) === 0xc0) return 2;
  if ((byte & 0xf0) === 0xe0) return 3;
  if ((byte & 0xf8) === 0xf0) return 4;
  return 0;
}

/** Where `bytes`' incomplete tail starts and how many bytes it lacks ([length, 0] when none). */
function incompleteTail(encoding, bytes) {
  const end = bytes.length;
  if (encoding === "utf8") {
    for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
      if ((bytes[i] & 0xc0) === 0x80) continue;
      const need = utf8Length(bytes[i]);
      return need > end - i ? [i, need - (end - i)] : [end, 0];
    }
    return [end, 0];
  }
  if (encoding === "utf16le") {
    if (end % 2 === 1) return [end - 1, 1];
    const last = end >= 2 ? bytes[end - 1] : 0;
    return end >= 2 && last >= 0xd8 && last <= 0xdb ? [end - 2, 2] : [end, 0];
  }
  const rest = end % 3;
  return rest === 0 ? [end, 0] : [end - rest, 3 - rest];
}

StringDecoder.prototype.write = function write(buf) {
  const state = stateOf(this);
  if (typeof buf === "string") return buf;
  let bytes = bytesOf(buf);
  if (!BUFFERING.has(this.encoding)) return decodeBytes(this.encoding, bytes);
  let prefix = "";
  if (state.missing > 0) {
    let taken = 0;
    while (taken < bytes.length && state.missing > 0) {
      // A UTF-8 character ends early at a byte that does not continue it.
      if (this.encoding === "utf8" && (bytes[taken] & 0xc0) !== 0x80) {
        state.missing = 0;
        break;
      }
      state.char[state.buffered++] = bytes[taken++];
      state.missing--;
    }
    bytes = bytes.subarray(taken);
    if (state.missing > 0) return "";
    prefix = decodeBytes(this.encoding, state.char.subarray(0, state.buffered));
    state.buffered = 0;
  }
  const [cut, missing] = incompleteTail(this.encoding, bytes);
  const text = decodeBytes(this.encoding, bytes.subarray(0, cut));
  if (missing > 0) {
    state.char.set(bytes.subarray(cut));
    state.buffered = bytes.length - cut;
    state.missing = missing;
  }
  return prefix + text;
};

StringDecoder.prototype.end = function end(buf) {
  const state = stateOf(this);
  const text = buf === undefined ? "" : this.write(buf);
  const rest = state.buffered > 0 ? decodeBytes(this.encoding, state.char.subarray(0, state.buffered)) : "";
  state.buffered = 0;
  state.missing = 0;
  return text + rest;
};

/** Decodes `buf` from `offset` on, as write() does. */
StringDecoder.prototype.text = function text(buf, offset) {
  stateOf(this);
  const bytes = bytesOf(buf);
  return this.write(bytes.subarray(Math.min(offset, bytes.length)));
};

Object.defineProperties(StringDecoder.prototype, {
  lastChar: { configurable: true, enumerable: true, get() { return stateOf(this).char; } },
  lastNeed: { configurable: true, enumerable: true, get() { return stateOf(this).missing; } },
  lastTotal: { configurable: true, enumerable: true, get() { const s = stateOf(this); return s.buffered + s.missing; } },
});

module.exports = { StringDecoder };
