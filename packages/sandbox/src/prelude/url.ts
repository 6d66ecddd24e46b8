import type { Rt } from "./types.ts";

/**
 * In-isolate: `URL` and `URLSearchParams`. URLs are never parsed here: every parse and setter is
 * done by the host's WHATWG URL (Node's, ada) through the synchronous `url` bridge, strings only,
 * and the URL keeps the components it answers. Parses are cached per isolate (a parse is a pure
 * function of input and base). URLSearchParams runs the standard's application/x-www-form-urlencoded
 * parser and serializer here (split on & and =, + and percent-decoding over UTF-8; no grammar),
 * since a thread hop per call would cost more than the work; url-search-params.test.ts checks them
 * against Node's on generated input. Serialised: self-contained.
 */
export function installUrl(_g: Record<string, unknown>, rt: Rt): void {
  const call = rt.bridge.url;
  const inspect = Symbol.for("nodejs.util.inspect.custom");
  // Component indexes: URL_COMPONENTS in types.ts.
  const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5, HOSTNAME = 6, PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10;
  const CACHE_MAX = 256;
  // Long inputs (data: URLs) are not kept: 256 of them could fill a small function's heap.
  const CACHE_MAX_KEY = 2048;
  const cache = new Map<string, readonly string[] | null>();

  const isComponents = (value: unknown): value is readonly string[] => Array.isArray(value) && value.length === 11;

  function parse(input: string, base: string | undefined): readonly string[] | null {
    const key = base === undefined ? `-${input}` : `${base.length}:${base}${input}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const result = call("parse", input, base);
    const components = isComponents(result) ? result : null;
    if (key.length <= CACHE_MAX_KEY) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(key, components);
    }
    return components;
  }

  const PLAIN = /^[*\-._0-9A-Za-z]*$/;
  const hexValue = (byte: number): number => (byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x41 && byte <= 0x46 ? byte - 0x37 : byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1);

  /** Percent-decode over the UTF-8 bytes, then UTF-8 decode without BOM handling. */
  function decodeComponent(text: string): string {
    const spaced = text.includes("+") ? text.replace(/\+/g, " ") : text;
    if (!spaced.includes("%")) return spaced;
    const bytes = rt.web.encodeUtf8(spaced);
    const out = new Uint8Array(bytes.length);
    let j = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (b === 0x25 && i + 2 < bytes.length) {
        const hi = hexValue(bytes[i + 1] as number);
        const lo = hexValue(bytes[i + 2] as number);
        if (hi >= 0 && lo >= 0) {
          out[j++] = hi * 16 + lo;
          i += 2;
          continue;
        }
      }
      out[j++] = b;
    }
    return rt.web.decodeUtf8(out.subarray(0, j), false);
  }

  /** The application/x-www-form-urlencoded parser. */
  function parseQuery(text: string): [string, string][] {
    const list: [string, string][] = [];
    for (const sequence of text.split("&")) {
      if (sequence === "") continue;
      const eq = sequence.indexOf("=");
      list.push(eq < 0 ? [decodeComponent(sequence), ""] : [decodeComponent(sequence.slice(0, eq)), decodeComponent(sequence.slice(eq + 1))]);
    }
    return list;
  }

  /** The application/x-www-form-urlencoded byte serializer, over UTF-8. */
  function encodeComponent(text: string): string {
    if (PLAIN.test(text)) return text;
    let out = "";
    for (const b of rt.web.encodeUtf8(text)) {
      if (b === 0x20) out += "+";
      else if (b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) out += String.fromCharCode(b);
      else out += b < 16 ? `%0${b.toString(16).toUpperCase()}` : `%${b.toString(16).toUpperCase()}`;
    }
    return out;
  }

  function serializeQuery(list: readonly [string, string][]): string {
    return list.map(([name, value]) => `${encodeComponent(name)}=${encodeComponent(value)}`).join("&");
  }

  function invalidUrl(input: string, base: string | undefined): TypeError {
    const error = new TypeError("Invalid URL") as TypeError & { code: string; input: string; base?: string };
    error.code = "ERR_INVALID_URL";
    error.input = input;
    if (base !== undefined) error.base = base;
    return error;
  }

  const usv = (value: unknown): string => String(value).toWellFormed();

  function missing(count: number, needed: number, what: string): void {
    if (count < needed) throw new TypeError(`The "${what}" argument must be specified`);
  }

  let urlSearch: (url: URL) => string = () => "";
  let urlSetQuery: (url: URL, serialized: string) => void = () => {};
  let paramsStale: (params: URLSearchParams) => void = () => {};
  let linkParams: (params: URLSearchParams, url: URL) => void = () => {};
  let isParams: (value: unknown) => boolean = () => false;

  class URL {
    #c: readonly string[];
    #params: URLSearchParams | null = null;
    static {
      urlSearch = (url) => url.#c[SEARCH] as string;
      urlSetQuery = (url, serialized) => url.#set("search", serialized, false);
    }
    constructor(url: unknown, base: unknown = undefined) {
      missing(arguments.length, 1, "url");
      const input = usv(url);
      const baseText = base === undefined ? undefined : usv(base);
      const c = parse(input, baseText);
      if (c === null) throw invalidUrl(input, baseText);
      this.#c = c;
    }
    static canParse(url: unknown, base: unknown = undefined): boolean {
      missing(arguments.length, 1, "url");
      return parse(usv(url), base === undefined ? undefined : usv(base)) !== null;
    }
    static parse(url: unknown, base: unknown = undefined): URL | null {
      missing(arguments.length, 1, "url");
      return URL.canParse(url, base) ? new URL(url, base) : null;
    }
    /** Applies setter `name` on the host; `refresh`: the query may have changed, so re-read params. */
    #set(name: string, value: unknown, refresh: boolean): void {
      const c = call("set", this.#c[HREF], name, usv(value));
      if (!isComponents(c)) {
        if (name === "href") throw invalidUrl(usv(value), undefined);
        return;
      }
      const queryChanged = c[SEARCH] !== this.#c[SEARCH];
      this.#c = c;
      if (refresh && queryChanged && this.#params !== null) paramsStale(this.#params);
    }
    get href(): string {
      return this.#c[HREF] as string;
    }
    set href(value: unknown) {
      this.#set("href", value, true);
      // Setting href always re-parses the query, even an unchanged one.
      if (this.#params !== null) paramsStale(this.#params);
    }
    get origin(): string {
      return this.#c[ORIGIN] as string;
    }
    get protocol(): string {
      return this.#c[PROTOCOL] as string;
    }
    set protocol(value: unknown) {
      this.#set("protocol", value, false);
    }
    get username(): string {
      return this.#c[USERNAME] as string;
    }
    set username(value: unknown) {
      this.#set("username", value, false);
    }
    get password(): string {
      return this.#c[PASSWORD] as string;
    }
    set password(value: unknown) {
      this.#set("password", value, false);
    }
    get host(): string {
      return this.#c[HOST] as string;
    }
    set host(value: unknown) {
      this.#set("host", value, false);
    }
    get hostname(): string {
      return this.#c[HOSTNAME] as string;
    }
    set hostname(value: unknown) {
      this.#set("hostname", value, false);
    }
    get port(): string {
      return this.#c[PORT] as string;
    }
    set port(value: unknown) {
      this.#set("port", value, false);
    }
    get pathname(): string {
      return this.#c[PATHNAME] as string;
    }
    set pathname(value: unknown) {
      this.#set("pathname", value, false);
    }
    get search(): string {
      return this.#c[SEARCH] as string;
    }
    set search(value: unknown) {
      this.#set("search", value, true);
    }
    get hash(): string {
      return this.#c[HASH] as string;
    }
    set hash(value: unknown) {
      this.#set("hash", value, false);
    }
    get searchParams(): URLSearchParams {
      if (this.#params === null) {
        const params = new URLSearchParams();
        linkParams(params, this);
        this.#params = params;
      }
      return this.#params;
    }
    toString(): string {
      return this.#c[HREF] as string;
    }
    toJSON(): string {
      return this.#c[HREF] as string;
    }
    [inspect](_depth: number, _options: unknown, format: (value: unknown) => string): string {
      const fields: Record<string, unknown> = {};
      for (const [i, name] of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search"].entries()) fields[name] = this.#c[i];
      fields.searchParams = this.searchParams;
      fields.hash = this.#c[HASH];
      return `URL ${format(fields)}`;
    }
  }

  class URLSearchParams {
    /** null: stale, re-read from the linked URL's query on next use. */
    #list: [string, string][] | null = [];
    #url: URL | null = null;
    #serialized: string | null = "";
    static {
      paramsStale = (params) => {
        params.#list = null;
        params.#serialized = null;
      };
      isParams = (value) => typeof value === "object" && value !== null && #list in value;
      linkParams = (params, url) => {
        params.#url = url;
        paramsStale(params);
      };
    }
    constructor(init: unknown = "") {
      if (typeof init === "object" && init !== null) {
        const list: [string, string][] = [];
        if (typeof (init as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function") {
          for (const pair of init as Iterable<unknown>) {
            if (typeof pair !== "object" || pair === null || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
              throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            }
            const items = [...(pair as Iterable<unknown>)];
            if (items.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            list.push([usv(items[0]), usv(items[1])]);
          }
        } else {
          for (const key of Reflect.ownKeys(init)) {
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (typeof key === "string" && desc !== undefined && desc.enumerable === true) list.push([usv(key), usv((init as Record<string, unknown>)[key])]);
          }
        }
        this.#list = list;
        this.#serialized = null;
      } else {
        let text = usv(init);
        if (text.startsWith("?")) text = text.slice(1);
        this.#list = parseQuery(text);
        this.#serialized = null;
      }
    }
    #items(): [string, string][] {
      if (this.#list === null) {
        const search = this.#url === null ? "" : urlSearch(this.#url);
        this.#list = parseQuery(search.startsWith("?") ? search.slice(1) : search);
      }
      return this.#list;
    }
    /** The standard's "update steps": after a change, set the linked URL's query. */
    #update(): void {
      this.#serialized = null;
      if (this.#url !== null) urlSetQuery(this.#url, this.toString());
    }
    get size(): number {
      return this.#items().length;
    }
    append(name: unknown, value: unknown): void {
      missing(arguments.length, 2, "name and value");
      this.#items().push([usv(name), usv(value)]);
      this.#update();
    }
    delete(name: unknown, value: unknown = undefined): void {
      missing(arguments.length, 1, "name");
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      this.#list = this.#items().filter(([k, val]) => !(k === n && (v === undefined || val === v)));
      this.#update();
    }
    get(name: unknown): string | null {
      missing(arguments.length, 1, "name");
      const n = usv(name);
      const found = this.#items().find(([k]) => k === n);
      return found === undefined ? null : found[1];
    }
    getAll(name: unknown): string[] {
      missing(arguments.length, 1, "name");
      const n = usv(name);
      return this.#items().filter(([k]) => k === n).map(([, v]) => v);
    }
    has(name: unknown, value: unknown = undefined): boolean {
      missing(arguments.length, 1, "name");
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      return this.#items().some(([k, val]) => k === n && (v === undefined || val === v));
    }
    set(name: unknown, value: unknown): void {
      missing(arguments.length, 2, "name and value");
      const n = usv(name);
      const v = usv(value);
      const list = this.#items();
      const first = list.findIndex(([k]) => k === n);
      if (first < 0) list.push([n, v]);
      else this.#list = list.filter(([k], i) => i <= first || k !== n).map((pair, i) => (i === first ? [n, v] : pair));
      this.#update();
    }
    sort(): void {
      // Stable, by UTF-16 code units, as the standard says.
      this.#items().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.#update();
    }
    forEach(callback: unknown, thisArg: unknown = undefined): void {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      for (let i = 0; i < this.#items().length; i++) {
        const [k, v] = this.#items()[i] as [string, string];
        (callback as (v: string, k: string, p: URLSearchParams) => void).call(thisArg, v, k, this);
      }
    }
    *entries(): IterableIterator<[string, string]> {
      for (let i = 0; i < this.#items().length; i++) {
        const [k, v] = this.#items()[i] as [string, string];
        yield [k, v];
      }
    }
    *keys(): IterableIterator<string> {
      for (const [k] of this.entries()) yield k;
    }
    *values(): IterableIterator<string> {
      for (const [, v] of this.entries()) yield v;
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
    toString(): string {
      this.#serialized ??= serializeQuery(this.#items());
      return this.#serialized;
    }
    [inspect](_depth: number, _options: unknown, format: (value: unknown) => string): string {
      const list = this.#items();
      if (list.length === 0) return "URLSearchParams {}";
      return `URLSearchParams { ${list.map(([k, v]) => `${format(k)} => ${format(v)}`).join(", ")} }`;
    }
  }
  for (const cls of [URL, URLSearchParams]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
  }

  rt.web.URL = URL;
  rt.web.isURLSearchParams = isParams;
  rt.web.defineGlobal("URL", URL);
  rt.web.defineGlobal("URLSearchParams", URLSearchParams);
}
