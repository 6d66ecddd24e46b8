// node:process: the isolate's own `process` (the prelude's; see @fnmesh/sandbox's prelude/process.ts).
module.exports = globalThis.process;
