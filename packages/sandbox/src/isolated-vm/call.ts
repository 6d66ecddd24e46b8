/** Host-side state of the invocation an isolate is running, and its host timers. */
import type { LogCollector } from "../log-collector.ts";
import type { Failure } from "./failure.ts";
import { HostWorkMeter } from "./host-work.ts";
import type { HostWorkConfig } from "./host-work.ts";

interface HostTimer {
  handle: NodeJS.Timeout | NodeJS.Immediate;
  immediate: boolean;
}

export interface Call {
  /** Names the invocation in every bridge message; the isolate's own counterpart of it. */
  seq: number;
  logs: LogCollector;
  /** Current phase (init or handler): its deadline (epoch ms) and limit. */
  deadline: number;
  limitMs: number;
  /** Log lines the isolate reports having sent; the host waits until it has them all. */
  logsSent: number;
  timers: Map<number, HostTimer>;
  /** Timer callbacks and fetch completions running in the isolate. */
  inflight: Set<Promise<void>>;
  /** Outbound fetches in progress, by the isolate's fetch id. */
  fetches: Map<number, AbortController>;
  /** Host time its synchronous bridge calls have cost, and what is left of their allowance. */
  hostWork: HostWorkMeter;
  failure: Failure | null;
  /** Resolves with the failure that ends the call early, if one does. */
  failed: Promise<Failure>;
  resolveFailed: (failure: Failure) => void;
}

export function createCall(seq: number, logs: LogCollector, hostWork: HostWorkConfig): Call {
  let resolveFailed: (failure: Failure) => void = () => {};
  const failed = new Promise<Failure>((resolve) => {
    resolveFailed = resolve;
  });
  return { seq, logs, deadline: 0, limitMs: 0, logsSent: 0, timers: new Map(), inflight: new Set(), fetches: new Map(), hostWork: new HostWorkMeter(hostWork), failure: null, failed, resolveFailed };
}

/** Arms (or re-arms) timer `id`; `delayMs` 0 runs it as setImmediate. */
export function setHostTimer(call: Call, id: number, delayMs: number, maxTimers: number, fire: () => void): void {
  const existing = call.timers.get(id);
  if (existing !== undefined) clearHostTimer(existing);
  else if (call.timers.size >= maxTimers) return; // the isolate enforces this too; never trust it alone
  const run = () => {
    call.timers.delete(id);
    fire();
  };
  call.timers.set(id, delayMs <= 0 ? { handle: setImmediate(run), immediate: true } : { handle: setTimeout(run, delayMs), immediate: false });
}

export function clearCallTimer(call: Call, id: number): void {
  const timer = call.timers.get(id);
  if (timer === undefined) return;
  clearHostTimer(timer);
  call.timers.delete(id);
}

export function clearCallTimers(call: Call): void {
  for (const timer of call.timers.values()) clearHostTimer(timer);
  call.timers.clear();
}

function clearHostTimer(timer: HostTimer): void {
  if (timer.immediate) clearImmediate(timer.handle as NodeJS.Immediate);
  else clearTimeout(timer.handle as NodeJS.Timeout);
}
