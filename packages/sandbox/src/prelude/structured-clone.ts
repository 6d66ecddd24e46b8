import type { Rt } from "./types.ts";

/**
 * In-isolate: `structuredClone(value, { transfer })`. The value goes to the host and back through
 * isolated-vm's copy, which is V8's own structured-clone serializer (the one Node's structuredClone
 * uses), so Map, Set, Date, RegExp, ArrayBuffers, typed arrays and cycles come back right, and what
 * cannot be cloned throws DOMException DataCloneError. Transferred ArrayBuffers are detached.
 * Serialised: self-contained.
 */
export function installStructuredClone(_g: Record<string, unknown>, rt: Rt): void {
  const clone = rt.bridge.clone;
  const transferBuffer = ArrayBuffer.prototype.transfer;
  const isArrayBuffer = (value: unknown): value is ArrayBuffer => value instanceof ArrayBuffer;

  function structuredClone(value: unknown, options: unknown = undefined): unknown {
    if (arguments.length === 0) throw new TypeError('The "value" argument must be specified');
    const transfer = (options as { transfer?: unknown } | null | undefined)?.transfer;
    const buffers: ArrayBuffer[] = [];
    if (transfer !== undefined) {
      for (const item of transfer as Iterable<unknown>) {
        if (!isArrayBuffer(item)) throw new rt.web.DOMException("Value not transferable", "DataCloneError");
        if (buffers.includes(item)) throw new rt.web.DOMException("ArrayBuffer appears more than once in the transfer list", "DataCloneError");
        if (item.detached) throw new rt.web.DOMException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
        buffers.push(item);
      }
    }
    let copy: unknown;
    try {
      copy = clone(value);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The host refusing more work (isolated-vm/host-work.ts) is not a clone failure.
      if (error instanceof RangeError && message.startsWith("fnmesh: host work limit reached")) throw error;
      throw new rt.web.DOMException(message === "Unsupported type" ? `${typeof value === "symbol" ? String(value) : "value"} could not be cloned.` : message, "DataCloneError");
    }
    for (const buffer of buffers) transferBuffer.call(buffer);
    return copy;
  }

  rt.web.defineGlobal("structuredClone", structuredClone);
}
