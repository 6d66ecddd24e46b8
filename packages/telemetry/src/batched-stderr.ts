/**
 * The default destination of log lines: stderr, written once per turn of the event loop. Writing
 * to a pipe or a file is a system call per `write`, and under load a service logs several lines per
 * invocation (the executor's "invocation done", the scheduler's "async event"): measured on the
 * async path, one write per line cost about a fifth of the mesh's throughput. Lines logged in the
 * same turn leave together, in order. Buffered lines are written when the process exits (an
 * uncaught exception, process.exit), so only a SIGKILL can lose the current turn's lines.
 */
export interface BatchedWriter {
  write(line: string): void;
  /** Writes what is buffered now. */
  flush(): void;
}

/**
 * Lines for `sink` (default: process.stderr, which Node writes synchronously to files and, on
 * Linux, to pipes — so the exit flush lands too), batched per event-loop turn.
 */
export function createBatchedWriter(sink: (chunk: string) => void = (chunk) => { process.stderr.write(chunk); }): BatchedWriter {
  let buffered: string[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled !== undefined) { clearImmediate(scheduled); scheduled = undefined; }
    if (buffered.length === 0) return;
    const chunk = buffered.join("");
    buffered = [];
    try { sink(chunk); } catch { /* telemetry never throws */ }
  };
  process.once("exit", flush);
  return {
    write(line) {
      buffered.push(line);
      scheduled ??= setImmediate(flush).unref();
    },
    flush,
  };
}

let shared: BatchedWriter | undefined;

/** The process's one batched stderr writer (every logger without its own `write` shares it, keeping lines in order). */
export function stderrWriter(): BatchedWriter {
  return shared ??= createBatchedWriter();
}
