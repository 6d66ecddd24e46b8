/**
 * Sends a record (an async destination record, an event source's failure record) where a
 * destination ARN points: another function as an Event invocation, a core NATS subject, or a
 * JetStream subject that a stream must store. Resolves once it is delivered as far as that kind
 * promises; throws otherwise. The scheduler's OnSuccess/OnFailure and the trigger's OnFailure both
 * deliver through here.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { InvocationType, InvokeSource, LogType, type DestinationTarget } from "@fnmesh/protocol";
import type { InvokeClient } from "./invoke-client.ts";

export interface RecordDeliveryDeps { nc: NatsConnection; js: JetStreamClient; invoker: InvokeClient }

export interface RecordIds {
  /** The Event invocation's request id (a function target); the same on a repeated delivery. */
  requestId: string;
  /** The JetStream de-duplication id (a jetstream target). */
  msgId: string;
  /** What the invocation says started it (a function target). */
  sourceArn: string;
}

export async function deliverRecord(deps: RecordDeliveryDeps, target: DestinationTarget, bytes: Uint8Array, ids: RecordIds): Promise<void> {
  switch (target.kind) {
    case "function":
      await deps.invoker.enqueue({
        v: 2, requestId: ids.requestId, invocationType: InvocationType.Event, logType: LogType.None,
        function: target.name, source: { kind: InvokeSource.Destination, arn: ids.sourceArn }, attempt: 1, acceptedAt: Date.now(),
      }, bytes);
      return;
    case "nats":
      // At most once by definition; the flush at least puts it on the wire before the caller acks.
      deps.nc.publish(target.subject, bytes);
      await deps.nc.flush();
      return;
    case "jetstream":
      await deps.js.publish(target.subject, bytes, { msgID: ids.msgId });
      return;
  }
}
