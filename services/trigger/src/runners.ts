/**
 * The runner manager: turns the watched mappings into running sources on this replica. Per mapping,
 * by `source.kind`: Enabled → a runner; Disabled → its runner stopped, durable state (a JetStream
 * consumer, a replication slot) kept, so enabling again resumes where it stopped; deleted → stopped
 * and cleaned up (consumer deleted, slot dropped). A new revision with other settings restarts the
 * runner; one that only touched bookkeeping (revision, lastModified) leaves it alone.
 *
 * Source kinds plug in through `SourceKinds`, so each lives in its own module. A kind nobody plugged
 * in is logged once per kind. Changes to one mapping apply in order; different mappings in parallel.
 * A runner that fails to start is retried with a growing wait while the mapping still wants it.
 */
import { EventSourceMappingState, type EventSourceKind, type EventSourceMappingView } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import type { MappingListener } from "./mapping-watcher.ts";

/** A running source for one mapping on this replica. */
export interface Runner {
  /** Stops consuming and waits for what is in hand; durable state stays. */
  stop(): Promise<void>;
}

/** One source kind: how to run a mapping and how to clean up after a deleted one. */
export interface SourceKind {
  start(mapping: EventSourceMappingView): Promise<Runner>;
  /** The mapping was deleted: remove what outlives runners (durable consumers, slots). Every replica calls it; make it idempotent. */
  cleanup?(mapping: EventSourceMappingView): Promise<void>;
}

export type SourceKinds = Partial<Record<EventSourceKind, SourceKind>>;

export interface RunnerManagerOptions {
  kinds: SourceKinds;
  log: Logger;
  /**
   * Told when a runner fails to start (`PROBLEM: …`), starts again after failing (undefined), and
   * when a mapping is deleted (undefined): what the API shows as LastProcessingResult.
   */
  onStatus?: (uuid: string, result: string | undefined) => void;
  /** First wait before starting a failed runner again (doubling, up to 30 s). Default 1000 ms. */
  restartBaseMs?: number;
}

export interface RunnerManager extends MappingListener {
  /** UUIDs of the mappings with a runner on this replica. */
  running(): string[];
  /** Waits until every change received so far has been applied. */
  settled(): Promise<void>;
  /** Stops every runner (no cleanup: the mappings still exist). */
  stop(): Promise<void>;
}

/** What a runner is built from: everything but bookkeeping and the state. */
function settingsOf(view: EventSourceMappingView): string {
  const { revision: _r, lastModified: _l, state: _s, ...settings } = view;
  return JSON.stringify(settings);
}

interface Slot {
  /** The latest view (or undefined once deleted). */
  view: EventSourceMappingView | undefined;
  runner?: Runner;
  runningSettings?: string;
  chain: Promise<void>;
  retryTimer?: NodeJS.Timeout;
  failures: number;
}

export function createRunnerManager(options: RunnerManagerOptions): RunnerManager {
  const { kinds, log } = options;
  const base = options.restartBaseMs ?? 1_000;
  const slots = new Map<string, Slot>();
  const unplugged = new Set<string>();
  let stopped = false;

  const slotOf = (uuid: string): Slot => {
    let slot = slots.get(uuid);
    if (!slot) { slot = { view: undefined, chain: Promise.resolve(), failures: 0 }; slots.set(uuid, slot); }
    return slot;
  };

  async function stopRunner(uuid: string, slot: Slot): Promise<void> {
    const runner = slot.runner;
    slot.runner = undefined;
    slot.runningSettings = undefined;
    if (!runner) return;
    try {
      await runner.stop();
      log.info("event source mapping runner stopped", { mapping: uuid });
    } catch (err) {
      log.error("stopping an event source mapping runner failed", { mapping: uuid, err });
    }
  }

  /** Brings the slot's runner to what its latest view wants. */
  async function reconcile(uuid: string, slot: Slot, cleanup?: EventSourceMappingView): Promise<void> {
    if (slot.retryTimer) { clearTimeout(slot.retryTimer); slot.retryTimer = undefined; }
    const view = slot.view;
    const wanted = !stopped && view !== undefined && view.state === EventSourceMappingState.Enabled;
    if (!wanted || (slot.runner && slot.runningSettings !== settingsOf(view))) await stopRunner(uuid, slot);
    if (cleanup) {
      const kind = kinds[cleanup.source.kind];
      try {
        await kind?.cleanup?.(cleanup);
        log.info("event source mapping deleted and cleaned up", { mapping: uuid, kind: cleanup.source.kind });
      } catch (err) {
        log.error("cleaning up a deleted event source mapping failed", { mapping: uuid, kind: cleanup.source.kind, err });
      }
      if (slot.view === undefined) {
        slots.delete(uuid);
        options.onStatus?.(uuid, undefined);
      }
      return;
    }
    if (!wanted || slot.runner) return;
    const kind = kinds[view.source.kind];
    if (!kind) {
      if (!unplugged.has(view.source.kind)) {
        unplugged.add(view.source.kind);
        log.warn("no runner for this event source kind in this trigger; its mappings do nothing here", { kind: view.source.kind, mapping: uuid });
      }
      return;
    }
    try {
      slot.runner = await kind.start(view);
      slot.runningSettings = settingsOf(view);
      if (slot.failures > 0) options.onStatus?.(uuid, undefined);
      slot.failures = 0;
      log.info("event source mapping runner started", { mapping: uuid, kind: view.source.kind, function: view.functionName, revision: view.revision });
      // Stopped or changed while starting: the queued change (or stop) will see the runner.
    } catch (err) {
      slot.failures++;
      options.onStatus?.(uuid, `PROBLEM: ${err instanceof Error ? err.message : String(err)}`);
      const delayMs = Math.min(30_000, base * 2 ** (slot.failures - 1));
      log.error("starting an event source mapping runner failed; trying again", { mapping: uuid, kind: view.source.kind, err, delayMs, failures: slot.failures });
      slot.retryTimer = setTimeout(() => { slot.retryTimer = undefined; enqueue(uuid, slot); }, delayMs);
    }
  }

  function enqueue(uuid: string, slot: Slot, cleanup?: EventSourceMappingView): void {
    slot.chain = slot.chain.then(() => reconcile(uuid, slot, cleanup)).catch((err: unknown) => {
      log.error("event source mapping change failed", { mapping: uuid, err });
    });
  }

  return {
    put(view) {
      if (stopped) return;
      const slot = slotOf(view.uuid);
      slot.view = view;
      enqueue(view.uuid, slot);
    },
    delete(previous) {
      if (stopped) return;
      const slot = slotOf(previous.uuid);
      slot.view = undefined;
      enqueue(previous.uuid, slot, previous);
    },
    running: () => [...slots].filter(([, s]) => s.runner !== undefined).map(([uuid]) => uuid),
    async settled() {
      // A change may queue another (a retry), so wait until the chains stand still.
      for (;;) {
        const chains = new Set([...slots.values()].map((s) => s.chain));
        await Promise.all(chains);
        if ([...slots.values()].every((s) => chains.has(s.chain))) return;
      }
    },
    async stop() {
      stopped = true;
      for (const [uuid, slot] of slots) enqueue(uuid, slot);
      await Promise.all([...slots.values()].map((s) => s.chain));
      for (const slot of slots.values()) if (slot.retryTimer) clearTimeout(slot.retryTimer);
    },
  };
}
