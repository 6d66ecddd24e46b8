import type { Rt } from "./types.ts";

/**
 * In-isolate: `Response` (WHATWG Fetch): what fetch resolves with, and what handlers may build
 * (`new Response`, `Response.json`, `Response.redirect`, `Response.error`). Serialised: self-contained.
 */
export function installResponse(_g: Record<string, unknown>, rt: Rt): void {
  const web = rt.web;
  const HeadersClass = web.Headers as new (init?: unknown) => { has(name: string): boolean; append(name: string, value: string): void; set(name: string, value: string): void };
  const INTERNAL = Symbol("internal");
  const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
  const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
  const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
  const inspect = Symbol.for("nodejs.util.inspect.custom");

  type Type = "basic" | "default" | "error";
  interface State {
    type: Type;
    url: string;
    redirected: boolean;
    status: number;
    statusText: string;
    headers: [string, string][];
    immutable: boolean;
    body: Uint8Array | null;
  }

  class Response extends web.Body {
    #type: Type = "default";
    #url = "";
    #redirected = false;
    #status = 200;
    #statusText = "";
    #headers: object;
    constructor(body: unknown = null, init: unknown = {}, internal: unknown = undefined) {
      super();
      if (internal === INTERNAL) {
        const state = body as State;
        this.#type = state.type;
        this.#url = state.url;
        this.#redirected = state.redirected;
        this.#status = state.status;
        this.#statusText = state.statusText;
        this.#headers = new HeadersClass(state.headers);
        if (state.immutable) web.setHeadersGuard(this.#headers, "immutable");
        web.setBodyBytes(this, state.body);
        return;
      }
      const opts = (init ?? {}) as { status?: unknown; statusText?: unknown; headers?: unknown };
      if (opts.status !== undefined) {
        const status = Number(opts.status);
        if (!(Number.isInteger(status) && status >= 200 && status <= 599)) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
        this.#status = status;
      }
      if (opts.statusText !== undefined) {
        const text = String(opts.statusText);
        if (!REASON_PHRASE.test(text)) throw new TypeError("Invalid statusText");
        this.#statusText = text;
      }
      const headers = new HeadersClass(opts.headers);
      this.#headers = headers;
      const extracted = web.extractBody(body);
      if (extracted !== null) {
        if (NULL_BODY_STATUSES.includes(this.#status)) throw new TypeError("Response constructor: Invalid response status code " + String(this.#status));
        if (extracted.type !== null && !headers.has("content-type")) headers.append("content-type", extracted.type);
      }
      web.setBodyBytes(this, extracted === null ? null : extracted.bytes);
    }
    static error(): Response {
      return new Response({ type: "error", url: "", redirected: false, status: 0, statusText: "", headers: [], immutable: true, body: null } satisfies State, undefined, INTERNAL);
    }
    static redirect(url: unknown, status: unknown = 302): Response {
      let parsed: { href: string };
      try {
        parsed = new web.URL(String(url));
      } catch (error) {
        throw new TypeError(`Failed to parse URL from ${String(url)}`, { cause: error });
      }
      const code = Number(status);
      if (!REDIRECT_STATUSES.includes(code)) throw new RangeError(`Invalid status code ${String(status)}`);
      return new Response({ type: "default", url: "", redirected: false, status: code, statusText: "", headers: [["location", parsed.href]], immutable: true, body: null } satisfies State, undefined, INTERNAL);
    }
    static json(data: unknown, init: unknown = {}): Response {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Value is not JSON serializable");
      const opts = (init ?? {}) as { headers?: unknown };
      const headers = new HeadersClass(opts.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, { ...(init as object), headers });
    }
    get type(): Type {
      return this.#type;
    }
    get url(): string {
      return this.#url;
    }
    get redirected(): boolean {
      return this.#redirected;
    }
    get status(): number {
      return this.#status;
    }
    get ok(): boolean {
      return this.#status >= 200 && this.#status <= 299;
    }
    get statusText(): string {
      return this.#statusText;
    }
    get headers(): object {
      return this.#headers;
    }
    clone(): Response {
      if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
      const bytes = web.bodyBytes(this);
      const state: State = {
        type: this.#type,
        url: this.#url,
        redirected: this.#redirected,
        status: this.#status,
        statusText: this.#statusText,
        headers: web.headerList(this.#headers),
        immutable: this.#type !== "default",
        body: bytes === null ? null : bytes.slice(),
      };
      return new Response(state, undefined, INTERNAL);
    }
    [inspect](_depth: number, _options: unknown, format: (value: unknown) => string): string {
      return `Response ${format({ status: this.#status, statusText: this.#statusText, headers: this.#headers, body: this.body, bodyUsed: this.bodyUsed, ok: this.ok, redirected: this.#redirected, type: this.#type, url: this.#url })}`;
    }
  }
  Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });

  web.Response = Response;
  web.responseFromWire = (wire) => {
    const body = NULL_BODY_STATUSES.includes(wire.status) ? null : wire.body;
    const state: State = { type: "basic", url: wire.url, redirected: wire.redirected, status: wire.status, statusText: wire.statusText, headers: wire.headers, immutable: true, body };
    return new Response(state, undefined, INTERNAL);
  };
  web.defineGlobal("Response", Response);
}
