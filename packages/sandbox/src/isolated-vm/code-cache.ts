import type ivm from "isolated-vm";

/**
 * V8 code cache per code id, least recently used dropped past a byte budget. Only data this
 * process produced from code it compiled itself is stored: never accept `cachedData` from
 * elsewhere (CVE-2022-39266).
 */
export interface CachedCode {
  /** "module" remembers that the script form failed to compile, so it is not tried again. */
  form: "script" | "module";
  data?: ivm.ExternalCopy<ArrayBuffer>;
  bytes: number;
}

export class CodeCache {
  readonly #entries = new Map<string, CachedCode>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(id: string): CachedCode | undefined {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    }
    return entry;
  }

  set(id: string, entry: CachedCode): void {
    this.delete(id);
    if (entry.bytes > this.#maxBytes) return;
    this.#entries.set(id, entry);
    this.#bytes += entry.bytes;
    for (const oldId of [...this.#entries.keys()]) {
      if (this.#bytes <= this.#maxBytes) break;
      this.delete(oldId);
    }
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    entry.data?.release();
  }

  clear(): void {
    for (const id of [...this.#entries.keys()]) this.delete(id);
  }
}
