/**
 * How long an event waits before it is tried again. Pure, so the schedule can be unit tested.
 */

/** Lambda retries a failed asynchronous invocation after about 1 minute, then about 2: base·2^(n-1) for the n-th retry. */
export function retryDelayMs(baseMs: number, retry: number): number {
  return baseMs * 2 ** Math.max(0, retry - 1);
}

/** Doublings of the throttle wait before it stops growing (1 s base: 1, 2, 4 … 32 s). */
const MAX_THROTTLE_DOUBLINGS = 5;

/**
 * The wait before a throttled (or executor-less) event is offered again: the base doubled per
 * delivery so far, capped, with jitter (50–100 %) so events throttled together do not return together.
 */
export function throttleDelayMs(baseMs: number, deliveries: number, random: () => number = Math.random): number {
  const full = baseMs * 2 ** Math.min(MAX_THROTTLE_DOUBLINGS, Math.max(0, deliveries - 1));
  return Math.max(1, Math.round(full * (0.5 + random() / 2)));
}

/** A wait never runs past the event's maximum age: once there, the event's age decides what happens to it. */
export function boundByAge(delayMs: number, nowMs: number, expiresAtMs: number): number {
  return Math.max(0, Math.min(delayMs, expiresAtMs - nowMs));
}
