/**
 * A JetStream-backed mapping's OnFailure destination: records that ran out of MaximumRetryAttempts
 * are described in one StreamFailureRecord (protocol) and sent where DestinationConfig.OnFailure
 * points through @fnmesh/invoke's deliverRecord, as the scheduler sends its destination records: another function (an Event invocation),
 * a core NATS subject (at most once), or a JetStream subject a stream must store (PubAck). Resolves
 * once delivered as far as the kind promises; throws otherwise (the caller dead-letters instead).
 */
import { createHash } from "node:crypto";
import type { JsMsg } from "@nats-io/jetstream";
import { deliverRecord, type RecordDeliveryDeps } from "@fnmesh/invoke";
import { parseDestinationArn, type EventSourceMappingView, type StreamFailureRecord } from "@fnmesh/protocol";

export type OnFailureDeps = RecordDeliveryDeps;

export interface GivenUp {
  messages: JsMsg[];
  /** The event of these records, as the function got it. */
  payload: Uint8Array;
  /** Runs of the function for them. */
  invokeCount: number;
  /** Present when the function ran and failed (Lambda: "Unhandled"). */
  functionError: boolean;
}

/** An RFC 9562 version 8 UUID over SHA-256: a redelivered batch gives its record the same request id, so FNMESH_ASYNC drops the second. */
function derivedId(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Region and account of the mapping's source ARN (arn:fnmesh:<kind>:<region>:<account>:…), which ingest checked against its own. */
function accountOf(mapping: EventSourceMappingView): { region: string; accountId: string } {
  const [, , , region = "", accountId = ""] = mapping.eventSourceArn.split(":");
  return { region, accountId };
}

export function streamFailureRecord(mapping: EventSourceMappingView, given: GivenUp, now: Date): StreamFailureRecord {
  const { region, accountId } = accountOf(mapping);
  const first = given.messages[0];
  const last = given.messages[given.messages.length - 1];
  const key = `${mapping.uuid}:${first?.info.stream}:${first?.seq}-${last?.seq}:${given.messages.length}`;
  let payload: unknown;
  try { payload = JSON.parse(new TextDecoder().decode(given.payload)); } catch { payload = Buffer.from(given.payload).toString("base64"); }
  return {
    requestContext: {
      requestId: derivedId(key), functionArn: `arn:aws:lambda:${region}:${accountId}:function:${mapping.functionName}`,
      condition: "RetryAttemptsExhausted", approximateInvokeCount: given.invokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", ...(given.functionError ? { functionError: "Unhandled" as const } : {}) },
    version: "1.0",
    timestamp: now.toISOString(),
    JetStreamBatchInfo: {
      stream: first?.info.stream ?? "", startSequence: first?.seq ?? 0, endSequence: last?.seq ?? 0,
      approximateArrivalOfFirstRecord: (first?.time ?? now).toISOString(), approximateArrivalOfLastRecord: (last?.time ?? now).toISOString(),
      batchSize: given.messages.length, streamArn: mapping.eventSourceArn,
    },
    payload,
  };
}

export async function deliverOnFailure(deps: OnFailureDeps, mapping: EventSourceMappingView, destination: string, record: StreamFailureRecord): Promise<void> {
  const target = parseDestinationArn(destination, accountOf(mapping));
  if ("error" in target) throw new Error(target.error);
  const id = record.requestContext.requestId;
  await deliverRecord(deps, target, new TextEncoder().encode(JSON.stringify(record)), { requestId: id, msgId: id, sourceArn: mapping.eventSourceArn });
}
