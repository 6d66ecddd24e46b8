import type { Rt } from "./types.ts";

/**
 * In-isolate: the Fetch standard's Body mixin, as a base class of Request and Response. Bodies are
 * whole byte arrays, never streams: `body` is a Uint8Array copy (or null), read with `text()`,
 * `json()`, `arrayBuffer()` or `bytes()`. Body init may be a string, ArrayBuffer, ArrayBufferView,
 * URLSearchParams or null. Serialised: self-contained.
 */
export function installBody(_g: Record<string, unknown>, rt: Rt): void {
  type Extracted = { bytes: Uint8Array; type: string | null };

  function extractBody(init: unknown): Extracted | null {
    if (init === null || init === undefined) return null;
    if (typeof init === "string") return { bytes: rt.web.encodeUtf8(init), type: "text/plain;charset=UTF-8" };
    if (rt.web.isURLSearchParams(init)) return { bytes: rt.web.encodeUtf8(String(init)), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    const bytes = rt.web.copyBytes(init);
    if (bytes !== null) return { bytes, type: null };
    if (typeof init === "object" && (typeof (init as { getReader?: unknown }).getReader === "function" || Symbol.asyncIterator in init)) {
      throw new TypeError("Streamed bodies are not supported in fnmesh isolates: pass a string, ArrayBuffer, TypedArray or URLSearchParams");
    }
    if (typeof init === "object" && typeof (init as { arrayBuffer?: unknown }).arrayBuffer === "function") {
      throw new TypeError("Blob and FormData bodies are not supported in fnmesh isolates: pass a string, ArrayBuffer, TypedArray or URLSearchParams");
    }
    // WebIDL's USVString branch of BodyInit: anything else is stringified.
    return { bytes: rt.web.encodeUtf8(String(init)), type: "text/plain;charset=UTF-8" };
  }

  let setBytes: (target: Body, bytes: Uint8Array | null) => void = () => {};
  let peekBytes: (target: Body) => Uint8Array | null = () => null;

  abstract class Body {
    #bytes: Uint8Array | null = null;
    #used = false;
    static {
      setBytes = (target, bytes) => {
        target.#bytes = bytes;
        target.#used = false;
      };
      peekBytes = (target) => target.#bytes;
    }
    /** Not a ReadableStream: a copy of the body's bytes, or null when there is none. */
    get body(): Uint8Array | null {
      return this.#bytes === null ? null : this.#bytes.slice();
    }
    get bodyUsed(): boolean {
      return this.#used;
    }
    #consume(): Uint8Array {
      if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
      if (this.#bytes === null) return new Uint8Array(0);
      this.#used = true;
      const bytes = this.#bytes;
      this.#bytes = new Uint8Array(0);
      return bytes;
    }
    async arrayBuffer(): Promise<ArrayBuffer> {
      return this.#consume().buffer as ArrayBuffer;
    }
    async bytes(): Promise<Uint8Array> {
      return this.#consume();
    }
    async text(): Promise<string> {
      return rt.web.decodeUtf8(this.#consume());
    }
    async json(): Promise<unknown> {
      return JSON.parse(rt.web.decodeUtf8(this.#consume()));
    }
    async blob(): Promise<never> {
      throw new TypeError("Blob is not available in fnmesh isolates: use arrayBuffer(), bytes() or text()");
    }
    async formData(): Promise<never> {
      throw new TypeError("FormData is not available in fnmesh isolates: use text() and URLSearchParams");
    }
  }

  rt.web.Body = Body;
  rt.web.extractBody = extractBody;
  rt.web.setBodyBytes = (target, bytes) => setBytes(target as Body, bytes);
  rt.web.bodyBytes = (target) => peekBytes(target as Body);
}
