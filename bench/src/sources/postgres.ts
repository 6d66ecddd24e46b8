/**
 * Postgres event source mappings through the Lambda API: a burst of row changes from several
 * writers into a table mapped with batching (rows/s delivered to invocations), one-row transactions
 * one after another into a table mapped with window 0 (commit → handler start), and the burst's
 * workload into an unmapped table before any mapping exists (PostgreSQL's commit rate alone).
 * Writers commit with synchronous_commit=on, PostgreSQL's default: the harness's server turns it
 * off, which would leave commits in WAL buffers for up to wal_writer_delay, and walsenders send
 * only flushed WAL.
 */
import { CreateEventSourceMappingCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import pg from "pg";
import { slotName } from "@fnmesh/pg-change-feed";
import { waitForRuns } from "../async/observe.ts";
import { WaitEnd } from "../async/types.ts";
import { summarize } from "../stats.ts";
import { handlerStartMs, isoToEpochMs, type PgBatch, type SourcesObserver } from "./handler.ts";
import type { BurstResult, DelayResult, SourcesSettings } from "./types.ts";

const WRITER_OPTIONS = "-c synchronous_commit=on";
const DEADLINE_MS = 10 * 60_000;
/** make dev's source name for its `app` database; region and account are ingest's defaults. */
export const postgresArn = (table: string) => `arn:fnmesh:postgres:us-east-1:000000000000:table/dev/public.${table}`;

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, options: WRITER_OPTIONS });
  await client.connect();
  try { return await client.query(text, values); } finally { await client.end(); }
}

export async function createTable(url: string, table: string): Promise<void> {
  await sql(url, `CREATE TABLE ${table} (id int4 PRIMARY KEY, amount numeric(12,2), status text, at timestamptz DEFAULT now())`);
}

/** Rows `from`..`from + rows - 1` in transactions of `txnRows` from `writers` connections; epoch ms of the start and ms taken. */
export async function writeRows(url: string, table: string, from: number, s: Pick<SourcesSettings, "rows" | "txnRows" | "writers">): Promise<{ startEpochMs: number; ms: number }> {
  const pool = new pg.Pool({ connectionString: url, max: s.writers, options: WRITER_OPTIONS });
  try {
    // Connections first, so the timing holds commits only.
    const clients = await Promise.all(Array.from({ length: s.writers }, () => pool.connect()));
    for (const c of clients) c.release();
    let next = from;
    const end = from + s.rows;
    const startEpochMs = Date.now();
    const started = performance.now();
    await Promise.all(Array.from({ length: s.writers }, async () => {
      while (next < end) {
        const lo = next;
        next = Math.min(end, next + s.txnRows);
        await pool.query(`INSERT INTO ${table} (id, amount, status) SELECT g, g * 1.5, 'new' FROM generate_series($1::int4, $2::int4) g`, [lo, next - 1]);
      }
    }));
    return { startEpochMs, ms: performance.now() - started };
  } finally {
    await pool.end();
  }
}

/**
 * Maps `table` to `fn` through CreateEventSourceMapping and waits until its slot streams (LATEST:
 * changes count from then), then writes a warm-up row (id -1) and waits for the function to get it,
 * so no measurement includes a cold start.
 */
export async function mapTable(o: {
  lambda: LambdaClient; url: string; fn: string; table: string; batchSize: number; windowSeconds: number;
  observer: SourcesObserver; signal: AbortSignal;
}): Promise<string> {
  const out = await o.lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: o.fn, EventSourceArn: postgresArn(o.table), StartingPosition: "LATEST",
    BatchSize: o.batchSize, MaximumBatchingWindowInSeconds: o.windowSeconds,
  }));
  const uuid = out.UUID ?? "";
  const slot = slotName(uuid);
  const deadline = Date.now() + 60_000;
  while (!(await sql(o.url, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot])).rows[0]?.active) {
    if (o.signal.aborted) throw new Error("interrupted");
    if (Date.now() > deadline) throw new Error(`the slot of mapping ${uuid} (${o.table}) did not stream within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await sql(o.url, `INSERT INTO ${o.table} (id, amount, status) VALUES (-1, 0, 'warm-up')`);
  const got = await waitForRuns({
    done: () => o.observer.pg.some((b) => b.fn === o.fn && b.runs.some(([a]) => a === -1)),
    progress: () => o.observer.pg.length, idleTimeoutMs: 60_000, deadlineMs: 60_000, signal: o.signal,
  });
  if (got !== WaitEnd.AllDone) throw new Error(`the warm-up row of ${o.table} never reached ${o.fn} (${got})`);
  return uuid;
}

/** Rows delivered to `fn` (ids ≥ 1 only) and how many of them more than once. */
function tallyRows(batches: readonly PgBatch[]): { distinct: number; total: number } {
  const seen = new Set<number>();
  let total = 0;
  for (const b of batches) {
    for (const [from, to] of b.runs) {
      for (let id = Math.max(1, from); id <= to; id++) { seen.add(id); total++; }
    }
  }
  return { distinct: seen.size, total };
}

/** The burst: `rows` inserts from `writers` connections into the mapped `table`, until every row reached `fn`. */
export async function measureBurst(o: {
  url: string; fn: string; table: string; settings: SourcesSettings; observer: SourcesObserver; signal: AbortSignal;
}): Promise<BurstResult> {
  const s = o.settings;
  const mine = () => o.observer.pg.filter((b) => b.fn === o.fn && b.runs.some(([, to]) => to >= 1));
  const before = o.observer.pg.length;
  const write = await writeRows(o.url, o.table, 1, s);
  let lastCount = 0;
  const ended = await waitForRuns({
    // Counting is O(rows); check only when new batches came in.
    done: () => {
      if (o.observer.pg.length === lastCount) return false;
      lastCount = o.observer.pg.length;
      return tallyRows(mine()).distinct >= s.rows;
    },
    progress: () => o.observer.pg.length - before, idleTimeoutMs: s.idleTimeoutMs, deadlineMs: DEADLINE_MS, signal: o.signal,
  });
  const batches = mine();
  const { distinct, total } = tallyRows(batches);
  const lastStart = handlerStartMs(Math.max(...batches.map((b) => b.start)));
  const elapsedMs = lastStart - write.startEpochMs;
  return {
    delivered: distinct, duplicates: total - distinct, batches: batches.length, meanBatch: batches.length ? total / batches.length : Number.NaN,
    elapsedMs, perSec: distinct / (elapsedMs / 1000),
    batchDelayMs: summarize(batches.map((b) => handlerStartMs(b.start) - isoToEpochMs(b.commits[0] ?? ""))),
    commitMs: write.ms,
    ended: ended === WaitEnd.AllDone ? "all delivered" : "idle timeout",
  };
}

/** `count` one-row transactions, `pauseMs` apart, into the mapped `table`: each row's commit → its handler start. */
export async function measureSingles(o: {
  url: string; fn: string; table: string; count: number; pauseMs: number; idleTimeoutMs: number; observer: SourcesObserver; signal: AbortSignal;
}): Promise<DelayResult> {
  const client = new pg.Client({ connectionString: o.url, options: WRITER_OPTIONS });
  await client.connect();
  try {
    for (let id = 1; id <= o.count; id++) {
      if (o.signal.aborted) throw new Error("interrupted");
      await client.query(`INSERT INTO ${o.table} (id, amount, status) VALUES ($1, 1, 'single')`, [id]);
      await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  } finally {
    await client.end();
  }
  const mine = () => o.observer.pg.filter((b) => b.fn === o.fn && b.runs.some(([, to]) => to >= 1));
  await waitForRuns({
    done: () => tallyRows(mine()).distinct >= o.count,
    progress: () => o.observer.pg.length, idleTimeoutMs: o.idleTimeoutMs, deadlineMs: DEADLINE_MS, signal: o.signal,
  });
  const batches = mine();
  const { distinct, total } = tallyRows(batches);
  // Window 0 and a slow writer: batches hold one record or a few; n ≤ 20 logs every commit time.
  const delays = batches.flatMap((b) => b.commits.map((c) => handlerStartMs(b.start) - isoToEpochMs(c)));
  return { sent: o.count, received: distinct, duplicates: total - distinct, delayMs: summarize(delays), delaySamples: delays };
}
