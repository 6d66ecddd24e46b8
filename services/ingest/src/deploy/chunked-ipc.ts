/**
 * Sends values holding large byte arrays over a child process's IPC channel without holding the
 * event loop: each large `Uint8Array` travels ahead of the value in 1 MiB chunks, one `send` per
 * chunk awaited in turn, and the value follows with a placeholder where the bytes were. A single
 * `send` of a 70 MB body would serialise (copy) it all in one go on the sending thread; chunks keep
 * every such copy well under a millisecond and let requests be served in between.
 */

/** Arrays at least this large travel as chunks; smaller ones stay inside the value. */
const CHUNK_BYTES = 1024 * 1024;
const INLINE_BYTES = 64 * 1024;

type Wire =
  | { t: "chunk"; buf: number; total: number; offset: number; data: Uint8Array }
  | { t: "value"; value: unknown };

/** The placeholder left in a value for buffer number `buf`. */
interface BufRef { __fnmeshBuf: number }
const isBufRef = (v: unknown): v is BufRef => typeof v === "object" && v !== null && typeof (v as BufRef).__fnmeshBuf === "number";

/** What `send` needs of a ChildProcess or of `process` in the child. */
export interface IpcEnd {
  send?(message: unknown, callback: (err: Error | null) => void): boolean;
}

function sendOne(end: IpcEnd, message: Wire): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!end.send) { reject(new Error("no IPC channel")); return; }
    end.send(message, (err) => (err ? reject(err) : resolve()));
  });
}

/** Replaces large arrays in `value` (plain objects and arrays) with placeholders, collecting them. */
function extract(value: unknown, out: Uint8Array[]): unknown {
  if (value instanceof Uint8Array) {
    if (value.byteLength < INLINE_BYTES) return value;
    out.push(value);
    return { __fnmeshBuf: out.length - 1 } satisfies BufRef;
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, out));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extract(v, out)]));
  }
  return value;
}

export async function sendChunked(end: IpcEnd, value: unknown): Promise<void> {
  const buffers: Uint8Array[] = [];
  const shell = extract(value, buffers);
  for (const [buf, bytes] of buffers.entries()) {
    for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
      await sendOne(end, { t: "chunk", buf, total: bytes.byteLength, offset, data: bytes.subarray(offset, offset + CHUNK_BYTES) });
    }
  }
  await sendOne(end, { t: "value", value: shell });
}

/**
 * Reassembles what `sendChunked` sent: feed it every IPC message, in order; it calls `onValue`
 * with each complete value. Buffers are allocated once at their announced size.
 */
export function createChunkedReceiver(onValue: (value: unknown) => void): (message: unknown) => void {
  let buffers: Uint8Array[] = [];
  const restore = (value: unknown): unknown => {
    if (isBufRef(value)) return buffers[value.__fnmeshBuf] ?? new Uint8Array();
    if (value instanceof Uint8Array) return value;
    if (Array.isArray(value)) return value.map(restore);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
    return value;
  };
  return (message) => {
    const m = message as Wire;
    if (m.t === "chunk") {
      const target = (buffers[m.buf] ??= new Uint8Array(m.total));
      target.set(m.data, m.offset);
      return;
    }
    const value = restore(m.value);
    buffers = [];
    onValue(value);
  };
}
