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
  /** Compiles producing an entry, by code id: later cold starts of the same code wait for it. */
  readonly #compiling = new Map<string, Promise<void>>();
  readonly #maxBytes: number;
  #bytes = 0;
  /** Bundles compiled without cached data (a code id's first compile, or after eviction or rejection). */
  compiles = 0;

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

  /** The compile producing `id`'s entry, if one is in progress; it never rejects. */
  compiling(id: string): Promise<void> | undefined {
    return this.#compiling.get(id);
  }

  /** Marks `id` as being compiled until `work` settles, so a burst of cold starts compiles it once. */
  track(id: string, work: Promise<unknown>): void {
    const done: Promise<void> = work.then(() => {}, () => {}).finally(() => {
      if (this.#compiling.get(id) === done) this.#compiling.delete(id);
    });
    this.#compiling.set(id, done);
  }

  get size(): number {
    return this.#entries.size;
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
