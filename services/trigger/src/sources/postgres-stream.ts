/**
 * A Postgres event source mapping, both halves: the change feed from its replication slot into
 * FNMESH_CHANGES (postgres-feed.ts; confirmed to PostgreSQL only after each PubAck) and the batch
 * runner on the mapping's consumer of `fnmesh.changes.<uuid>` that invokes the function — as a
 * JetStream mapping, with DynamoDB Streams' `{ "Records": [...] }` batch and each record's eventID
 * as its itemIdentifier. Kept apart so a slow or failing function never holds WAL back: the slot
 * follows what is stored, the consumer follows what the function took.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { CHANGES_STREAM, PostgresChangeRecord, subjects, type EventSourceMappingView } from "@fnmesh/protocol";
import { mappingFilter } from "../mapping-filter.ts";
import type { Runner } from "../runners.ts";
import { deleteBatchConsumer, startJetStreamBatches, type JetStreamBatchDeps } from "./jetstream-batches.ts";
import { cleanupPostgresFeed, startPostgresFeed, type PostgresFeedDeps } from "./postgres-feed.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toRecord(m: JsMsg): PostgresChangeRecord | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(m.data));
  } catch (err) {
    return { invalid: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = PostgresChangeRecord.safeParse(json);
  return parsed.success ? parsed.data : { invalid: `not a Postgres change record: ${parsed.error.message}` };
}

export async function startPostgresStream(feedDeps: PostgresFeedDeps, batchDeps: JetStreamBatchDeps, mapping: EventSourceMappingView): Promise<Runner> {
  const feed = await startPostgresFeed(feedDeps, mapping);
  let delivery: Runner;
  try {
    delivery = await startJetStreamBatches(batchDeps, mapping, {
      stream: CHANGES_STREAM,
      filterSubject: subjects.changes(mapping.uuid),
      toRecord,
      itemId: (record) => record.eventID,
      toPayload: (records) => encoder.encode(JSON.stringify({ Records: records })),
      // Lambda's DynamoDB Streams rule: patterns match the record itself (`{"dynamodb":{"NewImage":…}}`).
      filter: mappingFilter(mapping, {}, batchDeps.log),
    });
  } catch (err) {
    await feed.stop();
    throw err;
  }
  return {
    async stop() {
      await feed.stop();
      await delivery.stop();
    },
  };
}

/** A deleted Postgres mapping: its consumer on FNMESH_CHANGES, then its slot and publication. */
export async function cleanupPostgresStream(feedDeps: Pick<PostgresFeedDeps, "sources">, batchDeps: Pick<JetStreamBatchDeps, "nc">, mapping: EventSourceMappingView): Promise<void> {
  await deleteBatchConsumer(batchDeps.nc, CHANGES_STREAM, mapping.uuid);
  await cleanupPostgresFeed(feedDeps, mapping);
}
