/**
 * Sends a destination record where `OnSuccess`/`OnFailure` points: another function (an Event
 * invocation through the invoke client), a core NATS subject, or a JetStream subject that a stream
 * must store. Resolves once it is delivered as far as that kind promises; throws otherwise.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { InvokeClient } from "@fnmesh/invoke";
import { InvocationType, InvokeSource, LogType, type DestinationRecord, type DestinationTarget } from "@fnmesh/protocol";
import { derivedRequestId } from "./destination-record.ts";

export interface DeliveryDeps { nc: NatsConnection; js: JetStreamClient; invoker: InvokeClient }

export async function deliverDestination(deps: DeliveryDeps, target: DestinationTarget, record: DestinationRecord, originArn: string): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(record));
  const key = `${record.requestContext.requestId}.${record.requestContext.condition}`;
  switch (target.kind) {
    case "function":
      await deps.invoker.enqueue({
        v: 2, requestId: derivedRequestId(key), invocationType: InvocationType.Event, logType: LogType.None,
        function: target.name, source: { kind: InvokeSource.Destination, arn: originArn }, attempt: 1, acceptedAt: Date.now(),
      }, bytes);
      return;
    case "nats":
      // At most once by definition; the flush at least puts it on the wire before the ack.
      deps.nc.publish(target.subject, bytes);
      await deps.nc.flush();
      return;
    case "jetstream":
      await deps.js.publish(target.subject, bytes, { msgID: key });
      return;
  }
}
