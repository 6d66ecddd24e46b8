/**
 * The function the event-source section maps, and how the bench hears from it. The handler reads
 * `Date.now()` first, then writes one marked log line per Postgres batch or NATS record; executors
 * publish every log line on `fnmesh.logs.<fn>` anyway, so a core NATS subscription sees what each
 * invocation got without the function reaching out (no egress, nothing added to its work but one
 * `console.log`).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { LogLevel, subjects } from "@fnmesh/protocol";

const MARK = "FNMESH_BENCH ";

/** One Postgres batch as the handler saw it. */
export interface PgBatch {
  /** The function that ran it. */
  fn: string;
  /** Handler start, epoch ms (the isolate's `Date.now()`, same machine clock as PostgreSQL's). */
  start: number;
  n: number;
  /** The rows' `id`s as inclusive runs `[from, to]`, in delivery order. */
  runs: [number, number][];
  /** Commit times (ISO, µs) of every record when n ≤ 20, else of the first and last. */
  commits: string[];
}

/** One NATS message as the handler saw it. */
export interface NatsRun { fn: string; start: number; i: number; sentAt: number }

/**
 * Handles both shapes: `{ Records }` (Postgres, modelled on DynamoDB Streams) and
 * `{ eventSource: "fnmesh:nats", records }`. `tag` keeps each function's bundle its own.
 */
export function sourcesHandlerSource(tag: string): string {
  return `export const benchTag = ${JSON.stringify(tag)};
export const handler = async (event) => {
  const start = Date.now();
  if (Array.isArray(event.Records)) {
    const rs = event.Records;
    const runs = [];
    for (const r of rs) {
      const id = (r.dynamodb.NewImage ?? r.dynamodb.Keys).id;
      const last = runs[runs.length - 1];
      if (last && last[1] + 1 === id) last[1] = id; else runs.push([id, id]);
    }
    const commits = rs.length <= 20 ? rs.map((r) => r.postgres.commitTime) : [rs[0].postgres.commitTime, rs[rs.length - 1].postgres.commitTime];
    console.log(${JSON.stringify(MARK)} + JSON.stringify({ kind: "pg", start, n: rs.length, runs, commits }));
  } else {
    for (const r of event.records ?? []) {
      const body = JSON.parse(atob(r.data));
      console.log(${JSON.stringify(MARK)} + JSON.stringify({ kind: "nats", start, i: body.i, sentAt: body.sentAt }));
    }
  }
  return "ok";
};
`;
}

export interface SourcesObserver {
  readonly pg: PgBatch[];
  readonly nats: NatsRun[];
  /** ERROR lines (the handler writes none) and subscription trouble: results may be incomplete. */
  readonly problems: string[];
  stop(): void;
}

interface LogLine { level?: unknown; line?: unknown }

/** Subscribes to the log lines of `functions` and collects the handler's marked lines. */
export async function observeSources(nc: NatsConnection, functions: readonly string[]): Promise<SourcesObserver> {
  const pg: PgBatch[] = [];
  const nats: NatsRun[] = [];
  const problems: string[] = [];
  const subs = functions.map((fn) => nc.subscribe(subjects.logs(fn), {
    callback: (err, msg) => {
      if (err) { problems.push(`log subscription ${fn}: ${err.message}`); return; }
      let batch: { events?: unknown };
      try { batch = msg.json<{ events?: unknown }>(); } catch { problems.push("a log message that is not JSON"); return; }
      if (!Array.isArray(batch.events)) { problems.push(`${fn}: a log message without events`); return; }
      for (const event of batch.events as LogLine[]) {
        if (typeof event.line !== "string") continue;
        if (event.level === LogLevel.Error) { if (problems.length < 20) problems.push(`${fn}: ${event.line.slice(0, 300)}`); continue; }
        const at = event.line.indexOf(MARK);
        if (at < 0) continue;
        let data: ({ kind: "pg" } & Omit<PgBatch, "fn">) | ({ kind: "nats" } & Omit<NatsRun, "fn">);
        try { data = JSON.parse(event.line.slice(at + MARK.length)) as typeof data; } catch { problems.push(`${fn}: an unreadable marked line`); continue; }
        if (data.kind === "pg") pg.push({ fn, start: data.start, n: data.n, runs: data.runs, commits: data.commits });
        else nats.push({ fn, start: data.start, i: data.i, sentAt: data.sentAt });
      }
    },
  }));
  // The subscriptions are live on the server once a round trip has passed.
  await nc.flush();
  return { pg, nats, problems, stop: () => { for (const s of subs) s.unsubscribe(); } };
}

/**
 * The handler's start as a time: `Date.now()` in the isolate reads whole milliseconds (rounded
 * down), so the true start lies in [start, start + 1); its midpoint makes delays unbiased.
 */
export const handlerStartMs = (start: number) => start + 0.5;

/** Epoch ms of an ISO 8601 UTC time with up to microseconds (`Date.parse` keeps milliseconds only). */
export function isoToEpochMs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return Date.parse(iso);
  return Date.parse(`${m[1]}Z`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}
