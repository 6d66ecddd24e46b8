import type { LogLevel, LogLine } from "./types.ts";

/**
 * One invocation's log: keeps lines up to a byte cap, streams each to `onLog`, and past the cap
 * drops the rest behind a single marker line.
 */
export class LogCollector {
  readonly lines: LogLine[] = [];
  truncated = false;
  /** Messages received from the isolate, including its overflow notice; compared with what it sent. */
  received = 0;
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #onLog: ((line: LogLine) => void) | undefined;

  constructor(maxBytes: number, onLog?: (line: LogLine) => void) {
    this.#maxBytes = maxBytes;
    this.#onLog = onLog;
  }

  add(level: LogLevel, message: string, time = Date.now()): void {
    if (this.truncated) return;
    const bytes = Buffer.byteLength(message, "utf8");
    if (this.#bytes + bytes > this.#maxBytes) {
      this.truncate();
      return;
    }
    this.#bytes += bytes;
    this.#push({ time, level, message });
  }

  /** Drops every further line and adds the marker, once. */
  truncate(): void {
    if (this.truncated) return;
    this.truncated = true;
    this.#push({ time: Date.now(), level: "WARN", message: `[fnmesh] log output truncated after ${this.#bytes} bytes` });
  }

  #push(line: LogLine): void {
    this.lines.push(line);
    if (this.#onLog === undefined) return;
    try {
      this.#onLog(line);
    } catch {
      // A failing log sink must not fail the invocation.
    }
  }
}
