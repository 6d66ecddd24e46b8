// node:util: the `util` package (promisify, callbackify, types, deprecate, inherits, debuglog…)
// with Node's own current inspect/format from node-inspect-extracted (util 0.12's are Node 8's:
// Map, Set, Symbol and BigInt print as "{}", and format lacks %o %i %f %c), plus the isolate's
// TextEncoder/TextDecoder.
const util = require("util/");

// node-inspect-extracted takes ~5 ms to initialise (it builds Node's primordials): loaded on the
// first inspect/format call, so a function that only uses promisify or types never pays it.
let extracted;
const load = () => (extracted ??= require("node-inspect-extracted"));

function inspect(value, options) {
  return load().inspect(...arguments);
}
inspect.custom = Symbol.for("nodejs.util.inspect.custom");
for (const key of ["defaultOptions", "colors", "styles"]) {
  Object.defineProperty(inspect, key, {
    get: () => load().inspect[key],
    set: (value) => {
      load().inspect[key] = value;
    },
    enumerable: key !== "defaultOptions",
  });
}

module.exports = {
  ...util,
  inspect,
  format: (...args) => load().format(...args),
  formatWithOptions: (...args) => load().formatWithOptions(...args),
  stripVTControlCharacters: (text) => load().stripVTControlCharacters(text),
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  toUSVString: (text) => String(text).toWellFormed(),
};
