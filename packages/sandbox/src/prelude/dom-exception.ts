import type { Rt } from "./types.ts";

/**
 * In-isolate: `DOMException` (WebIDL), the error type of atob, structuredClone, crypto and aborts.
 * Serialised: self-contained.
 */
export function installDomException(_g: Record<string, unknown>, rt: Rt): void {
  // Legacy codes (WebIDL's error names table); names not listed have code 0.
  const codes: Record<string, number> = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
    InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
    InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };

  class DOMException extends Error {
    #name: string;
    constructor(message: unknown = "", options: unknown = "Error") {
      // Newer WebIDL: the second argument may be `{ name, cause }`.
      const hasOptions = typeof options === "object" && options !== null;
      const opts = options as { name?: unknown; cause?: unknown };
      super(String(message), hasOptions && "cause" in opts ? { cause: opts.cause } : undefined);
      this.#name = hasOptions ? (opts.name === undefined ? "Error" : String(opts.name)) : String(options);
    }
    override get name(): string {
      return this.#name;
    }
    get code(): number {
      return Object.hasOwn(codes, this.#name) ? (codes[this.#name] as number) : 0;
    }
  }
  Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });

  rt.web.DOMException = DOMException;
  rt.web.defineGlobal("DOMException", DOMException);
}
