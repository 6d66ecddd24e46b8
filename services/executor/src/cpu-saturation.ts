/**
 * Whether this executor is short of CPU: the machine's cores all busy (the kernel's per-core idle
 * counters, os.cpus) or its own event loop busy (event-loop utilization: the main thread, where
 * every invocation's host side runs, is one core however many the machine has), sampled every
 * `intervalMs`. The run windows (run-window.ts) shrink only then: a stretched run time with CPU to
 * spare is the function's own (I/O, a slow dependency), not queueing that more concurrency worsens.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";

export interface CpuSaturation {
  /** True while the cores' busy share or the event loop's utilization over the last interval is at least `threshold`. */
  saturated(): boolean;
  /** The busy share (0–1) of all cores over the last interval. */
  readonly busyShare: number;
  /** The event loop's utilization (0–1) over the last interval. */
  readonly loopShare: number;
  stop(): void;
}

function totals(): { busy: number; all: number } {
  let busy = 0;
  let all = 0;
  for (const { times } of cpus()) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    all += sum;
    busy += sum - times.idle;
  }
  return { busy, all };
}

export function watchCpuSaturation(options: { intervalMs?: number; threshold?: number } = {}): CpuSaturation {
  const threshold = options.threshold ?? 0.9;
  let last = totals();
  let lastLoop = performance.eventLoopUtilization();
  let share = 0;
  let loopShare = 0;
  const timer = setInterval(() => {
    const now = totals();
    const all = now.all - last.all;
    share = all > 0 ? (now.busy - last.busy) / all : share;
    last = now;
    const loop = performance.eventLoopUtilization();
    loopShare = performance.eventLoopUtilization(loop, lastLoop).utilization;
    lastLoop = loop;
  }, options.intervalMs ?? 100);
  timer.unref();
  return {
    saturated: () => share >= threshold || loopShare >= threshold,
    get busyShare() { return share; },
    get loopShare() { return loopShare; },
    stop: () => clearInterval(timer),
  };
}
