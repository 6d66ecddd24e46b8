import type { Rt } from "./types.ts";

/**
 * In-isolate: `atob` and `btoa` (HTML's forgiving-base64), throwing DOMException
 * InvalidCharacterError as the standard says. Serialised: self-contained.
 */
export function installBase64(_g: Record<string, unknown>, rt: Rt): void {
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const values = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) values[ALPHABET.charCodeAt(i)] = i;
  const fromCharCode = String.fromCharCode;
  const invalid = (message: string) => new rt.web.DOMException(message, "InvalidCharacterError");

  function needArgument(name: string, count: number): void {
    if (count === 0) throw new TypeError(`The "data" argument must be specified (${name})`);
  }

  function btoa(this: unknown, data: unknown): string {
    needArgument("btoa", arguments.length);
    const s = String(data);
    let out = "";
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i);
      const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
      if (a > 0xff || b > 0xff || c > 0xff) throw invalid("Invalid character");
      const n = (a << 16) | (b << 8) | c;
      out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
      out += i + 1 < s.length ? ALPHABET[(n >> 6) & 63]! : "=";
      out += i + 2 < s.length ? ALPHABET[n & 63]! : "=";
    }
    return out;
  }

  function atob(this: unknown, data: unknown): string {
    needArgument("atob", arguments.length);
    // Forgiving-base64 decode: drop ASCII whitespace, then up to two "=" when the length allows.
    let s = String(data).replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/={1,2}$/, "");
    if (s.length % 4 === 1) throw invalid("The string to be decoded is not correctly encoded.");
    let out = "";
    let buffer = 0;
    let bits = 0;
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      const v = code < 128 ? (values[code] as number) : -1;
      if (v < 0) throw invalid("The string to be decoded is not correctly encoded.");
      buffer = (buffer << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += fromCharCode((buffer >> bits) & 0xff);
      }
    }
    return out;
  }

  rt.web.atob = (data) => atob(data);
  rt.web.btoa = (data) => btoa(data);
  rt.web.defineGlobal("btoa", btoa);
  rt.web.defineGlobal("atob", atob);
}
