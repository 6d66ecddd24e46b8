// node:assert: the `assert` package (Node's assert, AssertionError messages included).
module.exports = require("assert/");
