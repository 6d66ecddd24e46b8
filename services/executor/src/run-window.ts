/**
 * How many invocations of one function this executor runs in isolates at once: a window that grows
 * while the function's run times stay near its fastest, and shrinks when they stretch. The others
 * wait here, in arrival order, as promises — they still hold their admission (concurrency) slot.
 *
 * Why: each invocation runs in an isolate of its own, and a handler that only computes gains
 * nothing from 256 of them at once — they queue for the same cores, while every extra isolate in
 * rotation costs CPU (cache misses, thread hand-offs, code that never warms up in any one isolate):
 * a trivial invoke costs ~90 µs of executor CPU with 8 at once and ~150 µs with 256 (the isolate
 * runtime alone, bench-style micro). A handler that awaits I/O keeps its run time near its own
 * duration however many run, so its window opens up to `max`. Waiting here rather than upstream
 * keeps callers' requests and the replies batched on the wire (one socket write per turn).
 *
 * Delay-based congestion control (TCP Vegas; Netflix's concurrency-limits): additive growth while
 * the average run time of the last window's worth of runs stays within `tolerance` × the base plus
 * `slackMs` or the machine has idle cores, multiplicative decrease otherwise. The base is measured with few runs out (`min`):
 * when the window starts, and again when it shrinks, at most every `baseResetMs` (as BBR's
 * ProbeRTT), so a function that became slower is judged by its new speed — never from run times
 * taken under load, which would let the window ratchet up. Only a warm run is a sample (`release(ms)`); a cold start or a
 * platform error releases without one.
 *
 * A run that has taken many times longer than that (`stallFactor`) stops holding the window: it is
 * waiting (on I/O, or on another invocation of the same function, as a recursive handler does), not
 * computing — so the window bounds what competes for the cores and can never deadlock.
 */

export interface RunWindowOptions {
  /** Never fewer than this at once (a floor so a loaded machine still makes progress). */
  min: number;
  /** Never more (the executor's own concurrency). */
  max: number;
  /** Where a function's window starts. */
  initial: number;
  /** Run times up to tolerance × base + slackMs count as not queued. */
  tolerance: number;
  slackMs: number;
  baseResetMs: number;
  /**
   * A run older than stallFactor × (tolerance × base + slackMs), and at least stallFloorMs, no longer
   * holds the window (queueing for the cores stretches runs by a few times, waiting by far more);
   * before a base is known, one older than unknownStallMs.
   */
  stallFactor: number;
  stallFloorMs: number;
  unknownStallMs: number;
  /**
   * Whether the cores are all busy (cpu-saturation.ts): a window shrinks only then — on a machine
   * with idle cores a stretched run time is the function's own (a slow dependency, I/O whose latency
   * varies), and more concurrency cannot make it worse. Default: always (for tests).
   */
  saturated?: () => boolean;
  now?: () => number;
}

export const defaultRunWindow = { min: 4, initial: 16, tolerance: 2, slackMs: 0.5, baseResetMs: 10_000, stallFactor: 10, stallFloorMs: 50, unknownStallMs: 100 } as const;

export interface RunWindow {
  /** Resolves when the invocation may run; `release` ends its turn (with its run time, ms, when it was a sample). */
  acquire(): Promise<(runMs?: number) => void>;
  readonly limit: number;
  readonly inFlight: number;
  readonly waiting: number;
}

export function createRunWindow(o: RunWindowOptions): RunWindow {
  const now = o.now ?? Date.now;
  const saturated = o.saturated ?? (() => true);
  const min = Math.max(1, Math.min(o.min, o.max));
  /** The window to return to after a probe; also where the first probe leads. */
  let target = Math.min(o.max, Math.max(min, o.initial));
  const waiters: (() => void)[] = [];
  let nextId = 0;
  /** Runs that count against the window, by start time (insertion order is start order). */
  const young = new Map<number, number>();
  /** Runs past the stall time: presumably waiting, not computing, so they no longer hold the window. */
  const aged = new Set<number>();
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  let base = Number.POSITIVE_INFINITY;
  let sum = 0;
  let count = 0;
  /** The most runs held at once since the last decision. */
  let peakSinceDecision = 0;
  // Probing (as BBR's ProbeRTT): the window drops to `min` until `min` runs started during the probe
  // have come back; the shortest of their run times is the base. A new window starts probing.
  let generation = 0;
  let probing = true;
  let probeStartedAt = now();
  let probeSamples = 0;
  let probeBase = Number.POSITIVE_INFINITY;
  const limit = () => (probing ? min : target);
  /** How long a run may take and still count as computing (before a base is known: `unknownStallMs`). */
  const stallMs = () => (Number.isFinite(base) ? Math.max(o.stallFloorMs, o.stallFactor * (base * o.tolerance + o.slackMs)) : o.unknownStallMs);

  const startProbe = () => {
    probing = true;
    generation++;
    probeSamples = 0;
    probeBase = Number.POSITIVE_INFINITY;
    probeStartedAt = now();
    sum = 0;
    count = 0;
  };

  const sample = (ms: number, startedIn: number) => {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    if (probing) {
      if (startedIn !== generation) return; // started before the probe, at the old window's load
      probeBase = Math.min(probeBase, ms);
      if (++probeSamples < min) return;
      base = probeBase;
      probing = false;
      generation++;
      return;
    }
    if (startedIn !== generation) return; // started during the probe: not this window's load
    base = Math.min(base, ms);
    sum += ms;
    count++;
    // One decision per window's worth of samples: each sees the effect of the last.
    if (count < target) return;
    const average = sum / count;
    sum = 0;
    count = 0;
    const peak = peakSinceDecision;
    peakSinceDecision = young.size;
    if (average <= base * o.tolerance + o.slackMs || !saturated()) {
      // Grow only a window that was used: one never half full says nothing about more (as Gradient2).
      if (peak * 2 >= target) target = Math.min(o.max, target + Math.max(1, Math.floor(Math.sqrt(target))));
      return;
    }
    target = Math.max(min, Math.floor(target * 0.8));
    // Shrinking on an old base may only mean the function became slower: measure it again (at most
    // every baseResetMs). A window that keeps growing is never interrupted by a probe.
    if (now() - probeStartedAt >= o.baseResetMs) startProbe();
  };

  /** Moves runs past the stall time out of the window; returns when the oldest young one stalls. */
  const ageRuns = (): number | undefined => {
    const cutoff = now() - stallMs();
    for (const [id, startedAt] of young) {
      if (startedAt > cutoff) return startedAt - cutoff;
      young.delete(id);
      aged.add(id);
    }
    return undefined;
  };

  const admit = () => {
    if (waiters.length === 0) return;
    if (young.size >= limit()) ageRuns();
    while (young.size < limit() && waiters.length > 0) waiters.shift()?.();
    if (waiters.length === 0) return;
    // Full of runs that may all be waiting (on I/O, or on another invocation of this very function):
    // look again when the oldest passes the stall time, so the window can never deadlock them.
    // One timer at a time: armed for the oldest young run, which the next look ages first anyway.
    if (stallTimer !== undefined) return;
    const wait = ageRuns();
    if (wait !== undefined && Number.isFinite(wait)) {
      stallTimer = setTimeout(() => { stallTimer = undefined; admit(); }, Math.max(1, Math.ceil(wait)));
      stallTimer.unref?.();
    }
  };

  const start = (): ((runMs?: number) => void) => {
    const id = nextId++;
    const startedIn = generation;
    young.set(id, now());
    if (young.size > peakSinceDecision) peakSinceDecision = young.size;
    let done = false;
    return (runMs?: number) => {
      if (done) return;
      done = true;
      young.delete(id);
      aged.delete(id);
      if (runMs !== undefined) sample(runMs, startedIn);
      admit();
    };
  };

  return {
    acquire() {
      if (waiters.length === 0 && (young.size < limit() || (ageRuns(), young.size < limit()))) return Promise.resolve(start());
      const turn = new Promise<(runMs?: number) => void>((resolve) => waiters.push(() => resolve(start())));
      admit();
      return turn;
    },
    get limit() { return limit(); },
    get inFlight() { return young.size + aged.size; },
    get waiting() { return waiters.length; },
  };
}

/** One window per function name, made on first use and dropped once idle. */
export interface RunWindows {
  acquire(functionName: string): Promise<(runMs?: number) => void>;
  /** The window of `functionName`, if it has one now (for tests and the wide event). */
  get(functionName: string): RunWindow | undefined;
}

export function createRunWindows(o: RunWindowOptions): RunWindows {
  const windows = new Map<string, RunWindow>();
  return {
    async acquire(functionName) {
      let w = windows.get(functionName);
      if (w === undefined) { w = createRunWindow(o); windows.set(functionName, w); }
      const window = w;
      const release = await window.acquire();
      return (runMs?: number) => {
        release(runMs);
        // Idle windows go, so names never seen again cost nothing; a new one starts at `initial`.
        if (window.inFlight === 0 && window.waiting === 0 && windows.size > 1_000) windows.delete(functionName);
      };
    },
    get: (functionName) => windows.get(functionName),
  };
}
