/**
 * The schedulers' leader lease: one key in SCHEDULER_BUCKET holding `{ holder, expiresAt }`.
 * nats-server 2.9 has no per-key TTL, so expiry is in the value: the holder renews it by
 * compare-and-set (`update` at the revision it read) every `renewMs`; another replica takes it,
 * again by compare-and-set, only once `expiresAt` has passed; a free lease is taken with `create`.
 * Whoever loses a compare-and-set is a follower until its next look. The holder stops acting as
 * leader a margin before its own lease runs out, so two leaders never act at once on one clock;
 * across clocks (or a stalled process) JetStream's de-duplication still drops a second publish of a tick.
 */
import type { KV } from "@nats-io/kv";
import { scheduleKeys } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";

export interface LeaseOptions {
  kv: KV;
  holder: string;
  leaseMs: number;
  renewMs: number;
  log: Logger;
  now?: () => number;
  /** Called when this replica becomes leader or stops being leader. */
  onChange?: (leader: boolean) => void;
}

export interface Lease {
  /** True while this replica holds an unexpired lease (less a safety margin). */
  isLeader(): boolean;
  /** Stops renewing and frees the lease if held, so a follower takes over at once. */
  stop(): Promise<void>;
}

interface LeaseValue { holder: string; expiresAt: number }

function decode(value: Uint8Array): LeaseValue | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(value)) as Partial<LeaseValue>;
    return typeof v.holder === "string" && typeof v.expiresAt === "number" ? { holder: v.holder, expiresAt: v.expiresAt } : undefined;
  } catch {
    return undefined;
  }
}

const encode = (v: LeaseValue) => new TextEncoder().encode(JSON.stringify(v));

export function startLease(options: LeaseOptions): Lease {
  const { kv, holder, leaseMs, renewMs, log } = options;
  const now = options.now ?? Date.now;
  const margin = Math.min(1_000, Math.floor(leaseMs / 4));
  let validUntil = 0;
  let revision = 0;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function set(next: boolean): void {
    if (next === leader) return;
    leader = next;
    log.info(next ? "schedule leader: took the lease" : "schedule leader: lost the lease", { holder });
    options.onChange?.(next);
  }

  async function look(): Promise<void> {
    const started = now();
    const value = encode({ holder, expiresAt: started + leaseMs });
    try {
      const entry = await kv.get(scheduleKeys.lease);
      const current = entry?.operation === "PUT" ? decode(entry.value) : undefined;
      if (!entry || entry.operation !== "PUT") {
        revision = await kv.create(scheduleKeys.lease, value);
      } else if (current === undefined || current.holder === holder || current.expiresAt <= started) {
        revision = await kv.update(scheduleKeys.lease, value, entry.revision);
      } else {
        validUntil = 0;
        set(false);
        return;
      }
      validUntil = started + leaseMs - margin;
      set(true);
    } catch (err) {
      // Lost a compare-and-set (someone else renewed or took it), or NATS is unreachable: not leader.
      validUntil = 0;
      set(false);
      log.debug("schedule lease look failed", { err });
    }
  }

  function loop(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => { running = look().finally(() => { running = undefined; loop(renewMs); }); }, delayMs);
  }
  loop(0);

  return {
    isLeader: () => leader && now() < validUntil,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (leader && now() < validUntil) {
        // Hand over at once: an expired value at our revision (a failed CAS means it is not ours any more).
        await kv.update(scheduleKeys.lease, encode({ holder, expiresAt: 0 }), revision).catch(() => undefined);
      }
      set(false);
    },
  };
}
