import type { Rt } from "./types.ts";

/**
 * In-isolate: TextEncoder and TextDecoder (WHATWG Encoding), UTF-8 only. UTF-8 is a fixed algorithm,
 * not a parser, and running it here spares a thread hop per call. TextDecoder's decoder is the
 * standard's state machine, so replacement characters fall where the standard puts them. Other
 * labels throw RangeError. Serialised: self-contained.
 */
export function installEncoding(_g: Record<string, unknown>, rt: Rt): void {
  const LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];
  const fromCharCode = String.fromCharCode;
  const CHUNK = 8192;

  function utf8Length(s: string): number {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3; // BMP, or a lone surrogate written as U+FFFD
    }
    return n;
  }

  /** Writes `s` from code unit `start` into `out` from `at`; stops before a character that does not fit. */
  function writeUtf8(s: string, start: number, out: Uint8Array, at: number): { read: number; written: number } {
    let i = start;
    let j = at;
    const end = out.length;
    while (i < s.length) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (j >= end) break;
        out[j++] = c;
        i++;
        continue;
      }
      let units = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && (next & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          units = 2;
        } else c = 0xfffd;
      }
      if (c < 0x800) {
        if (j + 2 > end) break;
        out[j++] = 0xc0 | (c >> 6);
      } else if (c < 0x10000) {
        if (j + 3 > end) break;
        out[j++] = 0xe0 | (c >> 12);
        out[j++] = 0x80 | ((c >> 6) & 0x3f);
      } else {
        if (j + 4 > end) break;
        out[j++] = 0xf0 | (c >> 18);
        out[j++] = 0x80 | ((c >> 12) & 0x3f);
        out[j++] = 0x80 | ((c >> 6) & 0x3f);
      }
      out[j++] = 0x80 | (c & 0x3f);
      i += units;
    }
    return { read: i - start, written: j - at };
  }

  function encodeUtf8(s: string): Uint8Array {
    const out = new Uint8Array(utf8Length(s));
    writeUtf8(s, 0, out, 0);
    return out;
  }

  /** The standard's UTF-8 decoder state, kept between `stream: true` calls. */
  interface DecodeState {
    needed: number;
    seen: number;
    codePoint: number;
    lower: number;
    upper: number;
  }
  const freshState = (): DecodeState => ({ needed: 0, seen: 0, codePoint: 0, lower: 0x80, upper: 0xbf });

  /** Decodes `bytes`; with `flush`, an unfinished sequence at the end is an error. Null on error when `fatal`. */
  function decode(bytes: Uint8Array, state: DecodeState, flush: boolean, fatal: boolean): string | null {
    let out = "";
    const units: number[] = [];
    const push = (unit: number) => {
      units.push(unit);
      if (units.length >= CHUNK) {
        out += fromCharCode.apply(null, units);
        units.length = 0;
      }
    };
    const emit = (cp: number) => {
      if (cp < 0x10000) push(cp);
      else {
        push(0xd800 + ((cp - 0x10000) >> 10));
        push(0xdc00 + ((cp - 0x10000) & 0x3ff));
      }
    };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (state.needed === 0) {
        if (b < 0x80) push(b);
        else if (b >= 0xc2 && b <= 0xdf) {
          state.needed = 1;
          state.codePoint = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) state.lower = 0xa0;
          if (b === 0xed) state.upper = 0x9f;
          state.needed = 2;
          state.codePoint = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) state.lower = 0x90;
          if (b === 0xf4) state.upper = 0x8f;
          state.needed = 3;
          state.codePoint = b & 0x7;
        } else {
          if (fatal) return null;
          push(0xfffd);
        }
        continue;
      }
      if (b < state.lower || b > state.upper) {
        // The standard: reset, emit U+FFFD, and process this byte again.
        Object.assign(state, freshState());
        if (fatal) return null;
        push(0xfffd);
        i--;
        continue;
      }
      state.lower = 0x80;
      state.upper = 0xbf;
      state.codePoint = (state.codePoint << 6) | (b & 0x3f);
      if (++state.seen === state.needed) {
        emit(state.codePoint);
        Object.assign(state, freshState());
      }
    }
    if (flush && state.needed !== 0) {
      Object.assign(state, freshState());
      if (fatal) return null;
      push(0xfffd);
    }
    return units.length === 0 ? out : out + fromCharCode.apply(null, units);
  }

  function copyBytes(value: unknown): Uint8Array | null {
    if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer);
    return null;
  }

  /** A view of a BufferSource's bytes, without copying. */
  function viewBytes(value: unknown, what: string): Uint8Array {
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer as ArrayBuffer, value.byteOffset, value.byteLength);
    if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) return new Uint8Array(value);
    throw new TypeError(`The "${what}" argument must be an instance of ArrayBuffer or ArrayBufferView`);
  }

  class TextEncoder {
    get encoding(): string {
      return "utf-8";
    }
    encode(input: unknown = ""): Uint8Array {
      return encodeUtf8(String(input));
    }
    encodeInto(source: unknown, destination: unknown): { read: number; written: number } {
      if (!(destination instanceof Uint8Array)) throw new TypeError('The "dest" argument must be an instance of Uint8Array');
      return writeUtf8(String(source), 0, destination, 0);
    }
  }

  class TextDecoder {
    #fatal: boolean;
    #ignoreBOM: boolean;
    #state = freshState();
    #bomDone = false;
    constructor(label: unknown = "utf-8", options: unknown = {}) {
      const name = String(label).trim().toLowerCase();
      if (!LABELS.includes(name)) throw new RangeError(`The "${String(label)}" encoding is not supported`);
      const opts = (options ?? {}) as { fatal?: unknown; ignoreBOM?: unknown };
      this.#fatal = Boolean(opts.fatal);
      this.#ignoreBOM = Boolean(opts.ignoreBOM);
    }
    get encoding(): string {
      return "utf-8";
    }
    get fatal(): boolean {
      return this.#fatal;
    }
    get ignoreBOM(): boolean {
      return this.#ignoreBOM;
    }
    decode(input: unknown = undefined, options: unknown = {}): string {
      const stream = Boolean((options as { stream?: unknown } | null)?.stream);
      const bytes = input === undefined || input === null ? new Uint8Array(0) : viewBytes(input, "input");
      let text = decode(bytes, this.#state, !stream, this.#fatal);
      if (text === null) {
        this.#state = freshState();
        this.#bomDone = false;
        const error = new TypeError("The encoded data was not valid for encoding utf-8");
        (error as TypeError & { code: string }).code = "ERR_ENCODING_INVALID_ENCODED_DATA";
        throw error;
      }
      if (!this.#bomDone && text.length > 0) {
        if (!this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this.#bomDone = true;
      }
      if (!stream) this.#bomDone = false;
      return text;
    }
  }
  for (const cls of [TextEncoder, TextDecoder]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
  }

  rt.web.encodeUtf8 = encodeUtf8;
  rt.web.decodeUtf8 = (bytes: Uint8Array, stripBom = true) => {
    const text = decode(bytes, freshState(), true, false) as string;
    return stripBom && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  rt.web.copyBytes = copyBytes;
  rt.web.defineGlobal("TextEncoder", TextEncoder);
  rt.web.defineGlobal("TextDecoder", TextDecoder);
}
