// node:https: node:http's client with https defaults (port 443, https.Agent extends http.Agent).
module.exports = require("node:http").fnmeshCreateModule("https:");
