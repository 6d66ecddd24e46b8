/**
 * Outcomes whose destination could not be reached yet, by the queue message's stream sequence: when
 * the message comes back (after its nak delay) to this replica, the record is delivered again
 * without running the function a second time. Bounded; a message redelivered elsewhere, or after a
 * restart, runs again (at least once, as Lambda's asynchronous invocation).
 */
import type { DestinationCondition, DestinationRecord } from "@fnmesh/protocol";

export interface PendingDelivery {
  condition: DestinationCondition;
  destination: string;
  record: DestinationRecord;
}

export interface PendingDeliveries {
  hold(seq: number, pending: PendingDelivery): void;
  /** Returns and forgets what is held for the message. */
  take(seq: number): PendingDelivery | undefined;
  readonly size: number;
}

export function createPendingDeliveries(max = 10_000): PendingDeliveries {
  const held = new Map<number, PendingDelivery>();
  return {
    hold(seq, pending) {
      held.delete(seq);
      held.set(seq, pending);
      // Oldest first: a Map iterates in insertion order.
      while (held.size > max) held.delete(held.keys().next().value as number);
    },
    take(seq) {
      const p = held.get(seq);
      held.delete(seq);
      return p;
    },
    get size() { return held.size; },
  };
}
