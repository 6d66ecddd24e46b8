// node:http: the client of http-client.cjs; node:https is built from the same code through it.
const { createModule } = require("./http-client.cjs");
module.exports = createModule("http:");
Object.defineProperty(module.exports, "fnmeshCreateModule", { value: createModule });
