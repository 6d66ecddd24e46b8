// node:stream: readable-stream (Node's streams, kept by the Node.js streams team).
const stream = require("readable-stream");
// Node's `stream.promises`; readable-stream's browser entry keeps it on an inner object only.
if (stream.promises === undefined) stream.promises = require("readable-stream/lib/stream/promises.js");
module.exports = stream;
