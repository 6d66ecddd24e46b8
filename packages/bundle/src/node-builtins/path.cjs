// node:path: path-browserify (Node's POSIX path); Lambda runs on Linux, so `path` is `path.posix`.
module.exports = require("path-browserify");
