// readable-stream asks for the `process` package; the isolate has its own `process`.
module.exports = globalThis.process;
