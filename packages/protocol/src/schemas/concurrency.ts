import { z } from "zod";

/**
 * One concurrency ledger (a CONCURRENCY_BUCKET value): how many invocations each holder (an
 * executor process) runs against this limit, and until when that claim stands. Holders renew
 * `expiresAt` while they run; a crashed holder's claim stops counting once it has expired.
 * Every change is a compare-and-set on the entry's revision, so claims never sum past the limit.
 */
export const ConcurrencyLedger = z.object({
  v: z.literal(1),
  holders: z.record(z.string(), z.object({
    running: z.number().int().min(0),
    /** Epoch ms. */
    expiresAt: z.number().int(),
  })),
});
export type ConcurrencyLedger = z.infer<typeof ConcurrencyLedger>;
