/**
 * Sends a destination record where `OnSuccess`/`OnFailure` points, through @fnmesh/invoke's
 * deliverRecord (a function, a core NATS subject or a JetStream subject).
 */
import { deliverRecord, type RecordDeliveryDeps } from "@fnmesh/invoke";
import type { DestinationRecord, DestinationTarget } from "@fnmesh/protocol";
import { derivedRequestId } from "./destination-record.ts";

export type DeliveryDeps = RecordDeliveryDeps;

/** One id per record and condition, so a record delivered twice (a crash before the ack) is stored once. */
export async function deliverDestination(deps: DeliveryDeps, target: DestinationTarget, record: DestinationRecord, originArn: string): Promise<void> {
  const key = `${record.requestContext.requestId}.${record.requestContext.condition}`;
  await deliverRecord(deps, target, new TextEncoder().encode(JSON.stringify(record)), { requestId: derivedRequestId(key), msgId: key, sourceArn: originArn });
}
