/**
 * Host work a function causes: its URL, crypto and structuredClone calls run synchronously on the
 * host's main thread, outside the isolate's CPU time and heap, while every other invocation's
 * timers, logs and replies wait. Each invocation is metered and rate-limited with a token bucket:
 * `burstMs` of host time up front, refilled at `share` of the wall time that passes; a call made
 * with the bucket empty is refused.
 *
 * What a call costs is measured around its host body, plus `PER_CALL_MS` for isolated-vm's
 * dispatch: on the reference machine (2 cores, Node 24, isolated-vm 6.2) a loop of URL parses
 * kept the main thread busy about 25 µs per call while the parse itself took 2-5 µs.
 */
import { performance } from "node:perf_hooks";

export interface HostWorkLimits {
  burstMs: number;
  /** Fraction of elapsed wall time, 0 < share <= 1. */
  share: number;
}

/** Milliseconds on a monotonic clock. */
export type HostWorkClock = () => number;

/** Limits plus the clock that both measures calls and refills the bucket (tests inject one). */
export interface HostWorkConfig extends HostWorkLimits {
  now: HostWorkClock;
}

export const hostWorkClock: HostWorkClock = () => performance.now();

export const PER_CALL_MS = 0.025;

/**
 * Starts every refusal. prelude/structured-clone.ts recognises it by this text (prelude code cannot
 * import), so the refusal is not turned into a DataCloneError; host-work-limit.test.ts checks both.
 */
export const HOST_WORK_REFUSAL_PREFIX = "fnmesh: host work limit reached";

export class HostWorkMeter {
  /** Host time charged to the invocation so far (ms). */
  usedMs = 0;
  calls = 0;
  readonly #limits: HostWorkLimits;
  readonly #clock: HostWorkClock;
  #tokensMs: number;
  #refilledAt: number;

  /** The invocation begins now, by `config.now`, with a full bucket. */
  constructor(config: HostWorkConfig) {
    this.#limits = { burstMs: config.burstMs, share: config.share };
    this.#clock = config.now;
    this.#tokensMs = config.burstMs;
    this.#refilledAt = config.now();
  }

  /** The meter's clock: calls are timed with it and the bucket refills by it. */
  now(): number {
    return this.#clock();
  }

  /** True when a call may run now. */
  admit(now = this.now()): boolean {
    this.#refill(now);
    return this.#tokensMs > 0;
  }

  /** Charges a call that took `ms` (by this meter's clock), plus PER_CALL_MS. */
  charge(ms: number, now = this.now()): void {
    const cost = Math.max(0, ms) + PER_CALL_MS;
    this.#refill(now);
    this.#tokensMs -= cost;
    this.usedMs += cost;
    this.calls++;
  }

  /** What the isolate is told when a call is refused. */
  refusal(): string {
    const { burstMs, share } = this.#limits;
    return `${HOST_WORK_REFUSAL_PREFIX}: this invocation's URL, crypto and structuredClone calls have used ${this.usedMs.toFixed(1)} ms ` +
      `of the host's time in ${this.calls} calls; the limit is ${burstMs} ms plus ${Number((share * 100).toPrecision(3))}% of the time elapsed since the invocation began`;
  }

  #refill(now: number): void {
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokensMs = Math.min(this.#limits.burstMs, this.#tokensMs + elapsed * this.#limits.share);
    this.#refilledAt = now;
  }
}

