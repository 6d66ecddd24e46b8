/** Publishing against a real nats-server: replays are de-duplicated; undecodable changes reach the dead-letter stream with their bytes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { CHANGES_STREAM, DLQ_STREAM, DeadLetterReason, Header, subjects, type PostgresChangeRecord } from "@fnmesh/protocol";
import { ensureAsyncStream, ensureEventSourceStreams } from "@fnmesh/service-kit";
import { startNats } from "@fnmesh/test-harness";
import { changeMessageId, publishChanges, publishUndecodable } from "./publish-changes.ts";
import { slotName } from "./names.ts";

const record = (index: number): PostgresChangeRecord => ({
  eventID: `0/16B3748:${index}`, eventName: "INSERT", eventVersion: "1.0", eventSource: "fnmesh:postgres", awsRegion: "local",
  eventSourceARN: "arn:fnmesh:postgres:local:000000000000:table/dev/public.t",
  dynamodb: { ApproximateCreationDateTime: 1, Keys: { id: index }, NewImage: { id: index }, SequenceNumber: `00000000016B3748:${String(index).padStart(6, "0")}`, SizeBytes: 10, StreamViewType: "NEW_IMAGE" },
  postgres: { schema: "public", table: "t", commitLsn: "0/16B3748", commitTime: "2026-12-05T00:00:00.000000Z", xid: 1, replicaIdentity: "default" },
});

test("publishChanges stores each change once: a replay with the same slot, commit LSN and position is a duplicate", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  await ensureEventSourceStreams(nc);
  const js = jetstream(nc);
  const uuid = "6f1c2a5e-8e59-4a34-9d0c-1b2f3a4b5c6d";
  const records = Array.from({ length: 600 }, (_, i) => record(i));
  assert.deepEqual(await publishChanges(js, uuid, records), { stored: 600, duplicates: 0 });
  assert.deepEqual(await publishChanges(js, uuid, records.slice(100, 300)), { stored: 0, duplicates: 200 });
  const jsm = await jetstreamManager(nc);
  assert.equal((await jsm.streams.info(CHANGES_STREAM)).state.messages, 600);
  const first = await jsm.streams.getMessage(CHANGES_STREAM, { seq: 1 });
  assert.equal(first?.subject, subjects.changes(uuid));
  assert.equal(first?.header.get(Header.MsgId), `${slotName(uuid)}:0/16B3748:0`);
  assert.equal(changeMessageId(slotName(uuid), record(5)), `${slotName(uuid)}:0/16B3748:5`);
});

test("publishChanges rejects when the stream is missing, so the feed confirms nothing", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  await assert.rejects(publishChanges(jetstream(nc), "6f1c2a5e-8e59-4a34-9d0c-1b2f3a4b5c6d", [record(0)]));
});

test("an undecodable change lands in FNMESH_DLQ with reason invalid_source_record, its bytes and why", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  await ensureAsyncStream(nc);
  const uuid = "6f1c2a5e-8e59-4a34-9d0c-1b2f3a4b5c6d";
  const bytes = new Uint8Array([0x5a, 1, 2, 3]);
  await publishUndecodable(jetstream(nc), uuid, { slot: slotName(uuid), lsn: "0/16B3748", reason: 'unknown pgoutput message type "Z"', data: bytes });
  const jsm = await jetstreamManager(nc);
  const dead = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq(DeadLetterReason.InvalidSourceRecord) });
  assert.ok(dead);
  assert.deepEqual(Buffer.from(dead.data), Buffer.from(bytes));
  assert.equal(dead.header.get(Header.DeadLetterReason), "invalid_source_record");
  assert.equal(dead.header.get(Header.OriginalSubject), subjects.changes(uuid));
  assert.equal(dead.header.get(Header.ErrorType), "UndecodableChange");
  assert.match(dead.header.get(Header.ErrorMessage), /0\/16B3748: unknown pgoutput message type "Z"/);
});
