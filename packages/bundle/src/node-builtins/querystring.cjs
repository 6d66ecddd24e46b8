// node:querystring: querystring-es3's stringify, with Node's parse (a null-prototype result,
// separators of any length), escape and unescape.
const { Buffer } = require("node:buffer");
const qs = require("querystring-es3");

// Bytes Node's escape keeps as they are: encodeURIComponent's unreserved set.
const KEEP = /[A-Za-z0-9\-_.!~*'()]/;

function hex(byte) {
  return "%" + (byte < 16 ? "0" : "") + byte.toString(16).toUpperCase();
}

// Node's querystring.escape: UTF-8 percent-encoding one UTF-16 unit at a time, where a surrogate
// takes the unit after it as its pair whatever that is, and one at the very end is ERR_INVALID_URI.
function escape(value) {
  const text = typeof value === "string" ? value : typeof value === "object" ? String(value) : value + "";
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out += KEEP.test(text[i]) ? text[i] : hex(c);
    } else if (c < 0x800) {
      out += hex(0xc0 | (c >> 6)) + hex(0x80 | (c & 0x3f));
    } else if (c < 0xd800 || c >= 0xe000) {
      out += hex(0xe0 | (c >> 12)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
    } else {
      if (++i >= text.length) {
        const error = new URIError("URI malformed");
        error.code = "ERR_INVALID_URI";
        throw error;
      }
      c = 0x10000 + (((c & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
      out += hex(0xf0 | (c >> 18)) + hex(0x80 | ((c >> 12) & 0x3f)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// Node's unescapeBuffer: %XX pairs become their byte, everything else its UTF-8 bytes.
function unescapeBuffer(text, decodeSpaces) {
  const bytes = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const pair = text[i] === "%" ? text.slice(i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (decodeSpaces && text[i] === "+") {
      bytes.push(0x20);
    } else {
      const code = text.codePointAt(i);
      if (code > 0xffff) i++;
      bytes.push(...encoder.encode(String.fromCodePoint(code)));
    }
  }
  return Buffer.from(bytes);
}

function unescape(text, decodeSpaces) {
  try {
    return decodeURIComponent(text);
  } catch {
    return unescapeBuffer(text, decodeSpaces).toString();
  }
}

function decodePart(text, decode) {
  const spaced = text.replace(/\+/g, " ");
  try {
    return decode(spaced);
  } catch {
    return unescape(spaced, true);
  }
}

// Node's querystring.parse: `maxKeys` pairs at most (0 or not finite: no limit), empty pairs
// skipped, `+` read as a space, a repeated key collects its values in an array.
function parse(text, sep, eq, options) {
  const result = Object.create(null);
  if (typeof text !== "string" || text.length === 0) return result;
  const sepText = sep ? String(sep) : "&";
  const eqText = eq ? String(eq) : "=";
  const maxKeys = options && typeof options.maxKeys === "number" && options.maxKeys > 0 && Number.isFinite(options.maxKeys) ? options.maxKeys : options && typeof options.maxKeys === "number" ? Infinity : 1000;
  const decode = options && typeof options.decodeURIComponent === "function" ? options.decodeURIComponent : unescape;
  let pairs = text.split(sepText);
  if (pairs.length > maxKeys) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const at = pair.indexOf(eqText);
    const key = decodePart(at >= 0 ? pair.slice(0, at) : pair, decode);
    const value = decodePart(at >= 0 ? pair.slice(at + eqText.length) : "", decode);
    if (!(key in result)) result[key] = value;
    else if (Array.isArray(result[key])) result[key].push(value);
    else result[key] = [result[key], value];
  }
  return result;
}

module.exports = {
  ...qs,
  parse,
  decode: parse,
  escape,
  unescape,
  unescapeBuffer,
};
