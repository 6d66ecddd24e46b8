/**
 * The event-sources section: Postgres and core NATS event source mappings made through the Lambda
 * API (CreateEventSourceMapping, SigV4 by @aws-sdk/client-lambda) on the stack as `make dev` starts
 * it (the trigger's Postgres source `dev` is database `app` on the stack's PostgreSQL), each next to
 * a floor from the same run:
 *
 * 1. PostgreSQL alone: the burst's workload into a table no mapping reads, before any mapping exists.
 * 2. change feed: a burst of row changes from several writers into a table mapped with BatchSize
 *    1000 and a 1 s window, until every row reached an invocation (rows/s, batch delays).
 * 3. one-row transactions at a low rate into a table mapped with window 0: commit → handler start.
 * 4. core NATS: messages at a low rate on a mapped subject: publish → handler start; then the same
 *    between two plain NATS clients.
 * 5. with the stack stopped, bench/src/changes/run.ts on its own servers: the feed into
 *    FNMESH_CHANGES alone, PostgreSQL → JetStream, without the batch runner and the invocations.
 */
import { connect } from "@nats-io/transport-node";
import { measureChanges } from "../changes/run.ts";
import { createFunction, lambdaClient } from "../sdk-bench.ts";
import { startStack } from "../stack.ts";
import { observeSources, sourcesHandlerSource } from "./handler.ts";
import { mapSubject, measureNatsFloor, measureNatsMapping } from "./nats.ts";
import { createTable, mapTable, measureBurst, measureSingles, writeRows } from "./postgres.ts";
import type { SourcesResults, SourcesSettings } from "./types.ts";

export const defaultSourcesSettings: SourcesSettings = {
  rows: 50_000, txnRows: 100, writers: 4, batchSize: 1_000, windowSeconds: 1, singles: 200, pauseMs: 20, idleTimeoutMs: 15_000,
};

export interface SourcesBenchOptions {
  root: string;
  prefix: string;
  settings: SourcesSettings;
  signal: AbortSignal;
  say: (msg: string) => void;
  onStop: (stop: () => Promise<unknown>) => void;
}

export async function measureSources(o: SourcesBenchOptions): Promise<SourcesResults> {
  const s = o.settings;
  o.say("starting fnmesh as make dev does: nats-server, PostgreSQL (with database app as Postgres source dev), the four services");
  const stack = await startStack(o.root);
  o.onStop(() => stack.stop());
  const lambda = lambdaClient(stack.endpoint, stack.credentials);
  o.onStop(async () => lambda.destroy());
  const nc = await connect({ servers: stack.natsUrl, name: "fnmesh-bench-sources", noAsyncTraces: true });
  o.onStop(() => nc.close());
  const url = stack.appDatabaseUrl;
  const tag = o.prefix.replace(/-/g, "_");
  const tables = { floor: `${tag}_floor`, burst: `${tag}_burst`, single: `${tag}_single` };
  const fns = { burst: `${o.prefix}-pg-burst`, single: `${o.prefix}-pg-single`, nats: `${o.prefix}-nats` };
  for (const table of Object.values(tables)) await createTable(url, table);
  for (const fn of Object.values(fns)) await createFunction(lambda, fn, fn, sourcesHandlerSource(fn));
  const observer = await observeSources(nc, Object.values(fns));

  o.say(`floor: ${s.rows} rows, ${s.txnRows} per transaction, ${s.writers} writers, into a table no mapping reads`);
  const floor = await writeRows(url, tables.floor, 1, s);

  o.say(`mapping ${tables.burst} (BatchSize ${s.batchSize}, window ${s.windowSeconds} s) and ${tables.single} (window 0); waiting for their slots and a warm run`);
  await mapTable({ lambda, url, fn: fns.burst, table: tables.burst, batchSize: s.batchSize, windowSeconds: s.windowSeconds, observer, signal: o.signal });
  await mapTable({ lambda, url, fn: fns.single, table: tables.single, batchSize: 100, windowSeconds: 0, observer, signal: o.signal });

  o.say(`burst: ${s.rows} rows into ${tables.burst} until every row reached ${fns.burst}`);
  const burst = await measureBurst({ url, fn: fns.burst, table: tables.burst, settings: s, observer, signal: o.signal });

  o.say(`one-row transactions: ${s.singles}, ${s.pauseMs} ms apart`);
  const pgSingle = await measureSingles({
    url, fn: fns.single, table: tables.single, count: s.singles, pauseMs: s.pauseMs, idleTimeoutMs: s.idleTimeoutMs, observer, signal: o.signal,
  });

  const subject = `bench.${tag}.events`;
  o.say(`core NATS: mapping ${subject}, then ${s.singles} messages ${s.pauseMs} ms apart, then the same between two plain clients`);
  await mapSubject({ lambda, nc, fn: fns.nats, subject, observer, signal: o.signal });
  const nats = await measureNatsMapping({ nc, fn: fns.nats, subject, count: s.singles, pauseMs: s.pauseMs, idleTimeoutMs: s.idleTimeoutMs, observer, signal: o.signal });
  const natsFloor = await measureNatsFloor({
    nc, natsUrl: stack.natsUrl, subject: `bench.${tag}.floor`, count: s.singles, pauseMs: s.pauseMs, idleTimeoutMs: s.idleTimeoutMs, signal: o.signal,
  });
  observer.stop();
  await nc.close();
  await stack.stop();

  o.say(`FNMESH_CHANGES alone (bench/src/changes/run.ts, its own servers): ${s.rows} rows`);
  const changes = await measureChanges({ rows: s.rows, txnRows: s.txnRows, writers: s.writers });

  return {
    settings: s, commitFloorPerSec: s.rows / (floor.ms / 1000), burst, pgSingle, nats, natsFloor, changes,
    errors: [...observer.problems], serviceLogs: stack.logs(),
  };
}
