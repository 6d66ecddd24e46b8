/**
 * Lambda compatibility: node:http and node:https clients inside isolates (issue 17), over the
 * isolate's egress-checked fetch: a local server (opened by FNMESH_EGRESS_ALLOW) sees the
 * requests Node's client would send, and the handler gets Node's response objects; refused
 * destinations fail as request errors naming the egress code. node:http2 loads, and says why it
 * cannot open a session.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";

let h: ExecutorHarness;
let server: Server;
let port: number;
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url === "/redirect") res.writeHead(302, { location: "/elsewhere" }).end();
      else res.writeHead(201, { "content-type": "application/json", "x-multi": ["a", "b"], "set-cookie": ["s=1", "t=2"] }).end(JSON.stringify({ echoed: body, method: req.method }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  h = await startExecutorHarness({ FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}` });
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe("Lambda compatibility: node:http client over egress", () => {
  test("http.request with a body, headers and auth; http.get; the response's status, headers and body stream", async () => {
    const fn = await deployFunction(h, { "index.js": `const http = require("node:http");
const https = require("https");
function send(options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, message: res.statusMessage, type: res.headers["content-type"], multi: res.headers["x-multi"], cookies: res.headers["set-cookie"], body: Buffer.concat(chunks).toString(), complete: res.complete }));
    });
    req.on("error", reject);
    req.setHeader("X-Trace", "abc");
    if (body !== undefined) req.write(body);
    req.end();
  });
}
exports.handler = async (event) => {
  const posted = await send({ host: "127.0.0.1", port: event.port, path: "/items?x=1", method: "POST", headers: { "content-type": "application/json" }, auth: "user:pw" }, JSON.stringify({ a: 1 }));
  const got = await new Promise((resolve, reject) => http.get("http://127.0.0.1:" + event.port + "/plain", (res) => { res.setEncoding("utf8"); let text = ""; res.on("data", (d) => (text += d)); res.on("end", () => resolve([res.statusCode, text])); }).on("error", reject));
  const redirect = await new Promise((resolve, reject) => http.get({ hostname: "127.0.0.1", port: event.port, path: "/redirect" }, (res) => { res.resume(); resolve([res.statusCode, res.headers.location]); }).on("error", reject));
  return { posted, got, redirect, agents: [https.globalAgent.defaultPort, new https.Agent() instanceof http.Agent, http.Agent.name], methods: http.METHODS.includes("PATCH"), status: http.STATUS_CODES[404] };
};` });
    seen.length = 0;
    const result = okResult(await h.invoke(fn, { port }));
    assert.deepEqual(result, {
      posted: { status: 201, message: "Created", type: "application/json", multi: "a, b", cookies: ["s=1", "t=2"], body: JSON.stringify({ echoed: '{"a":1}', method: "POST" }), complete: true },
      got: [201, JSON.stringify({ echoed: "", method: "GET" })],
      redirect: [302, "/elsewhere"],
      agents: [443, true, "Agent"],
      methods: true,
      status: "Not Found",
    });
    const post = seen.find((request) => request.method === "POST");
    assert.ok(post);
    assert.equal(post.url, "/items?x=1");
    assert.equal(post.body, '{"a":1}');
    assert.equal(post.headers["x-trace"], "abc");
    assert.equal(post.headers.authorization, `Basic ${Buffer.from("user:pw").toString("base64")}`);
    assert.equal(post.headers["content-type"], "application/json");
    assert.equal(seen.filter((request) => request.url === "/elsewhere").length, 0, "redirects are not followed");
  });

  test("a destination egress refuses is the request's 'error' event with the egress code; createServer says why it cannot exist", async () => {
    const fn = await deployFunction(h, `import http from "http";
export const handler = async () => {
  const refused = await new Promise((resolve) => {
    const req = http.get("http://169.254.169.254/latest/meta-data/", () => resolve("answered"));
    req.on("error", (e) => resolve([e.code, typeof e.message]));
  });
  let server;
  try { http.createServer(); } catch (e) { server = [e.code, e.message]; }
  return { refused, server };
};`);
    const result = okResult(await h.invoke(fn)) as { refused: [string, string]; server: [string, string] };
    assert.match(result.refused[0], /^egress_/);
    assert.deepEqual(result.server, ["ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "http.createServer: fnmesh runs functions in V8 isolates, which cannot accept connections; a function answers its invocations"]);
  });

  test("node:http2 loads (its constants and default settings are Node's) and says why a session cannot open", async () => {
    const fn = await deployFunction(h, { "index.js": `const http2 = require("http2");
const { constants } = require("node:http2");
const failure = (f) => { try { f(); return "no error"; } catch (e) { return [e.code, e.message]; } };
exports.handler = async () => ({
  same: http2.constants === constants,
  names: [constants.HTTP2_HEADER_PATH, constants.HTTP2_HEADER_METHOD, constants.HTTP2_HEADER_STATUS, constants.NGHTTP2_CANCEL, constants.HTTP_STATUS_NOT_FOUND],
  settings: http2.getDefaultSettings(),
  sensitive: typeof http2.sensitiveHeaders,
  connect: failure(() => http2.connect("http://127.0.0.1:" + ${port})),
  server: failure(() => http2.createSecureServer()),
});` });
    assert.deepEqual(okResult(await h.invoke(fn)), {
      same: true,
      names: [":path", ":method", ":status", 8, 404],
      settings: { headerTableSize: 4096, enablePush: true, initialWindowSize: 65535, maxFrameSize: 16384, maxConcurrentStreams: 4294967295, maxHeaderSize: 65535, maxHeaderListSize: 65535, enableConnectProtocol: false },
      sensitive: "symbol",
      connect: ["ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "http2.connect: fnmesh runs functions in V8 isolates, which open no connections of their own; use fetch, http or https (HTTP/1.1 over the egress-checked fetch)"],
      server: ["ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "http2.createSecureServer: fnmesh runs functions in V8 isolates, which cannot accept connections; a function answers its invocations"],
    });
  });
});
