// node:path: path-browserify (Node's POSIX path); Lambda runs on Linux, so `path` is `path.posix`.
const path = require("path-browserify");

// Node's POSIX toNamespacedPath returns its argument: only Windows has namespaced paths.
path.toNamespacedPath = (value) => value;

module.exports = path;
