/**
 * Pure arithmetic on one ConcurrencyLedger value: decoding it at the boundary, what the other live
 * holders run, and the ledger with this holder's new claim (expired holders dropped on the way, so a
 * crashed executor's entry disappears with the next write by anyone).
 */
import { ConcurrencyLedger } from "@fnmesh/protocol";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export const emptyLedger = (): ConcurrencyLedger => ({ v: 1, holders: {} });

/** The ledger in a KV value, or undefined when it is not one (the caller decides what that means). */
export function decodeLedger(bytes: Uint8Array): ConcurrencyLedger | undefined {
  try {
    const parsed = ConcurrencyLedger.safeParse(JSON.parse(utf8.decode(bytes)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function encodeLedger(ledger: ConcurrencyLedger): Uint8Array {
  return encoder.encode(JSON.stringify(ledger));
}

/** Invocations the other holders may be running now: only claims that have not expired count. */
export function othersRunning(ledger: ConcurrencyLedger, holderId: string, now: number): number {
  let sum = 0;
  for (const [id, claim] of Object.entries(ledger.holders)) {
    if (id !== holderId && claim.expiresAt > now) sum += claim.running;
  }
  return sum;
}

/** The ledger with this holder's claim set (or removed when `running` is 0) and expired holders dropped. */
export function withClaim(ledger: ConcurrencyLedger, holderId: string, running: number, expiresAt: number, now: number): ConcurrencyLedger {
  const holders: ConcurrencyLedger["holders"] = {};
  for (const [id, claim] of Object.entries(ledger.holders)) {
    if (id !== holderId && claim.expiresAt > now) holders[id] = claim;
  }
  if (running > 0) holders[holderId] = { running, expiresAt };
  return { v: 1, holders };
}

/**
 * Extra slots claimed beyond what is asked, so a burst that keeps growing does not pay one
 * compare-and-set per invocation: none below a limit of 32 (small limits are exact), then one per 32
 * of the limit up to `maxBatch`.
 */
export function batchFor(limit: number, maxBatch: number): number {
  return Math.max(0, Math.min(maxBatch, Math.floor(limit / 32)));
}
