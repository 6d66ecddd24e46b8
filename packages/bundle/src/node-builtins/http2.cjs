"use strict";
// node:http2: loads, so code that only names it (the AWS SDK's @smithy/node-http-handler requires it
// beside node:https, for its optional NodeHttp2Handler) runs; opening a session cannot work. An
// isolate has no sockets: its only way out is the egress-checked fetch, which exposes no HTTP/2
// sessions or streams. So connect and the servers throw saying why, and name what works instead.
// Constants and default settings are Node 24's (http2-constants.json, from node:http2).
const { constants, defaultSettings } = require("./http2-constants.json");
const { codedError } = require("./node-errors.cjs");

function unavailable(name, why) {
  return function () {
    throw codedError(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", `http2.${name}: fnmesh runs functions in V8 isolates, ${why}`);
  };
}

const opensNoConnections = "which open no connections of their own; use fetch, http or https (HTTP/1.1 over the egress-checked fetch)";
const acceptsNoConnections = "which cannot accept connections; a function answers its invocations";

module.exports = {
  constants,
  sensitiveHeaders: Symbol("nodejs.http2.sensitiveHeaders"),
  getDefaultSettings: () => ({ ...defaultSettings }),
  connect: unavailable("connect", opensNoConnections),
  createServer: unavailable("createServer", acceptsNoConnections),
  createSecureServer: unavailable("createSecureServer", acceptsNoConnections),
  performServerHandshake: unavailable("performServerHandshake", acceptsNoConnections),
};
