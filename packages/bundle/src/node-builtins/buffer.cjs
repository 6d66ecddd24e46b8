// node:buffer: feross's `buffer` (what browserify ships), plus the web globals Node re-exports
// that the isolate has (it has no Blob or File).
const buffer = require("buffer/");
module.exports = {
  ...buffer,
  constants: { MAX_LENGTH: buffer.kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 },
  atob: globalThis.atob,
  btoa: globalThis.btoa,
};
