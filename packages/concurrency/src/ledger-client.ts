/**
 * One holder's (an executor process's) view of the mesh-wide concurrency ledgers in
 * CONCURRENCY_BUCKET. `acquire(key, limit)` admits one invocation against a limit counted across
 * every holder, or refuses it; the release it returns gives the slot back.
 *
 * Correctness: every change to a ledger is a compare-and-set on the entry's revision (`kv.update`
 * with the revision read, `kv.create` for a new key), retried with jitter on conflict. A write never
 * makes this holder's claim plus the other holders' unexpired claims exceed the limit, so the sum of
 * `running` over live holders stays within it. Two exceptions, both unavoidable without preempting
 * running code: a lowered limit (or a holder whose lease lapsed during a partition and who writes
 * again) keeps claiming what it already runs, and new acquires are refused until the sum is back
 * under the limit. Holders judge each other's expiry by their own clocks: clocks must agree to well
 * under the lease.
 *
 * Crashes: a claim carries `expiresAt` (now + `leaseMs`); the holder renews it every
 * `renewEveryMs` while it holds anything, so a crashed holder's slots stop counting within
 * `leaseMs` and its entry is dropped by the next write of anyone. A holder only admits from its
 * claim while at least `renewEveryMs` of the lease is left, so a holder that cannot renew stops
 * admitting before the others stop counting it.
 *
 * Cost — the trade-off: every invocation goes through here, and a compare-and-set is two NATS round
 * trips (get + update). So the claim is held a little longer than needed and an acquire inside the
 * claim costs no I/O:
 * - after a release the freed slot is kept for a linger (`lingerMs`, default 500 ms): the claim
 *   shrinks to the peak in use during the last linger window, so steady traffic at a level keeps
 *   its claim and pays only the renewal (one write per `renewEveryMs`), not a write per invocation;
 * - a growing burst claims a small batch beyond what it needs (`batchFor`: none under a limit of 32,
 *   at most `maxBatch`), so it pays one write per few invocations, not one each.
 * The price: a slot freed here stays unavailable to other holders for one to two linger windows
 * (≤ 1 s by default), and a batch can make another holder throttle while this one has spare slots
 * for as long. Small limits (< 32) get no batch, so they are never over-claimed by more than the
 * linger. A refusal costs one read and no write.
 *
 * `stop()` releases everything this holder claimed.
 */
import type { KV, KvEntry } from "@nats-io/kv";
import type { ConcurrencyLedger } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import { batchFor, decodeLedger, emptyLedger, encodeLedger, othersRunning, withClaim } from "./ledger.ts";

/** Gives an admitted slot back; calling it again does nothing. */
export type Release = () => void;

export interface LedgerClientOptions {
  kv: KV;
  /** This holder's id in every ledger (an executor id); unique across the mesh. */
  holderId: string;
  log: Logger;
  /** How long a claim counts without renewal. Default 10 000. */
  leaseMs?: number;
  /** Renewal period while anything is claimed; must be well under `leaseMs`. Default 3 000. */
  renewEveryMs?: number;
  /** How long a freed slot stays claimed for reuse before it is given back. Default 500. */
  lingerMs?: number;
  /** Most extra slots a growing burst claims at once. Default 8. */
  maxBatch?: number;
  /** Compare-and-set attempts per change before an acquire fails. Default 50. */
  maxAttempts?: number;
  /** Epoch ms; injectable so tests can move time. Default Date.now. */
  now?: () => number;
}

export interface LedgerClient {
  /**
   * Admits one invocation against `limit` (counted across every holder of `key`): a release, or
   * undefined when the limit is in use (or ≤ 0). Rejects only when the ledger cannot be read or
   * written (NATS unavailable).
   */
  acquire(key: string, limit: number): Promise<Release | undefined>;
  /** This holder's slots for `key`: claimed in the ledger, and in use by running invocations. */
  held(key: string): { claimed: number; inUse: number };
  /** Stops renewing and removes this holder from every ledger it is in. */
  stop(): Promise<void>;
}

interface Waiter { resolve(release: Release | undefined): void; reject(err: unknown): void }

interface KeyState {
  key: string;
  /** `running` of this holder's entry as last written. */
  claimed: number;
  /** While a write is in flight: the claim it writes; admissions stay within both. */
  pending: number | undefined;
  inUse: number;
  /** Waiters a step is claiming for right now: no local admission may go ahead of them. */
  taking: number;
  /** Most in use since the last trim: what the claim shrinks to. */
  peak: number;
  /** The limit of the latest acquire; renewals and trims check against it. */
  limit: number;
  /** `expiresAt` of this holder's entry as last written or read. */
  expiresAt: number;
  waiters: Waiter[];
  renewDue: boolean;
  trimDue: boolean;
  dirty: boolean;
  running: Promise<void> | undefined;
  trimTimer: NodeJS.Timeout | undefined;
}

const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
function isConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" && WRONG_LAST_SEQUENCE.has(code);
}

const jitter = (attempt: number) => new Promise<void>((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));

export function createLedgerClient(options: LedgerClientOptions): LedgerClient {
  const { kv, holderId, log } = options;
  const leaseMs = options.leaseMs ?? 10_000;
  const renewEveryMs = options.renewEveryMs ?? 3_000;
  const lingerMs = options.lingerMs ?? 500;
  const maxBatch = options.maxBatch ?? 8;
  const maxAttempts = options.maxAttempts ?? 50;
  const now = options.now ?? Date.now;
  if (!(renewEveryMs > 0 && renewEveryMs < leaseMs)) throw new RangeError("renewEveryMs must be positive and below leaseMs");
  const states = new Map<string, KeyState>();
  let stopped = false;

  const renewTimer = setInterval(() => {
    for (const s of states.values()) if (s.claimed > 0) { s.renewDue = true; kick(s); }
  }, renewEveryMs);
  renewTimer.unref();

  function state(key: string, limit: number): KeyState {
    let s = states.get(key);
    if (!s) {
      s = { key, claimed: 0, pending: undefined, inUse: 0, taking: 0, peak: 0, limit, expiresAt: 0, waiters: [],
        renewDue: false, trimDue: false, dirty: false, running: undefined, trimTimer: undefined };
      states.set(key, s);
    }
    return s;
  }

  function grant(s: KeyState): Release {
    s.inUse++;
    if (s.inUse > s.peak) s.peak = s.inUse;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      s.inUse--;
      if (!stopped) scheduleTrim(s);
    };
  }

  /** Within the lease, with room in the claim (and in a claim being written), nobody else waiting. */
  function canAdmitLocally(s: KeyState, limit: number): boolean {
    const capacity = s.pending === undefined ? s.claimed : Math.min(s.claimed, s.pending);
    return s.waiters.length === 0 && s.taking === 0 && s.limit === limit && s.inUse < capacity && now() < s.expiresAt - renewEveryMs;
  }

  function scheduleTrim(s: KeyState): void {
    if (s.trimTimer !== undefined || s.inUse >= s.claimed) return;
    s.trimTimer = setTimeout(() => {
      s.trimTimer = undefined;
      if (stopped) return;
      const keep = Math.max(s.inUse, s.peak);
      s.peak = s.inUse;
      if (keep < s.claimed) { s.trimDue = true; kick(s); } else scheduleTrim(s);
    }, lingerMs);
    s.trimTimer.unref();
  }

  function kick(s: KeyState): void {
    s.dirty = true;
    s.running ??= run(s);
  }

  async function run(s: KeyState): Promise<void> {
    while (s.dirty) {
      s.dirty = false;
      await step(s, false).catch((err: unknown) => log.warn("concurrency ledger update failed", { key: s.key, err }));
    }
    // Cleared in the same turn the loop saw nothing to do, so a kick never goes unserved.
    s.running = undefined;
  }

  /**
   * One change of this holder's entry: serve the waiters (claiming for them), shrink an idle claim,
   * renew, or (closing) remove it. Only one step per key runs at a time.
   */
  async function step(s: KeyState, closing: boolean): Promise<void> {
    const taking = s.waiters.splice(0);
    s.taking = taking.length;
    // Whether the mesh, not this holder, set the claim: then waiters beyond it are refused.
    let capped = false;
    const trim = s.trimDue;
    const renew = s.renewDue;
    s.trimDue = false;
    s.renewDue = false;
    try {
      for (let attempt = 1; ; attempt++) {
        const entry: KvEntry | null = await kv.get(s.key);
        const t = now();
        const ledger = readLedger(s.key, entry);
        const available = Math.max(0, s.limit - othersRunning(ledger, holderId, t));
        let target = s.claimed;
        if (trim) target = Math.max(s.inUse, s.peak);
        if (taking.length > 0) target = Math.max(target, s.inUse + taking.length + batchFor(s.limit, maxBatch));
        // Never below what runs here: a running invocation cannot be taken back.
        const claim = closing ? 0 : Math.max(s.inUse, Math.min(target, available));
        capped = claim < target;
        const mine = ledger.holders[holderId];
        const stale = mine !== undefined && mine.expiresAt - t < leaseMs - renewEveryMs;
        if (!renew && claim === (mine?.running ?? 0) && !(claim > 0 && stale)) {
          // Nothing to write: the ledger already says this (a refusal costs one read).
          s.claimed = claim;
          s.expiresAt = mine?.expiresAt ?? 0;
          break;
        }
        if (claim === 0 && mine === undefined) { s.claimed = 0; s.expiresAt = 0; break; }
        const expiresAt = t + leaseMs;
        const next = encodeLedger(withClaim(ledger, holderId, claim, expiresAt, t));
        s.pending = claim;
        try {
          if (entry === null) await kv.create(s.key, next);
          else await kv.update(s.key, next, entry.revision);
        } catch (err) {
          if (!isConflict(err) || attempt >= maxAttempts) throw err;
          await jitter(attempt);
          continue;
        } finally {
          s.pending = undefined;
        }
        s.claimed = claim;
        s.expiresAt = claim > 0 ? expiresAt : 0;
        break;
      }
    } catch (err) {
      for (const w of taking) w.reject(err);
      throw err;
    } finally {
      s.taking = 0;
    }
    // Room is counted now, not when the ledger was read: releases went on meanwhile. A waiter is
    // refused only when the mesh's limit left no room for it (or this holder is closing); one that
    // found the claim full for any other reason (a claim kept from before, read while in use)
    // waits for the next step, ahead of later arrivals, instead of seeing a false 429.
    const room = closing ? 0 : Math.max(0, s.claimed - s.inUse);
    const again: Waiter[] = [];
    taking.forEach((w, i) => {
      if (i < room) w.resolve(grant(s));
      else if (closing || capped) w.resolve(undefined);
      else again.push(w);
    });
    if (again.length > 0) { s.waiters.unshift(...again); kick(s); }
    if (!closing) scheduleTrim(s);
  }

  function readLedger(key: string, entry: KvEntry | null): ConcurrencyLedger {
    if (entry === null || entry.operation !== "PUT") return emptyLedger();
    const ledger = decodeLedger(entry.value);
    if (ledger) return ledger;
    // Nobody could ever acquire against an unreadable ledger: replace it, loudly.
    log.warn("replacing an invalid concurrency ledger", { key, revision: entry.revision });
    return emptyLedger();
  }

  return {
    acquire(key, limit) {
      if (stopped) return Promise.reject(new Error("concurrency ledger client stopped"));
      const s = state(key, limit);
      if (limit <= 0) {
        // Nothing may run (e.g. reserved concurrency 0); an existing claim shrinks with the next trim.
        s.limit = 0;
        scheduleTrim(s);
        return Promise.resolve(undefined);
      }
      if (canAdmitLocally(s, limit)) return Promise.resolve(grant(s));
      s.limit = limit;
      return new Promise<Release | undefined>((resolve, reject) => {
        s.waiters.push({ resolve, reject });
        kick(s);
      });
    },
    held(key) {
      const s = states.get(key);
      return { claimed: s?.claimed ?? 0, inUse: s?.inUse ?? 0 };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(renewTimer);
      for (const s of states.values()) {
        clearTimeout(s.trimTimer);
        for (const w of s.waiters.splice(0)) w.resolve(undefined);
      }
      await Promise.all([...states.values()].map((s) => s.running));
      await Promise.all([...states.values()].map(async (s) => {
        if (s.claimed === 0) return;
        await step(s, true).catch((err: unknown) =>
          log.warn("could not remove this holder from a concurrency ledger; it expires with its lease", { key: s.key, err }));
      }));
    },
  };
}
