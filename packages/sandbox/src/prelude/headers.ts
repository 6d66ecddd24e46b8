import type { Rt } from "./types.ts";

/**
 * In-isolate: `Headers` (WHATWG Fetch): names case-insensitive and validated, values normalised,
 * iteration sorted and combined as the standard says (`set-cookie` one by one), `getSetCookie`.
 * No forbidden-header guards (server-side fetch has none); fetched responses' headers are
 * immutable. Serialised: self-contained.
 */
export function installHeaders(_g: Record<string, unknown>, rt: Rt): void {
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const inspect = Symbol.for("nodejs.util.inspect.custom");

  function headerName(name: unknown): string {
    const text = String(name);
    if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name: "${text}"`);
    return text.toLowerCase();
  }

  function headerValue(value: unknown): string {
    // Strip leading and trailing HTTP whitespace; refuse NUL, CR, LF and non-Latin-1 (ByteString).
    const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]|[^\0-\xff]/.test(text)) throw new TypeError(`Headers: invalid header value for a header: "${text}"`);
    return text;
  }

  let listOf: (headers: Headers) => [string, string][] = () => [];
  let setGuard: (headers: Headers, guard: "none" | "immutable") => void = () => {};

  class Headers {
    #list: [string, string][] = [];
    #guard: "none" | "immutable" = "none";
    static {
      listOf = (headers) => headers.#list;
      setGuard = (headers, guard) => {
        headers.#guard = guard;
      };
    }
    constructor(init: unknown = undefined) {
      if (init === undefined || init === null) return;
      if (typeof init !== "object" && typeof init !== "function") throw new TypeError("Headers: the init argument must be an object, an array of pairs or a Headers");
      if (typeof (init as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function") {
        for (const pair of init as Iterable<unknown>) {
          const items = typeof pair === "object" && pair !== null && typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function" ? [...(pair as Iterable<unknown>)] : [];
          if (items.length !== 2) throw new TypeError("Headers: each header pair must be an iterable [name, value] tuple");
          this.append(items[0], items[1]);
        }
        return;
      }
      for (const key of Reflect.ownKeys(init)) {
        const desc = Reflect.getOwnPropertyDescriptor(init, key);
        if (desc?.enumerable !== true) continue;
        if (typeof key === "symbol") throw new TypeError("Headers: a header name cannot be a symbol");
        this.append(key, (init as Record<string, unknown>)[key]);
      }
    }
    #mutable(): void {
      if (this.#guard === "immutable") throw new TypeError("Headers are immutable");
    }
    append(name: unknown, value: unknown): void {
      if (arguments.length < 2) throw new TypeError('The "name" and "value" arguments must be specified');
      const n = headerName(name);
      const v = headerValue(value);
      this.#mutable();
      this.#list.push([n, v]);
    }
    delete(name: unknown): void {
      const n = headerName(name);
      this.#mutable();
      this.#list = this.#list.filter(([k]) => k !== n);
    }
    get(name: unknown): string | null {
      const n = headerName(name);
      const values = this.#list.filter(([k]) => k === n).map(([, v]) => v);
      return values.length === 0 ? null : values.join(", ");
    }
    getSetCookie(): string[] {
      return this.#list.filter(([k]) => k === "set-cookie").map(([, v]) => v);
    }
    has(name: unknown): boolean {
      const n = headerName(name);
      return this.#list.some(([k]) => k === n);
    }
    set(name: unknown, value: unknown): void {
      if (arguments.length < 2) throw new TypeError('The "name" and "value" arguments must be specified');
      const n = headerName(name);
      const v = headerValue(value);
      this.#mutable();
      const first = this.#list.findIndex(([k]) => k === n);
      if (first < 0) this.#list.push([n, v]);
      else this.#list = this.#list.filter(([k], i) => i <= first || k !== n).map((pair, i) => (i === first ? [n, v] : pair));
    }
    /** The standard's "sort and combine". */
    #sorted(): [string, string][] {
      const names = [...new Set(this.#list.map(([k]) => k))].sort();
      const out: [string, string][] = [];
      for (const name of names) {
        if (name === "set-cookie") for (const value of this.getSetCookie()) out.push([name, value]);
        else out.push([name, this.get(name) as string]);
      }
      return out;
    }
    forEach(callback: unknown, thisArg: unknown = undefined): void {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      for (const [k, v] of this.#sorted()) (callback as (v: string, k: string, h: Headers) => void).call(thisArg, v, k, this);
    }
    *entries(): IterableIterator<[string, string]> {
      yield* this.#sorted();
    }
    *keys(): IterableIterator<string> {
      for (const [k] of this.#sorted()) yield k;
    }
    *values(): IterableIterator<string> {
      for (const [, v] of this.#sorted()) yield v;
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
    [inspect](_depth: number, _options: unknown, format: (value: unknown) => string): string {
      const fields: Record<string, string> = {};
      for (const [k, v] of this.#sorted()) fields[k] = k in fields ? `${fields[k]}, ${v}` : v;
      return `Headers ${format(fields)}`;
    }
  }
  Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });

  rt.web.Headers = Headers;
  rt.web.headerList = (headers) => listOf(headers as Headers);
  rt.web.setHeadersGuard = (headers, guard) => setGuard(headers as Headers, guard);
  rt.web.defineGlobal("Headers", Headers);
}
