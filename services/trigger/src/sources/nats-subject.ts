/**
 * A core NATS event source: the mapping's subject (wildcards allowed), subscribed in queue group
 * `fnmesh-esm-<uuid>` so trigger replicas share its messages and each goes to one of them. Each
 * message passing the mapping's FilterCriteria becomes one Event invocation (a NatsEvent with one
 * record, a fresh request id) on the async queue, where retries, destinations and the dead-letter
 * stream follow the function's async settings.
 *
 * At most once, as core NATS itself: a message published while no trigger is subscribed, one lost
 * with a replica that dies before its enqueue's PubAck, or one the queue refuses is gone (the
 * failure is logged). A message too large for an Event invocation goes to the dead-letter stream
 * (invalid_source_record) with its bytes. Use a JetStream mapping for at-least-once. Messages on
 * fnmesh's own subjects, `$…` and `_INBOX.…` are never delivered, whatever the pattern.
 */
import { randomUUID } from "node:crypto";
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import {
  DeadLetterReason, eventSourceConsumer, InvocationType, InvokeSource, Limits, LogType, NatsEventSource, type EventSourceMappingView,
} from "@fnmesh/protocol";
import { publishDeadLetter, type InvokeClient } from "@fnmesh/invoke";
import { PayloadEncoding } from "@fnmesh/event-filter";
import type { Logger } from "@fnmesh/telemetry";
import { mappingFilter } from "../mapping-filter.ts";
import type { Runner } from "../runners.ts";
import { coreRecord, natsEvent } from "./nats-record.ts";

export interface NatsSubjectDeps {
  nc: NatsConnection;
  invoker: InvokeClient;
  log: Logger;
  /** Enqueues in flight at once; further messages wait in the subscription. Default 256. */
  maxInFlight?: number;
  /** Called after each message is handled (tests, metrics). */
  onOutcome?: (outcome: NatsMessageOutcome) => void;
}

export type NatsMessageOutcome = "enqueued" | "filtered" | "dead_lettered" | "dropped" | "reserved";

const encoder = new TextEncoder();
/**
 * fnmesh's own traffic, the server's API and replies: a wide pattern (`>`, `*.*`) matches them too,
 * and invoking on them would loop (each invocation publishes on fnmesh.async.<fn>). Never delivered.
 */
const RESERVED = /^(fnmesh\.|\$|_INBOX\.)/;

export async function startNatsSubject(deps: NatsSubjectDeps, mapping: EventSourceMappingView): Promise<Runner> {
  if (mapping.source.kind !== "nats") throw new Error(`mapping ${mapping.uuid} is not a NATS subject mapping (${mapping.source.kind})`);
  const { nc, log, invoker } = deps;
  const js = jetstream(nc);
  const pass = mappingFilter(mapping, { payloadKey: "data", payloadEncoding: PayloadEncoding.Base64 }, log);
  const maxInFlight = deps.maxInFlight ?? 256;
  const fields = { mapping: mapping.uuid, function: mapping.functionName, subject: mapping.source.subject };

  async function handle(m: Msg): Promise<NatsMessageOutcome> {
    if (RESERVED.test(m.subject)) return "reserved";
    const record = coreRecord(m);
    if (!pass(record)) return "filtered";
    const payload = encoder.encode(JSON.stringify(natsEvent(NatsEventSource.Nats, mapping.eventSourceArn, [record])));
    const requestId = randomUUID();
    if (payload.length > Limits.asyncPayloadBytes) {
      try {
        await publishDeadLetter(js, {
          reason: DeadLetterReason.InvalidSourceRecord, data: m.data, originalSubject: m.subject, msgId: `${requestId}.dlq`,
          function: mapping.functionName, eventSourceMapping: mapping.uuid, errorType: "RecordTooLarge",
          errorMessage: `The event for this message is ${payload.length} bytes; an Event invocation takes at most ${Limits.asyncPayloadBytes}.`,
        });
        return "dead_lettered";
      } catch (err) {
        log.warn("a NATS message too large for an invocation could not be dead-lettered; dropped", { ...fields, err });
        return "dropped";
      }
    }
    try {
      await invoker.enqueue({
        v: 2, requestId, invocationType: InvocationType.Event, logType: LogType.None, function: mapping.functionName,
        source: { kind: InvokeSource.Trigger, arn: mapping.eventSourceArn }, attempt: 1, acceptedAt: Date.now(),
      }, payload);
      return "enqueued";
    } catch (err) {
      log.warn("a NATS message could not be queued as an invocation; dropped (core NATS is at most once)", { ...fields, requestId, err });
      return "dropped";
    }
  }

  const sub = nc.subscribe(mapping.source.subject, { queue: eventSourceConsumer(mapping.uuid) });
  const inflight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const loop = (async () => {
    for await (const m of sub) {
      while (inflight.size >= maxInFlight) await new Promise<void>((r) => { wake = r; });
      const p = handle(m)
        .then((outcome) => deps.onOutcome?.(outcome))
        .catch((err: unknown) => log.error("NATS event source handler failed", { ...fields, err }))
        .finally(() => { inflight.delete(p); const w = wake; wake = undefined; w?.(); });
      inflight.add(p);
    }
  })();
  // The subscription is live on the server before the runner counts as started.
  await nc.flush();
  log.info("NATS subject mapping subscribed", { ...fields, queue: eventSourceConsumer(mapping.uuid) });

  return {
    async stop() {
      // Drain: messages the server already sent us are still handled; then the loop ends.
      await sub.drain();
      await loop;
      await Promise.allSettled([...inflight]);
    },
  };
}
