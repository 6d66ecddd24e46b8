/**
 * A JetStream event source mapping on one of the user's streams: the batch runner of
 * jetstream-batches.ts with NatsEvent records (base64 `data`, headers, subject, stream, sequence,
 * timestamp); a record's itemIdentifier is its stream sequence. At least once: a record is
 * acknowledged only after its batch's invocation succeeded or it reached the dead-letter stream.
 */
import type { EventSourceMappingView } from "@fnmesh/protocol";
import { NatsEventSource, RESERVED_STREAM } from "@fnmesh/protocol";
import { PayloadEncoding } from "@fnmesh/event-filter";
import { mappingFilter } from "../mapping-filter.ts";
import type { Runner } from "../runners.ts";
import { deleteBatchConsumer, startJetStreamBatches, type JetStreamBatchDeps } from "./jetstream-batches.ts";
import { jetStreamRecord, natsEvent } from "./nats-record.ts";

const encoder = new TextEncoder();

export async function startJetStreamStream(deps: JetStreamBatchDeps, mapping: EventSourceMappingView): Promise<Runner> {
  if (mapping.source.kind !== "jetstream") throw new Error(`mapping ${mapping.uuid} is not a JetStream mapping (${mapping.source.kind})`);
  // Ingest refuses these; a view written before it did (or by hand) must still not consume them.
  if (RESERVED_STREAM.test(mapping.source.stream)) {
    deps.log.error("a JetStream mapping names one of fnmesh's own streams; it does nothing", { mapping: mapping.uuid, stream: mapping.source.stream });
    return { async stop() {} };
  }
  return startJetStreamBatches(deps, mapping, {
    stream: mapping.source.stream,
    toRecord: jetStreamRecord,
    itemId: (_record, m) => String(m.seq),
    toPayload: (records) => encoder.encode(JSON.stringify(natsEvent(NatsEventSource.JetStream, mapping.eventSourceArn, records))),
    filter: mappingFilter(mapping, { payloadKey: "data", payloadEncoding: PayloadEncoding.Base64 }, deps.log),
  });
}

/** A deleted JetStream mapping: its durable consumer on the user's stream goes. */
export async function cleanupJetStreamStream(deps: Pick<JetStreamBatchDeps, "nc">, mapping: EventSourceMappingView): Promise<void> {
  if (mapping.source.kind !== "jetstream") return;
  await deleteBatchConsumer(deps.nc, mapping.source.stream, mapping.uuid);
}
