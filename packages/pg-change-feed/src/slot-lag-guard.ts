/**
 * The policy that keeps a stuck mapping from filling PostgreSQL's disk. A slot makes PostgreSQL keep
 * every WAL segment since its confirmed position, so a feed that cannot confirm (NATS unreachable,
 * FNMESH_CHANGES refusing writes) or does not run (mapping disabled, every trigger down) grows the
 * WAL without bound.
 *
 * Past `maxLagBytes` (FNMESH_PG_MAX_SLOT_LAG_BYTES, default 1 GiB) of confirmed-position lag, the
 * slot is moved to the current (flushed) WAL position (pg_replication_slot_advance), which frees the WAL: the
 * changes in between are skipped. That loss is never silent: it is logged at error level with the
 * mapping, slot and LSN range, and reported to `onSkipped` first (the trigger writes a dead letter,
 * reason invalid_source_record, whose body names the range). A slot a walsender holds is not moved
 * (the feed holding it is reading, so it will catch up; the running feed ends its own session first).
 * PostgreSQL's own `max_slot_wal_keep_size` is the server-wide backstop operators may set as well.
 */
import type { FeedLogger } from "./logger.ts";
import { slotName } from "./names.ts";
import { skipSlotTo, slotLag, type ChangeFeedTarget } from "./slot-admin.ts";

export const DEFAULT_MAX_SLOT_LAG_BYTES = 1024 * 1024 * 1024;

/** What was skipped, for the dead letter. */
export interface SlotSkipped {
  mappingUuid: string;
  slot: string;
  fromLsn: string | null;
  toLsn: string;
  lagBytes: number;
}

export interface SlotLagGuardOptions extends ChangeFeedTarget {
  maxLagBytes: number;
  log: FeedLogger;
  /** Records the skipped range durably (a dead letter); awaited before the guard returns. */
  onSkipped(skipped: SlotSkipped): Promise<void>;
}

/**
 * Checks the mapping's slot once: logs its lag, and past the limit skips it ahead if no walsender
 * holds it. Returns what it found; `skipped` when it moved the slot.
 */
export async function enforceSlotLagLimit(options: SlotLagGuardOptions): Promise<{ lagBytes: number | undefined; skipped?: SlotSkipped }> {
  const slot = slotName(options.mappingUuid);
  const lag = await slotLag(options);
  if (!lag) return { lagBytes: undefined };
  const fields = { mappingUuid: options.mappingUuid, slot, lagBytes: lag.lagBytes, retainedBytes: lag.retainedBytes, maxLagBytes: options.maxLagBytes };
  if (lag.lagBytes <= options.maxLagBytes) {
    options.log.info("postgres slot lag", fields);
    return { lagBytes: lag.lagBytes };
  }
  if (lag.activePid !== null) {
    options.log.error("postgres slot lag past FNMESH_PG_MAX_SLOT_LAG_BYTES while its feed reads it; not skipping a slot in use", { ...fields, activePid: lag.activePid });
    return { lagBytes: lag.lagBytes };
  }
  // Recorded before the slot moves: if the record cannot be written, nothing is skipped.
  const skipped: SlotSkipped = { mappingUuid: options.mappingUuid, slot, fromLsn: lag.confirmedFlushLsn, toLsn: lag.flushLsn, lagBytes: lag.lagBytes };
  await options.onSkipped(skipped);
  await skipSlotTo(options, lag.flushLsn);
  options.log.error("postgres slot lag past FNMESH_PG_MAX_SLOT_LAG_BYTES: skipped the slot ahead, changes in this LSN range are lost", { ...fields, fromLsn: skipped.fromLsn, toLsn: skipped.toLsn });
  return { lagBytes: lag.lagBytes, skipped };
}
