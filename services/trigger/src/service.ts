/**
 * startTrigger: runs the event source mappings of EVENT_SOURCES_BUCKET on this replica. The mapping
 * watcher keeps a MappingTable and tells the runner manager about every change; the manager runs
 * one runner per Enabled mapping by source kind (nats: a queue-group subscription; jetstream: a
 * durable pull consumer in batches). Every replica runs every mapping; queue groups and shared
 * consumers make each message go to one of them. S3 notifications are fanned out to their
 * mappings by one shared consumer (and buckets bound when FNMESH_S3_* is set); other kinds
 * Postgres mappings run a change feed into FNMESH_CHANGES plus a batch runner on it. More kinds
 * plug in through `kinds`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { createInvokeClient, type InvokeClient } from "@fnmesh/invoke";
import { createS3Client } from "@fnmesh/s3-events";
import { EventSourceKind, kvBuckets } from "@fnmesh/protocol";
import { ensureAsyncStream, openKvBucket, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import type { TriggerConfig } from "./config.ts";
import { startMappingWatcher } from "./mapping-watcher.ts";
import type { MappingTable } from "./mapping-table.ts";
import { createRunnerManager, type RunnerManager, type SourceKinds } from "./runners.ts";
import type { BatchOutcome } from "./sources/jetstream-batches.ts";
import { cleanupJetStreamStream, startJetStreamStream } from "./sources/jetstream-stream.ts";
import { startNatsSubject } from "./sources/nats-subject.ts";
import { enforcePostgresSlotLag, type PostgresFeedDeps } from "./sources/postgres-feed.ts";
import { cleanupPostgresStream, startPostgresStream } from "./sources/postgres-stream.ts";
import { startS3Binding, type S3Binding } from "./sources/s3-binding.ts";
import { startS3Fanout } from "./sources/s3-fanout.ts";
import { createStatusReporter } from "./status-reporter.ts";

/** How often disabled Postgres mappings' slots are checked against FNMESH_PG_MAX_SLOT_LAG_BYTES. */
const SLOT_LAG_CHECK_MS = 30_000;

export interface TriggerDeps {
  nc: NatsConnection;
  log: Logger;
  config: TriggerConfig;
  /** More source kinds (s3, postgres), built on this trigger's invoker; they win over the built-in ones. */
  kinds?: (shared: { invoker: InvokeClient }) => SourceKinds;
  /** Called after each JetStream batch (tests, metrics). */
  onBatch?: (outcome: BatchOutcome) => void;
  /** Run the S3 notification fan-out (default true; a test running its own passes false). */
  s3Fanout?: boolean;
}

export interface Trigger {
  /** This replica's copy of the mappings (for sources that look mappings up per record, like S3). */
  mappings: MappingTable;
  runners: RunnerManager;
  stop(): Promise<void>;
}

export async function startTrigger(deps: TriggerDeps): Promise<Trigger> {
  const { nc, log, config } = deps;
  const health = serveHealth(nc, "trigger");
  // Invocations go to FNMESH_ASYNC, records fnmesh gives up on to FNMESH_DLQ.
  await ensureAsyncStream(nc, { replicas: config.jsReplicas });
  const invoker = createInvokeClient(nc);
  const status = createStatusReporter(await openKvBucket(nc, kvBuckets.eventSourceStatus, { replicas: config.jsReplicas }), log);
  const onBatch = (outcome: BatchOutcome) => {
    if (outcome.invoked > 0) status.report(outcome.mapping, outcome.retried + outcome.sentToDestination > 0 ? "PROBLEM: Function call failed" : "OK");
    deps.onBatch?.(outcome);
  };
  const batchDeps = { nc, invoker, log, ...config.batches, onBatch };
  const pgDeps: PostgresFeedDeps = {
    nc, sources: config.pgSources, log: log.child({ component: "postgres-feed" }), maxSlotLagBytes: config.maxSlotLagBytes, jsReplicas: config.jsReplicas,
  };
  const kinds: SourceKinds = {
    [EventSourceKind.Nats]: { start: (mapping) => startNatsSubject({ nc, invoker, log }, mapping) },
    [EventSourceKind.JetStream]: {
      start: (mapping) => startJetStreamStream(batchDeps, mapping),
      cleanup: (mapping) => cleanupJetStreamStream({ nc }, mapping),
    },
    // S3 mappings need no runner of their own: the one fan-out below serves every bucket, looking
    // mappings up per record, and the binding keeps their buckets wired to fnmesh's target.
    [EventSourceKind.S3]: { start: () => Promise.resolve({ stop: () => Promise.resolve() }) },
    [EventSourceKind.Postgres]: {
      start: (mapping) => startPostgresStream(pgDeps, batchDeps, mapping),
      cleanup: (mapping) => cleanupPostgresStream(pgDeps, batchDeps, mapping),
    },
    ...deps.kinds?.({ invoker }),
  };
  const runners = createRunnerManager({
    kinds, log, onStatus: (uuid, result) => { if (result === undefined) status.clear(uuid); else status.report(uuid, result); },
  });
  let table: MappingTable | undefined;
  const mappings = () => table?.values() ?? [];
  const binding: S3Binding | undefined = config.s3
    ? startS3Binding({ client: createS3Client(config.s3), targetArn: config.s3.targetArn, mappings, log: log.child({ component: "s3-binding" }) })
    : undefined;
  const rebind = (kind: string) => { if (binding && kind === EventSourceKind.S3) void binding.reconcile(); };
  const watcher = await startMappingWatcher({
    nc, log, replicas: config.jsReplicas,
    listener: {
      put(view, previous) { runners.put(view, previous); rebind(view.source.kind); },
      delete(previous) { runners.delete(previous); rebind(previous.source.kind); },
    },
  });
  table = watcher.table;
  await watcher.ready;
  const fanout = deps.s3Fanout === false ? undefined : await startS3Fanout({
    nc, mappings, invoker, log: log.child({ component: "s3-fanout" }), replicas: config.jsReplicas,
    ...(config.s3 ? { region: config.s3.region } : {}),
  });
  // A disabled Postgres mapping has no feed reading its slot: its lag is checked here, so a mapping
  // left disabled cannot fill the database's disk (see @fnmesh/pg-change-feed's lag policy).
  const lagGuard = setInterval(() => {
    for (const view of watcher.table.values()) {
      if (view.source.kind !== EventSourceKind.Postgres || view.state !== "Disabled" || !config.pgSources.has(view.source.source)) continue;
      enforcePostgresSlotLag(pgDeps, view).catch((err: unknown) => log.warn("slot lag check failed", { mapping: view.uuid, err }));
    }
  }, SLOT_LAG_CHECK_MS);
  lagGuard.unref();
  health.setReady(true);
  log.info("trigger ready", { mappings: watcher.table.size, kinds: Object.keys(kinds), s3Binding: config.s3 ? config.s3.targetArn : "off" });
  return {
    mappings: watcher.table,
    runners,
    async stop() {
      clearInterval(lagGuard);
      health.stop();
      await watcher.stop();
      await fanout?.stop();
      await binding?.stop();
      await runners.stop();
      await status.settled();
    },
  };
}
