/**
 * Every scheduler replica's copy of SCHEDULES_BUCKET: a watch (current values, then each change)
 * into a map of parsed schedules. An invalid value is logged and left out, never fired.
 */
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { ScheduleView, scheduleKeys } from "@fnmesh/protocol";
import { parseScheduleExpression, type Schedule } from "@fnmesh/schedule";
import type { Logger } from "@fnmesh/telemetry";

export interface WatchedSchedule { key: string; view: ScheduleView; schedule: Schedule }

export interface ScheduleViews {
  all(): IterableIterator<WatchedSchedule>;
  stop(): Promise<void>;
}

function decode(key: string, value: Uint8Array): WatchedSchedule | string {
  try {
    const view = ScheduleView.parse(JSON.parse(new TextDecoder().decode(value)));
    const id = scheduleKeys.parseSchedule(key);
    if (!id || id.group !== view.groupName || id.name !== view.name) return `key ${key} does not name ${view.groupName}/${view.name}`;
    return { key, view, schedule: parseScheduleExpression(view.expression, view.timezone) };
  } catch (err) {
    return (err as Error).message;
  }
}

export function watchScheduleViews(kv: KV, log: Logger): ScheduleViews {
  const map = new Map<string, WatchedSchedule>();
  let stopped = false;
  let stopWatch: (() => void) | undefined;
  let wake: (() => void) | undefined;
  let seen = 0;

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        const iter = await kv.watch({ include: KvWatchInclude.LastValue, ...(seen > 0 ? { resumeFromRevision: seen + 1 } : {}) });
        stopWatch = () => iter.stop();
        if (stopped) iter.stop();
        for await (const e of iter) {
          seen = Math.max(seen, e.revision);
          if (e.operation !== "PUT") { map.delete(e.key); continue; }
          const decoded = decode(e.key, e.value);
          if (typeof decoded === "string") {
            map.delete(e.key);
            log.warn("skipping invalid schedule view", { key: e.key, revision: e.revision, problem: decoded });
          } else {
            map.set(e.key, decoded);
          }
        }
      } catch (err) {
        if ((err as Error).name === "ClosedConnectionError") break;
        if (!stopped) log.warn("schedule view watch failed; retrying", { err });
      }
      if (stopped) break;
      await new Promise<void>((r) => { const t = setTimeout(r, 1_000); wake = () => { clearTimeout(t); r(); }; });
    }
  }
  const running = loop();

  return {
    all: () => map.values(),
    async stop() {
      stopped = true;
      stopWatch?.();
      wake?.();
      await running;
    },
  };
}
