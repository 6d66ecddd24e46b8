/**
 * Host side of the isolate's URL (prelude/url.ts): Node's WHATWG URL (ada) does every parse and
 * setter. Runs inside a synchronous isolated-vm callback, so it never throws: bad input answers null.
 */
import { URL_COMPONENTS } from "../prelude/types.ts";

const SETTERS: ReadonlySet<string> = new Set(["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]);
/** Inputs past this many characters are refused (the isolate's own heap bounds them anyway). */
const MAX_INPUT_CHARS = 8 * 1024 * 1024;

const isText = (value: unknown): value is string => typeof value === "string" && value.length <= MAX_INPUT_CHARS;

function components(url: URL): string[] {
  return URL_COMPONENTS.map((name) => url[name]);
}

export function urlHostCall(op: unknown, a: unknown, b: unknown, c: unknown): unknown {
  try {
    switch (op) {
      case "parse": {
        if (!isText(a) || !(b === undefined || isText(b))) return null;
        const url = URL.parse(a, b);
        return url === null ? null : components(url);
      }
      case "set": {
        if (!isText(a) || typeof b !== "string" || !SETTERS.has(b) || !isText(c)) return null;
        if (b === "href") {
          // The href setter is a fresh parse without base; Node's setter throws on failure.
          const url = URL.parse(c);
          return url === null ? null : components(url);
        }
        const url = URL.parse(a);
        if (url === null) return null;
        (url as unknown as Record<string, string>)[b] = c;
        return components(url);
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}
