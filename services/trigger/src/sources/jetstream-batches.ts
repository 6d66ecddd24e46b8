/**
 * A JetStream-backed event source mapping, as Lambda's stream pollers work: a durable pull consumer
 * per mapping (`fnmesh-esm-<uuid>`, created if missing, shared by every trigger replica so each
 * message goes to one of them), batches of up to BatchSize gathered for up to
 * MaximumBatchingWindowInSeconds, one synchronous invocation per batch. Generic over the record: the
 * user's streams (jetstream-stream.ts) and FNMESH_CHANGES (Postgres changes) differ only in how a
 * message becomes a record and records an event.
 *
 * - Success: every message is acknowledged. Records the FilterCriteria drop are acknowledged unsent.
 * - ReportBatchItemFailures: listed records come back (nak, with backoff) and the rest are acknowledged.
 * - Function error, or a non-retryable refusal: the whole batch is retried here, held (ack progress
 *   keeps it ours) with exponential backoff, until MaximumRetryAttempts (-1: no limit); then its
 *   records are described to the OnFailure destination (on-failure.ts) or, without one or when it
 *   cannot be reached, go to the dead-letter stream (source_retries_exhausted) with their original bytes.
 * - No executor, throttled, transport trouble: waited out and retried without counting.
 * - A message that cannot become a record or is too large for an invocation: dead letter
 *   invalid_source_record. The mapping always moves on.
 * Nothing is acknowledged before the invocation's result or the dead letter's PubAck.
 */
import { randomUUID } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy, DeliverPolicy, jetstream, RetentionPolicy, jetstreamManager, type ConsumerConfig, type JetStreamClient, type JetStreamManager, type JsMsg,
} from "@nats-io/jetstream";
import {
  DeadLetterReason, eventSourceConsumer, InvocationType, InvokeSource, isFnmeshError, Limits, LogType, StartingPosition,
  type EventSourceMappingView,
} from "@fnmesh/protocol";
import { publishDeadLetter, type InvokeClient } from "@fnmesh/invoke";
import type { RecordFilter } from "@fnmesh/event-filter";
import type { Logger } from "@fnmesh/telemetry";
import { readBatchAnswer } from "../batch-result.ts";
import type { Runner } from "../runners.ts";
import { deliverOnFailure, streamFailureRecord } from "./on-failure.ts";

const MS_NS = 1_000_000;
const encoder = new TextEncoder();

/** How one kind of JetStream-backed source turns messages into an invocation. */
export interface BatchSource<R> {
  /** The stream the mapping's consumer reads. */
  stream: string;
  /** Only these subjects of it (e.g. `fnmesh.changes.<uuid>` of FNMESH_CHANGES); all when absent. */
  filterSubject?: string;
  /** The record of a message, or why there is none (dead-lettered invalid_source_record). */
  toRecord(m: JsMsg): R | { invalid: string };
  /** The record's itemIdentifier in a batchItemFailures answer. */
  itemId(record: R, m: JsMsg): string;
  /** The invocation payload for a batch. */
  toPayload(records: R[]): Uint8Array;
  /** The mapping's FilterCriteria, compiled for this record shape. */
  filter: RecordFilter;
}

export interface JetStreamBatchDeps {
  nc: NatsConnection;
  invoker: InvokeClient;
  log: Logger;
  /** First retry wait of a failed batch (doubling per retry, up to retryMaxMs). Default 1000 ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** The consumer's ack wait; ack progress goes out at a third of it. Default 30 s. */
  ackWaitMs?: number;
  /** How long stop() waits for a batch in hand before leaving it to redelivery. Default 10 s. */
  stopGraceMs?: number;
  /** Called after each batch (tests, metrics). */
  onBatch?: (outcome: BatchOutcome) => void;
}

export interface BatchOutcome {
  mapping: string;
  invoked: number;
  acked: number;
  retried: number;
  deadLettered: number;
  /** Records described to the OnFailure destination. */
  sentToDestination: number;
  filtered: number;
}

/**
 * The durable consumer's settings from the mapping: the deliver policy from StartingPosition, except
 * on a work-queue stream, where JetStream allows only `all` — and a work queue holds only what no
 * consumer took yet (FNMESH_CHANGES: what the mapping's slot produced), so that is where to start.
 */
export function batchConsumerConfig(mapping: EventSourceMappingView, source: { filterSubject?: string }, ackWaitMs: number, workQueue: boolean): Partial<ConsumerConfig> {
  const position = mapping.startingPosition ?? StartingPosition.TrimHorizon;
  const deliver: Partial<ConsumerConfig> =
    workQueue ? { deliver_policy: DeliverPolicy.All }
    : position === StartingPosition.Latest ? { deliver_policy: DeliverPolicy.New }
    : position === StartingPosition.AtTimestamp
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(mapping.startingPositionTimestamp ?? Date.now()).toISOString() }
      : { deliver_policy: DeliverPolicy.All };
  return {
    durable_name: eventSourceConsumer(mapping.uuid),
    ack_policy: AckPolicy.Explicit,
    ...deliver,
    ...(source.filterSubject ? { filter_subject: source.filterSubject } : {}),
    ack_wait: ackWaitMs * MS_NS,
    // Retries are counted here (MaximumRetryAttempts), not by the server.
    max_deliver: -1,
    // Batches in hand on every replica plus records waiting out a retry delay.
    max_ack_pending: Math.max(1_000, mapping.batchSize * 10),
  };
}

/** Creates the mapping's durable consumer unless it exists (an existing one keeps its position). */
export async function ensureBatchConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<void> {
  const name = config.durable_name ?? "";
  try {
    await jsm.consumers.info(stream, name);
    return;
  } catch (err) {
    if (!/consumer not found/i.test(String((err as Error).message))) throw err;
  }
  await jsm.consumers.add(stream, config).catch(async (err: unknown) => {
    // Another replica created it first.
    await jsm.consumers.info(stream, name).catch(() => { throw err; });
  });
}

/** A deleted mapping: its consumer goes (every replica may try; a missing one is fine). */
export async function deleteBatchConsumer(nc: NatsConnection, stream: string, mappingUuid: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.consumers.delete(stream, eventSourceConsumer(mappingUuid));
  } catch (err) {
    if (!/not found/i.test(String((err as Error).message))) throw err;
  }
}

const sleep = (ms: number, signal: { wake?: () => void }) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.wake = () => { clearTimeout(t); resolve(); };
});

interface Item<R> { m: JsMsg; record: R; id: string }
interface Failure { errorType: string; errorMessage: string; functionError: boolean }

export async function startJetStreamBatches<R>(deps: JetStreamBatchDeps, mapping: EventSourceMappingView, source: BatchSource<R>): Promise<Runner> {
  const { nc, log, invoker } = deps;
  const js: JetStreamClient = jetstream(nc);
  const ackWaitMs = deps.ackWaitMs ?? 30_000;
  const retryBaseMs = deps.retryBaseMs ?? 1_000;
  const retryMaxMs = deps.retryMaxMs ?? 60_000;
  const durable = eventSourceConsumer(mapping.uuid);
  const fields = { mapping: mapping.uuid, function: mapping.functionName, stream: source.stream, consumer: durable };
  const reportItems = mapping.functionResponseTypes.includes("ReportBatchItemFailures");
  const windowMs = mapping.maximumBatchingWindowInSeconds * 1000;
  let stopped = false;
  const waker: { wake?: () => void } = {};
  let fetching: { stop(): void } | undefined;

  const retryDelay = (retry: number) => Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, retry - 1));
  const exhausted = (retries: number) => mapping.maximumRetryAttempts !== -1 && retries >= mapping.maximumRetryAttempts;

  async function deadLetter(m: JsMsg, reason: DeadLetterReason, errorType: string, errorMessage: string, destination?: string): Promise<void> {
    await publishDeadLetter(js, {
      reason, data: m.data, originalSubject: m.subject, msgId: `${durable}-${m.info.stream}-${m.seq}.dlq`,
      function: mapping.functionName, attempts: m.info.deliveryCount, errorType, errorMessage, eventSourceMapping: mapping.uuid,
      ...(destination !== undefined ? { destination } : {}),
    });
    m.term();
  }

  /** Out of retries: to OnFailure when there is one and it takes the record, else each record to the dead-letter stream. */
  async function giveUp(items: Item<R>[], failure: Failure, invokeCount: number, outcome: BatchOutcome): Promise<void> {
    let destinationError: string | undefined;
    if (mapping.onFailure !== undefined) {
      try {
        const record = streamFailureRecord(mapping, {
          messages: items.map((i) => i.m), payload: source.toPayload(items.map((i) => i.record)), invokeCount, functionError: failure.functionError,
        }, new Date());
        await deliverOnFailure({ nc, js, invoker }, mapping, mapping.onFailure, record);
        for (const i of items) i.m.term();
        outcome.sentToDestination += items.length;
        log.warn("records past MaximumRetryAttempts sent to OnFailure", { ...fields, records: items.length, destination: mapping.onFailure, ...failure });
        return;
      } catch (err) {
        destinationError = (err as Error).message;
        log.warn("OnFailure destination could not take the failure record; dead-lettering the records", { ...fields, destination: mapping.onFailure, err });
      }
    }
    for (const i of items) {
      await deadLetter(i.m, DeadLetterReason.SourceRetriesExhausted, failure.errorType,
        destinationError === undefined ? failure.errorMessage : `${failure.errorMessage} (OnFailure: ${destinationError})`, mapping.onFailure);
      outcome.deadLettered++;
    }
    log.warn("records past MaximumRetryAttempts dead-lettered", { ...fields, records: items.length, ...failure });
  }

  /** Runs one batch's invocation; keeps its messages ours meanwhile. */
  async function invoke(items: Item<R>[], payload: Uint8Array, retries: number) {
    const working = setInterval(() => { for (const i of items) i.m.working(); }, Math.max(250, Math.floor(ackWaitMs / 3)));
    try {
      return await invoker.call({
        v: 2, requestId: randomUUID(), invocationType: InvocationType.RequestResponse, logType: LogType.None, function: mapping.functionName,
        source: { kind: InvokeSource.Trigger, arn: mapping.eventSourceArn }, attempt: retries + 1, acceptedAt: Date.now(),
      }, payload);
    } finally {
      clearInterval(working);
    }
  }

  /** Holds the batch while it waits, so it stays ours and in order. */
  async function hold(items: Item<R>[], ms: number): Promise<void> {
    const working = setInterval(() => { for (const i of items) i.m.working(); }, Math.max(250, Math.floor(ackWaitMs / 3)));
    try { await sleep(ms, waker); } finally { clearInterval(working); }
  }

  async function runBatch(items: Item<R>[], payload: Uint8Array, outcome: BatchOutcome): Promise<void> {
    // Redelivered after a replica died mid-retry: its earlier runs count. A batch mixing fresh records
    // with ones that came back counts from the freshest, so no record loses a retry it was owed.
    let retries = Math.max(0, Math.min(...items.map((i) => i.m.info.deliveryCount - 1)));
    let throttled = 0;
    while (!stopped) {
      let failure: Failure;
      try {
        outcome.invoked++;
        const { result, body } = await invoke(items, payload, retries);
        if (result.status === "ok") {
          if (!reportItems) { for (const i of items) i.m.ack(); outcome.acked += items.length; return; }
          const answer = readBatchAnswer(body, new Set(items.map((i) => i.id)));
          if (answer.kind === "success") { for (const i of items) i.m.ack(); outcome.acked += items.length; return; }
          if (answer.kind === "partial") { await partial(items, answer.failed, retries, outcome); return; }
          failure = { errorType: "InvalidBatchItemFailures", errorMessage: answer.reason, functionError: false };
        } else if (result.status === "function_error") {
          failure = { errorType: result.functionError.errorType, errorMessage: result.functionError.errorMessage, functionError: true };
        } else if (result.error.retryable) {
          throw Object.assign(new Error(result.error.message), { retryable: true, code: result.error.code });
        } else {
          failure = { errorType: result.error.code, errorMessage: result.error.message, functionError: false };
        }
      } catch (err) {
        // No executor, throttled, no reply, connection trouble: not the function's fault, not counted.
        const retryable = (isFnmeshError(err) && err.retryable) || (err as { retryable?: boolean }).retryable === true;
        if (!retryable) throw err;
        throttled++;
        const delay = retryDelay(Math.min(throttled, 6));
        log.warn("JetStream mapping batch could not run; trying again", { ...fields, err, delayMs: delay });
        await hold(items, delay);
        continue;
      }
      if (exhausted(retries)) { await giveUp(items, failure, retries + 1, outcome); return; }
      retries++;
      outcome.retried += items.length;
      const delay = retryDelay(retries);
      log.info("JetStream mapping batch failed; retrying the whole batch", { ...fields, records: items.length, retry: retries, delayMs: delay, ...failure });
      await hold(items, delay);
    }
    // Stopping: hand the batch back now rather than after the ack wait.
    for (const i of items) i.m.nak();
  }

  /** ReportBatchItemFailures: the others are done; the listed ones come back after a delay, or are dead-lettered once out of retries. */
  async function partial(items: Item<R>[], failed: Set<string>, batchRetries: number, outcome: BatchOutcome): Promise<void> {
    const givenUp: Item<R>[] = [];
    for (const i of items) {
      if (!failed.has(i.id)) { i.m.ack(); outcome.acked++; continue; }
      // Its redeliveries, or the whole-batch retries it just went through here, whichever is more.
      const retries = Math.max(i.m.info.deliveryCount - 1, batchRetries);
      if (exhausted(retries)) { givenUp.push(i); continue; }
      i.m.nak(retryDelay(retries + 1));
      outcome.retried++;
    }
    if (givenUp.length > 0) {
      const runs = Math.max(batchRetries + 1, ...givenUp.map((i) => i.m.info.deliveryCount));
      await giveUp(givenUp, { errorType: "BatchItemFailure", errorMessage: "The function reported these records failed (batchItemFailures).", functionError: false }, runs, outcome);
    }
  }

  /**
   * Runs records as one invocation when their event fits a synchronous payload (the usual case:
   * serialized once), else in halves; a record too large on its own is dead-lettered.
   */
  async function runFitting(items: Item<R>[], outcome: BatchOutcome): Promise<void> {
    const payload = source.toPayload(items.map((i) => i.record));
    if (payload.length <= Limits.syncPayloadBytes) { await runBatch(items, payload, outcome); return; }
    if (items.length === 1) {
      const only = items[0] as Item<R>;
      await deadLetter(only.m, DeadLetterReason.InvalidSourceRecord, "RecordTooLarge",
        `The event for this record is ${payload.length} bytes; an invocation takes at most ${Limits.syncPayloadBytes}.`);
      outcome.deadLettered++;
      return;
    }
    const half = Math.ceil(items.length / 2);
    await runFitting(items.slice(0, half), outcome);
    await runFitting(items.slice(half), outcome);
  }

  /** One fetched batch: unreadable records dead-lettered, filtered ones acknowledged, the rest invoked. */
  async function handle(messages: JsMsg[]): Promise<void> {
    const outcome: BatchOutcome = { mapping: mapping.uuid, invoked: 0, acked: 0, retried: 0, deadLettered: 0, sentToDestination: 0, filtered: 0 };
    const items: Item<R>[] = [];
    for (const m of messages) {
      const record = source.toRecord(m);
      if (typeof record === "object" && record !== null && "invalid" in record) {
        await deadLetter(m, DeadLetterReason.InvalidSourceRecord, "InvalidRecord", (record as { invalid: string }).invalid);
        outcome.deadLettered++;
        continue;
      }
      const r = record as R;
      if (!source.filter(r)) { m.ack(); outcome.filtered++; continue; }
      items.push({ m, record: r, id: source.itemId(r, m) });
    }
    if (items.length > 0) await runFitting(items, outcome);
    deps.onBatch?.(outcome);
  }

  // Started means the consumer exists (LATEST counts from here); a failure (no such stream yet)
  // goes back to the runner manager, which starts the runner again later.
  const startJsm = await jetstreamManager(nc);
  const workQueue = (await startJsm.streams.info(source.stream)).config.retention === RetentionPolicy.Workqueue;
  const consumerConfig = batchConsumerConfig(mapping, source, ackWaitMs, workQueue);
  await ensureBatchConsumer(startJsm, source.stream, consumerConfig);

  /**
   * Fetched and not yet in a batch: at most BatchSize, since each pull asks only for the room left.
   * The fetcher fills it while the processor runs batches, so a pull's wait (at least 1 s, the
   * client's shortest) never delays records that already arrived: with a window of 0 a batch starts
   * as soon as records are here; with a window, when BatchSize are here or the window since the
   * first one has passed (Lambda's MaximumBatchingWindowInSeconds).
   */
  const buffer: JsMsg[] = [];
  let firstArrival = 0;
  let arrived: (() => void) | undefined;
  let roomMade: (() => void) | undefined;
  const wake = (f: (() => void) | undefined) => f?.();
  const waitFor = (set: (r: () => void) => void, ms?: number) => new Promise<void>((resolve) => {
    const t = ms === undefined ? undefined : setTimeout(resolve, ms);
    set(() => { if (t) clearTimeout(t); resolve(); });
  });
  // Records waiting behind a running batch stay ours.
  const keepAlive = setInterval(() => { for (const m of buffer) m.working(); }, Math.max(250, Math.floor(ackWaitMs / 3)));
  const fetchWaker: { wake?: () => void } = {};

  const fetcher = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const jsm = await jetstreamManager(nc);
        await ensureBatchConsumer(jsm, source.stream, consumerConfig);
        const consumer = await js.consumers.get(source.stream, durable);
        failures = 0;
        while (!stopped) {
          const free = mapping.batchSize - buffer.length;
          if (free <= 0) { await waitFor((r) => { roomMade = r; }); continue; }
          const iter = await consumer.fetch({ max_messages: free, expires: Math.max(1_000, windowMs) });
          fetching = iter;
          for await (const m of iter) {
            if (buffer.length === 0) firstArrival = Date.now();
            buffer.push(m);
            const a = arrived; arrived = undefined; wake(a);
          }
          fetching = undefined;
        }
      } catch (err) {
        if (stopped || (err as Error).name === "ClosedConnectionError") break;
        failures++;
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(5, failures - 1));
        log.warn("JetStream mapping could not read its stream; trying again", { ...fields, err, delayMs: delay, failures });
        await sleep(delay, fetchWaker);
      }
    }
  })();

  const processor = (async () => {
    while (!stopped) {
      if (buffer.length === 0) { await waitFor((r) => { arrived = r; }); continue; }
      if (buffer.length < mapping.batchSize) {
        if (windowMs > 0) {
          const left = firstArrival + windowMs - Date.now();
          if (left > 0) { await waitFor((r) => { arrived = r; }, left); continue; }
        } else {
          // Let a burst already on the wire land in this batch.
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      if (stopped) break;
      const batch = buffer.splice(0, mapping.batchSize);
      firstArrival = Date.now();
      const r = roomMade; roomMade = undefined; wake(r);
      try {
        await handle(batch);
      } catch (err) {
        if (stopped || (err as Error).name === "ClosedConnectionError") { for (const m of batch) m.nak(); break; }
        // A dead letter or OnFailure that could not be written, connection trouble: the batch comes back.
        log.warn("JetStream mapping batch failed before it was answered; it will come back", { ...fields, err });
        for (const m of batch) m.nak(retryDelay(1));
        await sleep(retryDelay(1), waker);
      }
    }
  })();
  log.info("JetStream mapping started", { ...fields, batchSize: mapping.batchSize, windowMs, startingPosition: mapping.startingPosition, workQueue });

  return {
    async stop() {
      stopped = true;
      fetching?.stop();
      wake(arrived);
      wake(roomMade);
      waker.wake?.();
      fetchWaker.wake?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([fetcher, processor]),
        new Promise<void>((r) => { timer = setTimeout(r, deps.stopGraceMs ?? 10_000); }),
      ]);
      clearTimeout(timer);
      clearInterval(keepAlive);
      // Fetched but never run: back to whoever reads next, now rather than after the ack wait.
      for (const m of buffer.splice(0)) m.nak();
    },
  };
}
