/**
 * startTrigger: runs the event source mappings of EVENT_SOURCES_BUCKET on this replica. The mapping
 * watcher keeps a MappingTable and tells the runner manager about every change; the manager runs
 * one runner per Enabled mapping by source kind (nats: a queue-group subscription; jetstream: a
 * durable pull consumer in batches). Every replica runs every mapping; queue groups and shared
 * consumers make each message go to one of them. Other kinds (s3, postgres) plug in through `kinds`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { createInvokeClient, type InvokeClient } from "@fnmesh/invoke";
import { EventSourceKind } from "@fnmesh/protocol";
import { ensureAsyncStream, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import type { TriggerConfig } from "./config.ts";
import { startMappingWatcher } from "./mapping-watcher.ts";
import type { MappingTable } from "./mapping-table.ts";
import { createRunnerManager, type RunnerManager, type SourceKinds } from "./runners.ts";
import type { BatchOutcome } from "./sources/jetstream-batches.ts";
import { cleanupJetStreamStream, startJetStreamStream } from "./sources/jetstream-stream.ts";
import { startNatsSubject } from "./sources/nats-subject.ts";

export interface TriggerDeps {
  nc: NatsConnection;
  log: Logger;
  config: TriggerConfig;
  /** More source kinds (s3, postgres), built on this trigger's invoker; they win over the built-in ones. */
  kinds?: (shared: { invoker: InvokeClient }) => SourceKinds;
  /** Called after each JetStream batch (tests, metrics). */
  onBatch?: (outcome: BatchOutcome) => void;
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
  const batchDeps = { nc, invoker, log, ...config.batches, ...(deps.onBatch ? { onBatch: deps.onBatch } : {}) };
  const kinds: SourceKinds = {
    [EventSourceKind.Nats]: { start: (mapping) => startNatsSubject({ nc, invoker, log }, mapping) },
    [EventSourceKind.JetStream]: {
      start: (mapping) => startJetStreamStream(batchDeps, mapping),
      cleanup: (mapping) => cleanupJetStreamStream({ nc }, mapping),
    },
    ...deps.kinds?.({ invoker }),
  };
  const runners = createRunnerManager({ kinds, log });
  const watcher = await startMappingWatcher({ nc, log, listener: runners, replicas: config.jsReplicas });
  await watcher.ready;
  health.setReady(true);
  log.info("trigger ready", { mappings: watcher.table.size, kinds: Object.keys(kinds) });
  return {
    mappings: watcher.table,
    runners,
    async stop() {
      health.stop();
      await watcher.stop();
      await runners.stop();
    },
  };
}
