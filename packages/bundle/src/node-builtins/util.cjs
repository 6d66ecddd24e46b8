// node:util: the `util` package (promisify, callbackify, types, deprecate, inherits, debuglog…)
// with Node's own current inspect/format from node-inspect-extracted (util 0.12's are Node 8's:
// Map, Set, Symbol and BigInt print as "{}", and format lacks %o %i %f %c), plus the isolate's
// TextEncoder/TextDecoder.
const util = require("util/");
const { inspect, format, formatWithOptions, stripVTControlCharacters } = require("node-inspect-extracted");

module.exports = {
  ...util,
  inspect,
  format,
  formatWithOptions,
  stripVTControlCharacters,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  toUSVString: (text) => String(text).toWellFormed(),
};
