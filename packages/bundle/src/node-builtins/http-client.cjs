// node:http and node:https (http.cjs, https.cjs): Node's client API —
// request/get, ClientRequest as a Writable, IncomingMessage as a Readable, Agent — over the
// isolate's fetch, so every request passes the executor's egress checks (allow list, sizes,
// timeouts). The request body is sent when end() is called and the response body arrives whole
// (fetch's); redirects are not followed, as in Node; a gzip/deflate/br body arrives decoded
// (fetch decodes it), so its content-encoding header is dropped. Servers cannot exist in an
// isolate: createServer throws saying so.
const { EventEmitter } = require("node:events");
const { Buffer } = require("node:buffer");
const { STATUS_CODES, METHODS } = require("./http-constants.json");

const { codedError } = require("./node-errors.cjs");

class BaseAgent extends EventEmitter {
  static {
    Object.defineProperty(this, "name", { value: "Agent" });
  }
  constructor(options = {}) {
    super();
    this.options = { path: null, ...options };
    this.keepAlive = options.keepAlive ?? false;
    this.keepAliveMsecs = options.keepAliveMsecs ?? 1000;
    this.maxSockets = options.maxSockets ?? Infinity;
    this.maxFreeSockets = options.maxFreeSockets ?? 256;
    this.maxTotalSockets = options.maxTotalSockets ?? Infinity;
    this.defaultPort = options.defaultPort ?? 80;
    this.protocol = options.protocol ?? "http:";
    this.sockets = {};
    this.freeSockets = {};
    this.requests = {};
  }
  destroy() {}
  getName(options = {}) {
    return `${options.host ?? "localhost"}:${options.port ?? ""}:${options.localAddress ?? ""}`;
  }
}

// Headers fetch computes itself or refuses.
const DROPPED = new Set(["host", "connection", "content-length", "transfer-encoding", "expect", "keep-alive", "upgrade"]);

function validateHeaderName(name) {
  if (typeof name !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw codedError(TypeError, "ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${name}"]`);
  }
}

function validateHeaderValue(name, value) {
  if (value === undefined) throw codedError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "undefined" for header "${name}"`);
  if (/[^\t\u0020-\u007e\u0080-\u00ff]/.test(String(value))) throw codedError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
}

function streamModule() {
  return require("node:stream");
}

/** Node's request options from (url | options, [options]) with the module's defaults. */
function requestOptions(defaults, input, options) {
  let base = {};
  if (typeof input === "string" || input instanceof URL) {
    const url = input instanceof URL ? input : new URL(input);
    base = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
    };
  } else if (input !== null && typeof input === "object") {
    options = input;
  }
  const merged = { ...base, ...(options ?? {}) };
  const protocol = merged.protocol ?? merged.agent?.protocol ?? defaults.protocol;
  if (protocol !== defaults.protocol) {
    throw codedError(TypeError, "ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${defaults.protocol}"`);
  }
  const host = merged.hostname ?? (typeof merged.host === "string" ? merged.host.replace(/:\d+$/, "") : "localhost");
  const port = merged.port ?? merged.defaultPort ?? merged.agent?.defaultPort ?? defaults.port;
  return { ...merged, protocol, host, port: Number(port), path: merged.path ?? "/", method: (merged.method ?? "GET").toUpperCase() };
}

let ClientRequestClass;
let IncomingMessageClass;

function classes() {
  if (ClientRequestClass !== undefined) return { ClientRequest: ClientRequestClass, IncomingMessage: IncomingMessageClass };
  const { Readable, Writable } = streamModule();

  class IncomingMessage extends Readable {
    constructor(socket) {
      super();
      this.socket = socket;
      this.headers = {};
      this.headersDistinct = {};
      this.rawHeaders = [];
      this.trailers = {};
      this.rawTrailers = [];
      this.httpVersion = "1.1";
      this.httpVersionMajor = 1;
      this.httpVersionMinor = 1;
      this.complete = false;
      this.statusCode = null;
      this.statusMessage = null;
      this.aborted = false;
      this.url = "";
      this.method = null;
    }
    _read() {}
    setTimeout(ms, callback) {
      if (callback) this.once("timeout", callback);
      return this;
    }
  }

  class ClientRequest extends Writable {
    #options;
    #headers = new Map();
    #chunks = [];
    #controller = new AbortController();
    #timer;
    #settled = false;

    constructor(options, callback) {
      super({ decodeStrings: true, autoDestroy: false });
      this.#options = options;
      this.method = options.method;
      this.path = options.path;
      this.host = options.host;
      this.protocol = options.protocol;
      this.agent = options.agent;
      this.reusedSocket = false;
      this.aborted = false;
      this.headersSent = false;
      this.maxHeadersCount = null;
      this.socket = Object.assign(new EventEmitter(), { setTimeout() {}, setNoDelay() {}, setKeepAlive() {}, destroy() {}, remoteAddress: undefined, encrypted: options.protocol === "https:" });
      this.connection = this.socket;
      const headers = options.headers ?? {};
      for (const [name, value] of Array.isArray(headers) ? pairs(headers) : Object.entries(headers)) if (value !== undefined) this.setHeader(name, value);
      if (options.auth && !this.hasHeader("authorization")) this.setHeader("Authorization", `Basic ${Buffer.from(options.auth).toString("base64")}`);
      if (callback) this.once("response", callback);
      if (options.timeout !== undefined) this.setTimeout(options.timeout);
      if (options.signal) {
        const onAbort = () => this.destroy(codedError(Error, "ABORT_ERR", "The operation was aborted"));
        if (options.signal.aborted) queueMicrotask(onAbort);
        else options.signal.addEventListener("abort", onAbort, { once: true });
      }
      queueMicrotask(() => this.emit("socket", this.socket));
    }

    setHeader(name, value) {
      if (this.headersSent) throw codedError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
      validateHeaderName(name);
      validateHeaderValue(name, value);
      this.#headers.set(name.toLowerCase(), [name, value]);
      return this;
    }
    getHeader(name) {
      return this.#headers.get(String(name).toLowerCase())?.[1];
    }
    getHeaders() {
      const out = Object.create(null);
      for (const [key, [, value]] of this.#headers) out[key] = value;
      return out;
    }
    getHeaderNames() {
      return [...this.#headers.keys()];
    }
    getRawHeaderNames() {
      return [...this.#headers.values()].map(([name]) => name);
    }
    hasHeader(name) {
      return this.#headers.has(String(name).toLowerCase());
    }
    removeHeader(name) {
      this.#headers.delete(String(name).toLowerCase());
    }
    flushHeaders() {}
    setNoDelay() {}
    setSocketKeepAlive() {}
    setTimeout(ms, callback) {
      if (callback) this.once("timeout", callback);
      globalThis.clearTimeout(this.#timer);
      if (ms > 0) this.#timer = globalThis.setTimeout(() => this.emit("timeout"), ms);
      return this;
    }
    abort() {
      if (this.aborted) return;
      this.aborted = true;
      queueMicrotask(() => this.emit("abort"));
      this.destroy();
    }

    _write(chunk, _encoding, callback) {
      this.#chunks.push(chunk);
      callback();
    }

    _final(callback) {
      callback();
      this.#send();
    }

    _destroy(error, callback) {
      globalThis.clearTimeout(this.#timer);
      if (!this.#settled) {
        this.#settled = true;
        this.#controller.abort();
        // Node: a request destroyed before its response fails with ECONNRESET ("socket hang up").
        callback(error ?? codedError(Error, "ECONNRESET", "socket hang up"));
        return;
      }
      callback(error);
    }

    async #send() {
      this.headersSent = true;
      const options = this.#options;
      const host = options.host.includes(":") ? `[${options.host}]` : options.host;
      const defaultPort = options.protocol === "https:" ? 443 : 80;
      const url = `${options.protocol}//${host}${options.port === defaultPort ? "" : `:${options.port}`}${options.path}`;
      const headers = [];
      for (const [key, [, value]] of this.#headers) {
        if (DROPPED.has(key)) continue;
        for (const one of Array.isArray(value) ? value : [value]) headers.push([key, String(one)]);
      }
      const body = this.#chunks.length === 0 || this.method === "GET" || this.method === "HEAD" ? undefined : Buffer.concat(this.#chunks);
      let response;
      let bytes;
      try {
        response = await globalThis.fetch(url, { method: this.method, headers, body, redirect: "manual", signal: this.#controller.signal });
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        if (this.#settled) return;
        this.#settled = true;
        globalThis.clearTimeout(this.#timer);
        const cause = error?.cause;
        const failure = codedError(Error, typeof cause?.code === "string" ? cause.code : "ECONNRESET", cause?.message ?? error?.message ?? "request failed");
        failure.cause = error;
        this.destroy(failure);
        return;
      }
      if (this.#settled) return;
      this.#settled = true;
      globalThis.clearTimeout(this.#timer);
      const message = new IncomingMessage(this.socket);
      message.statusCode = response.status;
      message.statusMessage = response.statusText || STATUS_CODES[response.status] || "";
      const encoded = /^(gzip|x-gzip|deflate|br)$/i.test(response.headers.get("content-encoding") ?? "");
      for (const [name, value] of response.headers) {
        if (encoded && (name === "content-encoding" || name === "content-length")) continue;
        message.rawHeaders.push(name, value);
        (message.headersDistinct[name] ??= []).push(value);
        if (name === "set-cookie") (message.headers[name] ??= []).push(value);
        else message.headers[name] = message.headers[name] === undefined ? value : `${message.headers[name]}, ${value}`;
      }
      if (typeof response.headers.getSetCookie === "function") {
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) {
          message.headers["set-cookie"] = cookies;
          message.headersDistinct["set-cookie"] = cookies;
        }
      }
      this.res = message;
      const hasListener = this.emit("response", message);
      if (bytes.byteLength > 0) message.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      message.push(null);
      message.complete = true;
      // Node: an unread response body would hold the socket; nobody listening means it is dumped.
      if (!hasListener) message.resume();
      message.once("end", () => queueMicrotask(() => this.emit("close")));
    }
  }

  ClientRequestClass = ClientRequest;
  IncomingMessageClass = IncomingMessage;
  return { ClientRequest, IncomingMessage };
}

function pairs(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** The http or https module: `protocol` "http:" or "https:". */
function createModule(protocol) {
  const defaults = { protocol, port: protocol === "https:" ? 443 : 80 };
  const ModuleAgent =
    protocol === "https:"
      ? class Agent extends BaseAgent {
          constructor(options = {}) {
            super({ defaultPort: 443, protocol: "https:", ...options });
          }
        }
      : BaseAgent;
  const globalAgent = new ModuleAgent();
  function request(input, options, callback) {
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    const resolved = requestOptions(defaults, input, options);
    return new (classes().ClientRequest)(resolved, callback);
  }
  function get(input, options, callback) {
    const req = request(input, options, callback);
    req.end();
    return req;
  }
  const http = {
    Agent: ModuleAgent,
    globalAgent,
    request,
    get,
    STATUS_CODES,
    METHODS,
    maxHeaderSize: 16384,
    validateHeaderName,
    validateHeaderValue,
    createServer() {
      throw codedError(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", `${protocol.slice(0, -1)}.createServer: fnmesh runs functions in V8 isolates, which cannot accept connections; a function answers its invocations`);
    },
    Server: undefined,
    setMaxIdleHTTPParsers() {},
  };
  for (const name of ["ClientRequest", "IncomingMessage"]) Object.defineProperty(http, name, { get: () => classes()[name], enumerable: true });
  http.Server = function Server() {
    http.createServer();
  };
  return http;
}

module.exports = { createModule };
