/** How much of a server's output a handle keeps: enough for the lines around a failure. */
export const LOG_CAP_BYTES = 64 * 1024;

/**
 * The tail of a server's output, capped so a chatty server cannot grow a test process without
 * bound. Optionally echoes everything to stderr (FNMESH_TEST_DEBUG=1).
 */
export class LogBuffer {
  readonly #cap: number;
  readonly #echo: boolean;
  #chunks: string[] = [];
  #size = 0;
  #dropped = false;

  constructor(options: { echo: boolean; capBytes?: number }) {
    this.#echo = options.echo;
    this.#cap = options.capBytes ?? LOG_CAP_BYTES;
  }

  append(chunk: string | Buffer): void {
    const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (text === "") return;
    if (this.#echo) process.stderr.write(text);
    this.#chunks.push(text);
    this.#size += text.length;
    // Drop whole chunks from the head while the rest still covers the cap; text() trims the rest.
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.length ?? 0) >= this.#cap) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
      this.#dropped = true;
    }
  }

  /** The kept output; starts with a marker line when earlier output was dropped. */
  text(): string {
    const all = this.#chunks.join("");
    if (!this.#dropped && all.length <= this.#cap) return all;
    this.#chunks = [all];
    const tail = all.slice(-this.#cap);
    // Start at a line boundary so the first kept line is whole.
    const newline = tail.indexOf("\n");
    const whole = newline >= 0 && newline < tail.length - 1 ? tail.slice(newline + 1) : tail;
    return `[... earlier output dropped, last ${whole.length} characters kept ...]\n${whole}`;
  }
}
