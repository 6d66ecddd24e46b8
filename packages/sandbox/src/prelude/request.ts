import type { FetchWireRequest, Rt, WebAbortSignal } from "./types.ts";

/**
 * In-isolate: `Request` (WHATWG Fetch), for fetch and for handlers that build requests. URLs must
 * be absolute (there is no document base). Serialised: self-contained.
 */
export function installRequest(_g: Record<string, unknown>, rt: Rt): void {
  const web = rt.web;
  const HeadersClass = web.Headers as new (init?: unknown) => { has(name: string): boolean; append(name: string, value: string): void };
  const NORMALISED = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
  const FORBIDDEN = ["CONNECT", "TRACE", "TRACK"];
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const REDIRECTS = ["follow", "error", "manual"];
  const inspect = Symbol.for("nodejs.util.inspect.custom");

  interface Init {
    method?: unknown;
    headers?: unknown;
    body?: unknown;
    redirect?: unknown;
    signal?: unknown;
  }

  function method(value: unknown): string {
    const text = String(value);
    if (!TOKEN.test(text)) throw new TypeError(`'${text}' is not a valid HTTP method.`);
    const upper = text.toUpperCase();
    if (FORBIDDEN.includes(upper)) throw new TypeError(`'${text}' HTTP method is unsupported.`);
    return NORMALISED.includes(upper) ? upper : text;
  }

  /** A signal that follows `parent` (ours, or any object with `aborted` and `addEventListener`). */
  function follow(parent: unknown): WebAbortSignal {
    const signal = web.newAbortSignal();
    if (parent === null || parent === undefined) return signal;
    if (web.isAbortSignal(parent)) {
      web.onAbort(parent, () => web.signalAbort(signal, parent.reason));
      return signal;
    }
    const foreign = parent as { aborted?: unknown; reason?: unknown; addEventListener?: unknown };
    if (typeof foreign.addEventListener !== "function") throw new TypeError("Request: signal must be an AbortSignal");
    if (foreign.aborted === true) web.signalAbort(signal, foreign.reason);
    else (foreign.addEventListener as (type: string, cb: () => void, o: unknown) => void).call(parent, "abort", () => web.signalAbort(signal, foreign.reason), { once: true });
    return signal;
  }

  let forFetch: (request: Request) => { wire: FetchWireRequest; signal: WebAbortSignal } = () => {
    throw new TypeError("not a Request");
  };

  class Request extends web.Body {
    #url: string;
    #method: string;
    #headers: object;
    #redirect: "follow" | "error" | "manual";
    #signal: WebAbortSignal;
    static {
      forFetch = (request) => {
        if (request.bodyUsed) throw new TypeError("Request body is unusable: Body has already been read");
        const body = web.bodyBytes(request);
        const wire: FetchWireRequest = { url: request.#url, method: request.#method, headers: web.headerList(request.#headers).map(([k, v]) => [k, v]), redirect: request.#redirect };
        if (body !== null) wire.body = body;
        return { wire, signal: request.#signal };
      };
    }
    constructor(input: unknown, init: unknown = {}) {
      if (arguments.length === 0) throw new TypeError('The "input" argument must be specified');
      super();
      const opts = (init ?? {}) as Init;
      const source = typeof input === "object" && input !== null && #url in input ? (input as Request) : null;
      if (source !== null) {
        this.#url = source.#url;
        this.#method = source.#method;
        this.#redirect = source.#redirect;
      } else {
        let url: { href: string; username: string; password: string };
        try {
          url = new web.URL(String(input));
        } catch (error) {
          throw new TypeError(`Failed to parse URL from ${String(input)}`, { cause: error });
        }
        if (url.username !== "" || url.password !== "") throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${String(input)}`);
        this.#url = url.href;
        this.#method = "GET";
        this.#redirect = "follow";
      }
      if (opts.method !== undefined) this.#method = method(opts.method);
      if (opts.redirect !== undefined) {
        const redirect = String(opts.redirect);
        if (!REDIRECTS.includes(redirect)) throw new TypeError(`Request: redirect must be "follow", "error" or "manual" (got "${redirect}")`);
        this.#redirect = redirect as "follow" | "error" | "manual";
      }
      this.#signal = follow(opts.signal !== undefined ? opts.signal : (source === null ? undefined : source.#signal));
      const headers = new HeadersClass(opts.headers !== undefined ? opts.headers : (source === null ? undefined : source.#headers));
      this.#headers = headers;

      let bytes: Uint8Array | null = null;
      if (opts.body !== undefined && opts.body !== null) {
        const extracted = web.extractBody(opts.body);
        if (extracted !== null) {
          bytes = extracted.bytes;
          if (extracted.type !== null && !headers.has("content-type")) headers.append("content-type", extracted.type);
        }
      } else if (source !== null && opts.body === undefined) {
        if (source.bodyUsed) throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
        const sourceBytes = web.bodyBytes(source);
        bytes = sourceBytes === null ? null : sourceBytes.slice();
      }
      if (bytes !== null && (this.#method === "GET" || this.#method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
      web.setBodyBytes(this, bytes);
    }
    get url(): string {
      return this.#url;
    }
    get method(): string {
      return this.#method;
    }
    get headers(): object {
      return this.#headers;
    }
    get redirect(): string {
      return this.#redirect;
    }
    get signal(): WebAbortSignal {
      return this.#signal;
    }
    get destination(): string {
      return "";
    }
    get referrer(): string {
      return "about:client";
    }
    get referrerPolicy(): string {
      return "";
    }
    get mode(): string {
      return "cors";
    }
    get credentials(): string {
      return "same-origin";
    }
    get cache(): string {
      return "default";
    }
    get integrity(): string {
      return "";
    }
    get keepalive(): boolean {
      return false;
    }
    get duplex(): string {
      return "half";
    }
    clone(): Request {
      if (this.bodyUsed) throw new TypeError("Request.clone: Body has already been consumed.");
      return new Request(this);
    }
    [inspect](_depth: number, _options: unknown, format: (value: unknown) => string): string {
      return `Request ${format({ method: this.#method, url: this.#url, headers: this.#headers, redirect: this.#redirect, bodyUsed: this.bodyUsed })}`;
    }
  }
  Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: "Request", configurable: true });

  web.Request = Request;
  web.requestForFetch = (request) => forFetch(request as Request);
  web.defineGlobal("Request", Request);
}
