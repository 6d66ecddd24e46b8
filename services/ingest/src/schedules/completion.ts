/**
 * Serves `fnmesh.registry.schedule-completed`: a scheduler fired the last tick of a one-off schedule
 * with ActionAfterCompletion DELETE. One ingest replica (queue group) deletes the row if it is still
 * the revision that fired — an UpdateSchedule since then keeps it — and publishes the removal.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { REGISTRY_QUEUE, ScheduleCompleted, subjects } from "@fnmesh/protocol";
import type { ScheduleStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { ScheduleViewPublisher } from "./view-publisher.ts";

export function serveScheduleCompletions(nc: NatsConnection, store: ScheduleStore, views: ScheduleViewPublisher, log: Logger): Subscription {
  return nc.subscribe(subjects.scheduleCompleted, {
    queue: REGISTRY_QUEUE,
    callback: (err, msg) => {
      if (err) { log.warn("schedule completion subscription failed", { err }); return; }
      void (async () => {
        let parsed;
        try {
          parsed = ScheduleCompleted.safeParse(JSON.parse(new TextDecoder().decode(msg.data)));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) {
          msg.respond(JSON.stringify({ error: "invalid_message" }));
          return;
        }
        const { groupName, name, revision } = parsed.data;
        try {
          const deleted = await store.delete(groupName, name, revision);
          if (deleted) await views.sync(groupName, name);
          log.info("one-off schedule completed", { schedule: name, deleted });
          msg.respond(JSON.stringify({ deleted }));
        } catch (e) {
          // No reply: the scheduler's request times out and it asks again later.
          log.warn("could not delete a completed schedule", { schedule: name, err: e });
        }
      })();
    },
  });
}
