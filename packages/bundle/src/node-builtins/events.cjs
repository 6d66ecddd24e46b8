// node:events: the `events` package (Node's own EventEmitter, kept in step by browserify).
module.exports = require("events/");
