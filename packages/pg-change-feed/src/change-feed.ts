/**
 * One mapping's change feed: streams its slot with pgoutput (pg-logical-replication for the
 * replication connection), decodes changes into PostgresChangeRecords, hands them in commit order to
 * `onChanges`, and confirms a transaction's end LSN to PostgreSQL only once `onChanges` resolved for
 * every change up to it. A crash at any point replays from the last confirmed transaction, so every
 * change is delivered at least once; the publisher de-duplicates replays by message id.
 *
 * Acknowledgement: pg-logical-replication acknowledges positions it merely received unless both
 * `auto: false` and `timeoutSeconds: 0` (its timer acks the last received LSN); the feed then answers
 * keepalives itself with the last confirmed LSN, and sends it every `statusIntervalMs`.
 *
 * One reader per slot: PostgreSQL lets one walsender stream a slot at a time and refuses others
 * ("replication slot … is active for PID …"). Every trigger replica may start the same mapping's
 * feed; the ones refused keep retrying with backoff, and one of them takes over when the holder's
 * connection ends (its process died or stopped). PostgreSQL itself is the lock: no lease needed.
 *
 * Reconnects: any connection failure (PostgreSQL restarting, network) ends the session; the feed
 * waits (backoff, 200 ms doubling to `maxBackoffMs`) and reconnects from the confirmed position.
 */
import { LogicalReplicationService } from "pg-logical-replication";
import { AbstractPlugin } from "pg-logical-replication/dist/output-plugins/abstract.plugin.js";
import type pg from "pg";
import type { PostgresChangeRecord } from "@fnmesh/protocol";
import type { FeedLogger } from "./logger.ts";
import { formatLsn, parseLsn } from "./lsn.ts";
import { slotName } from "./names.ts";
import { PgoutputDecoder } from "./pgoutput-decoder.ts";
import { toRecord, type TransactionInfo } from "./records.ts";
import { ensureChangeFeed, withClient } from "./slot-admin.ts";
import { DEFAULT_MAX_SLOT_LAG_BYTES, enforceSlotLagLimit, type SlotSkipped } from "./slot-lag-guard.ts";
import { REPLICATION_SESSION_OPTIONS } from "./values.ts";

/** A change pgoutput sent that the feed could not decode, with its bytes. */
export interface UndecodableChange {
  slot: string;
  /** The WAL position the message was sent at. */
  lsn: string;
  reason: string;
  data: Uint8Array;
}

export interface ChangeFeedOptions {
  connectionString: string;
  mappingUuid: string;
  schema: string;
  table: string;
  /** The mapping's source ARN, copied into every record. */
  eventSourceArn: string;
  /** Must resolve only once the batch is durable; a rejection reconnects and replays from the confirmed position. */
  onChanges(batch: PostgresChangeRecord[], slot: string): Promise<void>;
  /** Must make the change durable elsewhere (the dead-letter stream); called in order with onChanges. */
  onUndecodable(change: UndecodableChange): Promise<void>;
  /** Past FNMESH_PG_MAX_SLOT_LAG_BYTES: records the skipped range before the slot moves (see slot-lag-guard.ts). */
  onSlotSkipped(skipped: SlotSkipped): Promise<void>;
  log: FeedLogger;
  /** Records per onChanges call at most. Default 500. */
  maxBatchRecords?: number;
  /** Decoded records held before reading pauses. Default 10,000. */
  maxPendingRecords?: number;
  /** Standby status (the confirmed LSN) at least this often. Default 10 s. */
  statusIntervalMs?: number;
  /** Slot lag logged and checked this often. Default 30 s. */
  lagCheckMs?: number;
  /** FNMESH_PG_MAX_SLOT_LAG_BYTES. Default 1 GiB. */
  maxSlotLagBytes?: number;
  /** Longest wait between connection attempts. Default 10 s. */
  maxBackoffMs?: number;
}

export interface ChangeFeed {
  readonly slot: string;
  /** The end LSN of the last transaction confirmed to PostgreSQL in this process (undefined before any). */
  confirmedLsn(): string | undefined;
  /** True while this feed holds the slot (streaming). */
  streaming(): boolean;
  /** Ends the session without confirming anything more; resolves once it has ended. */
  stop(): Promise<void>;
}

type Item =
  | { kind: "record"; record: PostgresChangeRecord }
  | { kind: "invalid"; change: UndecodableChange }
  | { kind: "commit"; endLsn: bigint };

/** pgoutput through pg-logical-replication, but handing over the raw message: fnmesh decodes it (pgoutput-decoder.ts). */
class RawPgoutputPlugin extends AbstractPlugin<{ publication: string }> {
  get name(): string {
    return "pgoutput";
  }
  parse(buffer: Buffer): Buffer {
    return Buffer.from(buffer); // the chunk's bytes, copied: kept for a dead letter
  }
  start(client: pg.Client, slot: string, lastLsn: string): Promise<unknown> {
    return client.query(`START_REPLICATION SLOT "${slot}" LOGICAL ${lastLsn} (proto_version '1', publication_names '${this.options.publication}')`);
  }
}

/** The socket under pg-logical-replication's connection: pausing it stops reading (TCP then holds PostgreSQL back). */
function socketOf(service: LogicalReplicationService): { pause(): void; resume(): void } | undefined {
  return (service as unknown as { _connection?: { stream?: { pause(): void; resume(): void } } })._connection?.stream;
}

const errorCode = (err: unknown): string | undefined => (err as { code?: string } | undefined)?.code;

export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const slot = slotName(options.mappingUuid);
  const log = options.log;
  const maxBatch = options.maxBatchRecords ?? 500;
  const maxPending = options.maxPendingRecords ?? 10_000;
  const statusIntervalMs = options.statusIntervalMs ?? 10_000;
  const lagCheckMs = options.lagCheckMs ?? 30_000;
  const maxLag = options.maxSlotLagBytes ?? DEFAULT_MAX_SLOT_LAG_BYTES;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;

  let stopped = false;
  let confirmed: bigint | undefined;
  let streaming = false;
  let endSession: ((err?: unknown) => void) | undefined;
  let wake: (() => void) | undefined;
  let lagCheckDue = Date.now() + lagCheckMs;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => { wake = undefined; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
  });

  /** One replication connection, until it fails or the feed stops. Resolves/rejects once fully ended. */
  async function session(): Promise<void> {
    // The slot's confirmed position: never report less (PostgreSQL 15 would move it back).
    const start = await withClient(options.connectionString, (c) => c.query<{ confirmed: string | null }>(
      "SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1", [slot]));
    const row = start.rows[0];
    if (!row) throw Object.assign(new Error(`replication slot ${slot} does not exist (mapping deleted, or dropped by hand)`), { code: "42704" });
    if (row.confirmed !== null) {
      const slotPos = parseLsn(row.confirmed);
      if (confirmed === undefined || slotPos > confirmed) confirmed = slotPos;
    }

    const service = new LogicalReplicationService(
      { connectionString: options.connectionString, application_name: `fnmesh-feed-${options.mappingUuid}`.slice(0, 63), options: REPLICATION_SESSION_OPTIONS },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    const decoder = new PgoutputDecoder();
    const queue: Item[] = [];
    let pendingRecords = 0;
    let paused = false;
    let txn: TransactionInfo | undefined;
    let index = 0;
    let delivering = false;
    let ended = false;
    let failure: unknown;
    let pumpWake: (() => void) | undefined;

    const sessionDone = new Promise<void>((resolve) => {
      endSession = (err?: unknown) => {
        if (ended) return;
        ended = true;
        failure = err;
        pumpWake?.();
        resolve();
      };
    });
    if (stopped) endSession?.();

    /** Standby status: written = flushed = applied = the confirmed position. */
    const sendStatus = () => {
      if (confirmed === undefined || ended) return;
      // The library reports lsn + 1; PostgreSQL's own subscribers report a commit's end LSN exactly,
      // and a commit record may start right there (another transaction's), which lsn + 1 would skip.
      service.acknowledge(formatLsn(confirmed - 1n)).catch(() => {});
    };

    service.on("error", (err: Error) => endSession?.(err));
    service.on("heartbeat", (lsn: string, _ts: number, shouldRespond: boolean) => {
      // Nothing received is waiting: every change up to the server's sent position is delivered, so
      // that position is confirmed (as PostgreSQL's apply worker does): a quiet table's slot then
      // follows the WAL of a busy database instead of holding it.
      if (txn === undefined && queue.length === 0 && !delivering) {
        const pos = parseLsn(lsn);
        if (confirmed === undefined || pos > confirmed) confirmed = pos;
      }
      if (shouldRespond) sendStatus();
    });
    service.on("data", (lsn: string, raw: Buffer) => {
      try {
        receive(lsn, raw);
      } catch (err) {
        endSession?.(err); // a bug here must not pass silently: the session ends and replays
      }
    });
    const receive = (lsn: string, raw: Buffer) => {
      let msg;
      try {
        msg = decoder.decode(raw);
      } catch (err) {
        queue.push({ kind: "invalid", change: { slot, lsn, reason: (err as Error).message, data: raw } });
        if (txn) index++;
        pumpWake?.();
        return;
      }
      const push = (record: PostgresChangeRecord) => {
        queue.push({ kind: "record", record });
        pendingRecords++;
      };
      switch (msg.tag) {
        case "begin":
          txn = { finalLsn: msg.finalLsn, commitTimeUs: msg.commitTimeUs, xid: msg.xid };
          index = 0;
          return;
        case "commit":
          txn = undefined;
          queue.push({ kind: "commit", endLsn: msg.endLsn });
          break;
        case "insert":
        case "update":
        case "delete":
          if (!txn) throw new Error("row change outside a transaction");
          push(toRecord(msg, { eventSourceArn: options.eventSourceArn, txn, index: index++, sizeBytes: raw.length }));
          break;
        case "truncate":
          if (!txn) throw new Error("truncate outside a transaction");
          for (const relation of msg.relations) {
            push(toRecord({ tag: "truncate", relation, cascade: msg.cascade, restartIdentity: msg.restartIdentity },
              { eventSourceArn: options.eventSourceArn, txn, index: index++, sizeBytes: raw.length }));
          }
          break;
        default:
          return;
      }
      if (pendingRecords >= maxPending && !paused) {
        const socket = socketOf(service);
        if (socket) {
          paused = true;
          socket.pause();
          log.debug("postgres change feed paused reading", { slot, pendingRecords });
        }
      }
      pumpWake?.();
    };

    /** Hands queued items over in order and confirms each transaction once all of it is durable. */
    const pump = async () => {
      while (!ended) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => { pumpWake = resolve; });
          pumpWake = undefined;
          continue;
        }
        delivering = true;
        const head = queue[0] as Item;
        let confirm: bigint | undefined;
        if (head.kind === "invalid") {
          await options.onUndecodable(head.change);
          queue.shift();
        } else {
          const batch: PostgresChangeRecord[] = [];
          let taken = 0;
          while (taken < queue.length && batch.length < maxBatch) {
            const item = queue[taken] as Item;
            if (item.kind === "invalid") break;
            if (item.kind === "record") batch.push(item.record);
            else confirm = item.endLsn;
            taken++;
          }
          if (batch.length > 0) await options.onChanges(batch, slot);
          queue.splice(0, taken);
          pendingRecords -= batch.length;
        }
        delivering = false;
        if (ended) return;
        if (confirm !== undefined && (confirmed === undefined || confirm > confirmed)) {
          confirmed = confirm;
          sendStatus();
        }
        if (paused && pendingRecords < maxPending / 2) {
          paused = false;
          socketOf(service)?.resume();
        }
      }
    };

    const statusTimer = setInterval(sendStatus, statusIntervalMs);
    const started = service.subscribe(new RawPgoutputPlugin({ publication: slot }), slot);
    service.on("start", () => {
      streaming = true;
      log.info("postgres change feed streaming", { mappingUuid: options.mappingUuid, slot, confirmedLsn: confirmed === undefined ? null : formatLsn(confirmed) });
    });
    started.then(() => endSession?.(new Error("replication stream ended")), (err: unknown) => endSession?.(err));
    const pumping = pump().catch((err: unknown) => endSession?.(err));

    await sessionDone;
    streaming = false;
    clearInterval(statusTimer);
    await service.destroy().catch(() => {});
    await pumping; // an onChanges in flight finishes before the replay starts, keeping order
    if (failure !== undefined && !stopped) throw failure;
  }

  let checking = false;
  async function checkLag(): Promise<void> {
    lagCheckDue = Date.now() + lagCheckMs;
    checking = true;
    try {
      await enforceSlotLagLimit({
        connectionString: options.connectionString, mappingUuid: options.mappingUuid, maxLagBytes: maxLag, log, onSkipped: options.onSlotSkipped,
      });
    } catch (err) {
      log.warn("postgres slot lag check failed", { mappingUuid: options.mappingUuid, slot, err });
    } finally {
      checking = false;
    }
  }

  const lagTimer = setInterval(() => {
    if (Date.now() < lagCheckDue) return;
    // While streaming the guard only logs (it never moves a slot in use); between sessions the
    // connection loop checks, so a skip never races this feed's own reconnect.
    if (!streaming || checking) return;
    void checkLag();
  }, Math.min(lagCheckMs, 5_000));

  const run = (async () => {
    let ensured = false;
    let backoff = 200;
    let lastRefusal = "";
    while (!stopped) {
      try {
        if (!ensured) {
          const made = await ensureChangeFeed(options);
          ensured = true;
          if (made.createdSlot) log.info("postgres change feed slot created", { mappingUuid: options.mappingUuid, slot, publication: made.publication });
          if (made.warning) log.warn(made.warning, { mappingUuid: options.mappingUuid, slot });
        }
        if (Date.now() >= lagCheckDue && !checking) await checkLag();
        await session();
        backoff = 200;
      } catch (err) {
        if (stopped) break;
        const busy = errorCode(err) === "55006";
        const text = (err as Error)?.message ?? String(err);
        // Waiting for another replica's slot is normal: say it once per holder, not every retry.
        if (busy) {
          if (text !== lastRefusal) log.info("postgres change feed waiting: another reader holds the slot", { mappingUuid: options.mappingUuid, slot, reason: text });
        } else {
          log.warn("postgres change feed connection ended; reconnecting", { mappingUuid: options.mappingUuid, slot, err, code: errorCode(err) });
        }
        lastRefusal = busy ? text : "";
      }
      if (stopped) break;
      await sleep(backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, maxBackoffMs);
    }
  })();

  return {
    slot,
    confirmedLsn: () => (confirmed === undefined ? undefined : formatLsn(confirmed)),
    streaming: () => streaming,
    async stop() {
      stopped = true;
      clearInterval(lagTimer);
      endSession?.();
      wake?.();
      await run;
    },
  };
}
