/**
 * Watches fnmesh's runs without adding work to the path being measured: executors publish every
 * log line of every invocation on `fnmesh.logs.<fn>` anyway (START, function lines, END, REPORT),
 * so a core NATS subscription to it sees each run start and finish. Counts per request id, so a
 * run seen twice is a duplicate and an event never seen is missing — both reported, never hidden.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { LogLevel, subjects } from "@fnmesh/protocol";
import { WaitEnd } from "./types.ts";

export interface RunRecord {
  starts: number;
  reports: number;
  /** Epoch ms of the first START line (the executor's clock; same machine). */
  startMs: number;
  /** Epoch ms of the last REPORT line. */
  reportMs: number;
}

export interface RunObserver {
  /** Every request id seen, in order of its first line. */
  readonly runs: ReadonlyMap<string, RunRecord>;
  /** REPORT lines seen in total (grows with every completion: the wait's progress signal). */
  reportLines(): number;
  /** Request ids with a REPORT seen, counted as they come in (cheap to poll). */
  completed(): number;
  /** Of those, ids in `tracked`; add ids before their events are sent. */
  trackedCompleted(): number;
  readonly tracked: Set<string>;
  /** Lines at ERROR level (a trivial handler writes none). */
  errorLines(): number;
  /** Connection trouble while observing: runs may have been missed. */
  readonly problems: string[];
  stop(): Promise<void>;
}

interface LogLine { requestId?: unknown; time?: unknown; level?: unknown; line?: unknown }

export async function observeRuns(nc: NatsConnection, functionName: string): Promise<RunObserver> {
  const runs = new Map<string, RunRecord>();
  const problems: string[] = [];
  const tracked = new Set<string>();
  let reports = 0;
  let completed = 0;
  let trackedCompleted = 0;
  let errors = 0;
  const record = (id: string) => {
    let r = runs.get(id);
    if (!r) runs.set(id, r = { starts: 0, reports: 0, startMs: Number.NaN, reportMs: Number.NaN });
    return r;
  };
  const sub: Subscription = nc.subscribe(subjects.logs(functionName), {
    callback: (err, msg) => {
      if (err) { problems.push(`log subscription: ${err.message}`); return; }
      let batch: { events?: unknown };
      try { batch = msg.json<{ events?: unknown }>(); } catch { problems.push("a log message that is not JSON"); return; }
      if (!Array.isArray(batch.events)) { problems.push("a log message without events"); return; }
      for (const event of batch.events as LogLine[]) {
        if (typeof event.requestId !== "string" || typeof event.line !== "string" || typeof event.time !== "number") continue;
        if (event.level === LogLevel.Error) errors++;
        if (event.line.startsWith("START RequestId:")) {
          const r = record(event.requestId);
          if (r.starts++ === 0) r.startMs = event.time;
        } else if (event.line.startsWith("REPORT RequestId:")) {
          const r = record(event.requestId);
          if (r.reports++ === 0) {
            completed++;
            if (tracked.has(event.requestId)) trackedCompleted++;
          }
          reports++;
          r.reportMs = Number.isNaN(r.reportMs) ? event.time : Math.max(r.reportMs, event.time);
        }
      }
    },
  });
  // A dropped connection loses core messages: say so next to the counts.
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error" || s.type === "slowConsumer") {
        problems.push(`observer connection: ${s.type}${"error" in s ? ` ${s.error.message}` : ""}`);
      }
    }
  })();
  // The subscription is live on the server once a round trip has passed.
  await nc.flush();
  return {
    runs, problems, tracked,
    reportLines: () => reports,
    completed: () => completed,
    trackedCompleted: () => trackedCompleted,
    errorLines: () => errors,
    async stop() { sub.unsubscribe(); },
  };
}

export interface WaitOptions {
  /** True once everything expected has been seen. */
  done: () => boolean;
  /** A number that grows with every completion (e.g. REPORT lines seen). */
  progress: () => number;
  idleTimeoutMs: number;
  deadlineMs: number;
  signal: AbortSignal;
}

/** Polls until `done`, or until `progress` stands still for idleTimeoutMs, or the deadline passes. */
export async function waitForRuns(o: WaitOptions): Promise<WaitEnd> {
  const deadline = Date.now() + o.deadlineMs;
  let last = o.progress();
  let lastChange = Date.now();
  for (;;) {
    if (o.done()) return WaitEnd.AllDone;
    if (o.signal.aborted) throw new Error("interrupted");
    const now = Date.now();
    if (now >= deadline) return WaitEnd.Deadline;
    const p = o.progress();
    if (p !== last) { last = p; lastChange = now; } else if (now - lastChange >= o.idleTimeoutMs) return WaitEnd.Idle;
    await new Promise((r) => setTimeout(r, 50));
  }
}
