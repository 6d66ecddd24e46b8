/**
 * Change-feed throughput: row changes committed in PostgreSQL until stored in FNMESH_CHANGES through
 * @fnmesh/pg-change-feed (pgoutput slot → decode → batched publishes with PubAcks → confirm), and
 * commit→stored delay p50/p99 (the record's commit time vs JetStream's stored time, same machine
 * clock; writers commit with synchronous_commit=on, PostgreSQL's default). Next to two floors from the same run: the rate PostgreSQL commits the rows at (the writers
 * alone) and the rate the same records are stored by publishChanges without PostgreSQL (NATS alone).
 * Measures only; asserts nothing. `measureChanges()` for bench/src/main.ts; run directly for a table:
 *   node --no-node-snapshot bench/src/changes/run.ts [--rows=50000] [--txn-rows=100] [--writers=4]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { CHANGES_STREAM, PostgresChangeRecord, subjects } from "@fnmesh/protocol";
import { dropChangeFeed, publishChanges, publishSlotSkipped, publishUndecodable, startChangeFeed } from "@fnmesh/pg-change-feed";
import { ensureEventSourceStreams } from "@fnmesh/service-kit";
import { startNats, startPostgres } from "@fnmesh/test-harness";
import { summarize, type Summary } from "../stats.ts";
import { formatTable } from "../table.ts";

export interface ChangesOptions {
  /** Rows inserted (one change each). Default 50,000. */
  rows: number;
  /** Rows per transaction. Default 100. */
  txnRows: number;
  /** Concurrent writer connections. Default 4. */
  writers: number;
}

export interface ChangesResults {
  rows: number;
  txnRows: number;
  writers: number;
  /** Row changes per second from the first commit until the last change was stored. */
  feedPerSec: number;
  /** Row changes per second PostgreSQL committed (writers alone, during the same run). */
  commitPerSec: number;
  /** The same records stored by publishChanges without PostgreSQL (NATS floor). */
  publishFloorPerSec: number;
  /** Commit → stored in FNMESH_CHANGES, ms, over a sample of the burst's changes (includes the backlog). */
  delayMs: Summary;
  /** Commit → stored, ms, of 200 single-row transactions written one after another once the burst is stored. */
  unloadedDelayMs: Summary;
}

const WRITER_OPTIONS = "-c synchronous_commit=on";

const quiet = { debug() {}, info() {}, warn() {}, error: (msg: string, f?: Record<string, unknown>) => process.stderr.write(`[changes] ${msg} ${JSON.stringify(f)}\n`) };

async function storedCount(nc: NatsConnection, mappingUuid: string): Promise<number> {
  const subject = subjects.changes(mappingUuid);
  const info = await (await jetstreamManager(nc)).streams.info(CHANGES_STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function measureChanges(options: Partial<ChangesOptions> = {}): Promise<ChangesResults> {
  const rows = options.rows ?? 50_000;
  const txnRows = options.txnRows ?? 100;
  const writers = options.writers ?? 4;
  await using nats = await startNats();
  await using pgs = await startPostgres();
  await using db = await pgs.testDatabase();
  const nc = await connect({ servers: nats.url });
  try {
    await ensureEventSourceStreams(nc);
    const js = jetstream(nc);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query("CREATE TABLE bench_changes (id int4 PRIMARY KEY, amount numeric(12,2), status text, at timestamptz DEFAULT now())");
    await admin.end();

    const mappingUuid = randomUUID();
    const feed = startChangeFeed({
      connectionString: db.url, mappingUuid, schema: "public", table: "bench_changes",
      eventSourceArn: "arn:fnmesh:postgres:local:000000000000:table/bench/public.bench_changes", log: quiet,
      onChanges: async (records) => { await publishChanges(js, mappingUuid, records); },
      onUndecodable: (change) => publishUndecodable(js, mappingUuid, change),
      onSlotSkipped: (skipped) => publishSlotSkipped(js, skipped),
    });
    try {
      await waitFor(async () => feed.streaming(), 60_000, "the feed to stream");
      // PostgreSQL's default: the harness turns synchronous_commit off, which leaves commits in WAL
      // buffers up to wal_writer_delay (200 ms) — and walsenders send only flushed WAL.
      const pool = new pg.Pool({ connectionString: db.url, max: writers, options: WRITER_OPTIONS });
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: writers }, async () => {
        while (next < rows) {
          const from = next;
          next = Math.min(rows, next + txnRows);
          await pool.query("INSERT INTO bench_changes (id, amount, status) SELECT g, g * 1.5, 'new' FROM generate_series($1::int4, $2::int4) g", [from, next - 1]);
        }
      }));
      const committedMs = performance.now() - started;
      await pool.end();
      await waitFor(async () => (await storedCount(nc, mappingUuid)) >= rows, 600_000, `${rows} changes stored`);
      const storedMs = performance.now() - started;

      // Delay: a sample of up to 2,000 changes spread over the stream.
      const jsm = await jetstreamManager(nc);
      const state = (await jsm.streams.info(CHANGES_STREAM)).state;
      const step = Math.max(1, Math.floor((state.last_seq - state.first_seq + 1) / 2_000));
      const delays: number[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq; seq += step) {
        const m = await jsm.streams.getMessage(CHANGES_STREAM, { seq });
        if (!m) continue;
        const record = PostgresChangeRecord.parse(m.json());
        const commitMs = Date.parse(record.postgres.commitTime);
        delays.push(Math.max(0, m.time.getTime() - commitMs));
      }
      const records = await Promise.all(Array.from({ length: Math.min(rows, 20_000) }, async (_, i) => {
        const m = await jsm.streams.getMessage(CHANGES_STREAM, { seq: state.first_seq + i });
        return PostgresChangeRecord.parse(m?.json());
      }));

      // Unloaded delay: one-row transactions, one after another.
      const single = new pg.Client({ connectionString: db.url, options: WRITER_OPTIONS });
      await single.connect();
      for (let i = 0; i < 200; i++) await single.query("INSERT INTO bench_changes (id, amount, status) VALUES ($1, 1, 'single')", [rows + i]);
      await single.end();
      await waitFor(async () => (await storedCount(nc, mappingUuid)) >= rows + 200, 60_000, "the single-row changes stored");
      const last = (await jsm.streams.info(CHANGES_STREAM)).state.last_seq;
      const unloaded: number[] = [];
      for (let seq = last - 199; seq <= last; seq++) {
        const m = await jsm.streams.getMessage(CHANGES_STREAM, { seq });
        if (m) unloaded.push(Math.max(0, m.time.getTime() - Date.parse(PostgresChangeRecord.parse(m.json()).postgres.commitTime)));
      }

      // NATS floor: the same records, stored again under another mapping's subject.
      const floorUuid = randomUUID();
      const floorStarted = performance.now();
      for (let i = 0; i < records.length; i += 500) await publishChanges(js, floorUuid, records.slice(i, i + 500));
      const floorMs = performance.now() - floorStarted;

      return {
        rows, txnRows, writers,
        feedPerSec: rows / (storedMs / 1000),
        commitPerSec: rows / (committedMs / 1000),
        publishFloorPerSec: records.length / (floorMs / 1000),
        delayMs: summarize(delays),
        unloadedDelayMs: summarize(unloaded),
      };
    } finally {
      await feed.stop();
      await dropChangeFeed({ connectionString: db.url, mappingUuid });
    }
  } finally {
    await nc.drain();
  }
}

/** The printed table. */
export function formatChanges(r: ChangesResults): string[] {
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  return [
    `Postgres change feed: ${n(r.rows)} inserted rows, ${r.txnRows} per transaction, ${r.writers} writers`,
    ...formatTable(["measure", "value"], [
      ["row changes/s committed → stored in FNMESH_CHANGES", n(r.feedPerSec)],
      ["commit → stored p50 / p99 during the burst (ms)", `${r.delayMs.p50.toFixed(1)} / ${r.delayMs.p99.toFixed(1)}`],
      ["commit → stored p50 / p99, one-row transactions (ms)", `${r.unloadedDelayMs.p50.toFixed(1)} / ${r.unloadedDelayMs.p99.toFixed(1)}`],
      ["floor: rows/s PostgreSQL committed (writers alone)", n(r.commitPerSec)],
      ["floor: records/s publishChanges stores (NATS alone)", n(r.publishFloorPerSec)],
    ]),
  ];
}

if (import.meta.main) {
  const args = parseArgs({ options: { rows: { type: "string" }, "txn-rows": { type: "string" }, writers: { type: "string" } } }).values;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await measureChanges({
    ...(args.rows ? { rows: num(args.rows) as number } : {}),
    ...(args["txn-rows"] ? { txnRows: num(args["txn-rows"]) as number } : {}),
    ...(args.writers ? { writers: num(args.writers) as number } : {}),
  });
  process.stdout.write(`${formatChanges(result).join("\n")}\n`);
}
