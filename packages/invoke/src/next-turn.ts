/**
 * A promise every caller in this turn of the event loop shares, settled on the next `setImmediate`.
 * nats.js writes to the socket once per microtask turn of publishes, and the requests of a busy
 * service each begin in their own macrotask (one HTTP request, one pulled message, one reply), so
 * each cost a write — a system call, the largest cost per request here. Sent after this shared
 * turn, every request begun while the loop handled one batch of I/O leaves in one write; a lone
 * request waits only for the loop to come round.
 */
export function createTurnGate(): () => Promise<void> {
  let turn: Promise<void> | undefined;
  return () => turn ??= new Promise<void>((resolve) => setImmediate(() => { turn = undefined; resolve(); }));
}
