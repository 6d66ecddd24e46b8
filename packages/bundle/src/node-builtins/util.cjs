// node:util: the `util` package (format, inspect, promisify, types, deprecate, inherits...),
// plus what it predates: the isolate's TextEncoder/TextDecoder and a few newer helpers.
const util = require("util/");
module.exports = {
  ...util,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  stripVTControlCharacters: (text) => String(text).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""),
  toUSVString: (text) => String(text).toWellFormed(),
};
