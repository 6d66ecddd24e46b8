/**
 * Resolves function names to FunctionViews from memory, kept current by a watch on the
 * FUNCTIONS_BUCKET KV bucket: initial values first, then every change as it is written, so a change
 * reaches every resolver within a NATS round trip. No call here reads a database.
 */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { DLQ_STREAM, FUNCTIONS_BUCKET, FunctionView, functionViewKeys, Header, subjects } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import { createViewMap, type ViewChange } from "./view-map.ts";

/** The parts of a KV entry the resolver reads; nats.js's `KvEntry` has them. */
export interface ViewEntry {
  key: string;
  /** The bucket stream's sequence of this message. */
  revision: number;
  operation: "PUT" | "DEL" | "PURGE";
  value: Uint8Array;
}

export interface FunctionResolverOptions {
  kv: KV;
  /** Used to dead-letter invalid values (best effort); without it they are only logged. */
  nc?: NatsConnection;
  log: Logger;
  /** Wait before re-opening a watch that ended (connection or stream trouble). Default 1 s. */
  rewatchDelayMs?: number;
  /**
   * Called with each view that becomes a function's current one (created or changed, from the watch
   * or `observe`), e.g. to fetch its code before the first invocation. Must not throw.
   */
  onView?: (view: FunctionView) => void;
}

export interface FunctionResolver {
  /** Settles once the bucket's values at start are loaded; `resolve` answers from memory after it. */
  readonly ready: Promise<void>;
  /** The function's current view, or undefined when there is none (never created, deleted or invalid). */
  resolve(name: string): FunctionView | undefined;
  /**
   * Applies an entry this process just wrote or read (e.g. after `kv.put`), so its own next
   * `resolve` sees it before the watch delivers it. Older revisions are ignored.
   */
  observe(entry: ViewEntry): void;
  /**
   * The function's view at least as new as `minRevision` (a FUNCTIONS_BUCKET revision the caller
   * saw): from memory when it is, else read from the bucket once (a NATS round trip, never the
   * database). Undefined when the function does not exist.
   */
  resolveFresh(name: string, minRevision?: number): Promise<FunctionView | undefined>;
  /** Sum of reserved concurrency over every function (the account pool's reserved share). */
  readonly reservedTotal: number;
  /** The bucket revision behind `resolve(name)`; 0 when nothing is held. */
  revisionOf(name: string): number;
  /** How many functions resolve. */
  readonly size: number;
  stop(): Promise<void>;
}

const DLQ_REASON = "invalid_function_view";
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes one KV entry at the boundary: a valid view, a delete, or invalid (with why). */
function decodeEntry(entry: ViewEntry, name: string): { change: ViewChange; problem?: string } {
  if (entry.operation === "DEL" || entry.operation === "PURGE") return { change: { kind: "delete" } };
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(entry.value));
  } catch (err) {
    return { change: { kind: "invalid" }, problem: `not JSON: ${(err as Error).message}` };
  }
  const parsed = FunctionView.safeParse(json);
  if (!parsed.success) return { change: { kind: "invalid" }, problem: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  if (parsed.data.name !== name) return { change: { kind: "invalid" }, problem: `view names ${parsed.data.name}, key is ${name}` };
  return { change: { kind: "put", view: parsed.data } };
}

export function startFunctionResolver(options: FunctionResolverOptions): FunctionResolver {
  const { kv, log } = options;
  const map = createViewMap();
  let stopped = false;
  let stopWatch: (() => void) | undefined;
  let wake: (() => void) | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => { markReady = r; });

  function deadLetter(entry: ViewEntry, problem: string): void {
    if (!options.nc) return;
    const h = natsHeaders();
    h.set(Header.DeadLetterReason, problem.slice(0, 1024));
    h.set(Header.OriginalSubject, `$KV.${FUNCTIONS_BUCKET}.${entry.key}`);
    // Every resolver sees the same bad value: the message id makes it one dead letter.
    jetstream(options.nc).publish(subjects.dlq(DLQ_REASON), entry.value, { headers: h, msgID: `KV_${FUNCTIONS_BUCKET}-${entry.revision}` })
      .catch((err: unknown) => log.warn("could not dead-letter an invalid function view", { key: entry.key, err, stream: DLQ_STREAM }));
  }

  function take(entry: ViewEntry, source: "watch" | "own"): void {
    const name = functionViewKeys.parseLatest(entry.key);
    // Keys for qualifiers (versions, aliases) are not $LATEST views; this resolver does not serve them yet.
    if (name === undefined) return;
    const { change, problem } = decodeEntry(entry, name);
    if (problem !== undefined) {
      log.warn("skipping invalid function view", { key: entry.key, revision: entry.revision, problem });
      if (source === "watch") deadLetter(entry, problem);
    }
    const before = map.get(name);
    if (source === "watch") map.watched(name, entry.revision, change);
    else map.own(name, entry.revision, change);
    const after = map.get(name);
    if (after !== undefined && after !== before && options.onView) {
      try {
        options.onView(after);
      } catch (err) {
        log.warn("function view listener failed", { function: name, err });
      }
    }
  }

  async function watchLoop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        // Where the bucket stands now: the watch has loaded it once it delivered this revision.
        const status = await kv.status();
        const loadedAt = status.streamInfo.state.messages === 0 ? 0 : status.streamInfo.state.last_seq;
        if (map.watchedRevision >= loadedAt) markReady();
        // After a restart, resume after what was seen; deletes during the gap arrive as DEL entries.
        const iter = await kv.watch({
          include: KvWatchInclude.LastValue,
          ...(map.watchedRevision > 0 ? { resumeFromRevision: map.watchedRevision + 1 } : {}),
        });
        stopWatch = () => iter.stop();
        if (stopped) iter.stop();
        failures = 0;
        for await (const entry of iter) {
          take(entry, "watch");
          if (entry.revision >= loadedAt) markReady();
        }
        if (!stopped) log.warn("function view watch ended; watching again", { revision: map.watchedRevision });
      } catch (err) {
        // A closed connection never comes back: whoever closed it is shutting down.
        if ((err as Error).name === "ClosedConnectionError") break;
        failures++;
        if (!stopped) log.warn("function view watch failed; retrying", { err, failures });
      }
      if (stopped) break;
      const delayMs = Math.min(10_000, (options.rewatchDelayMs ?? 1_000) * Math.max(1, failures));
      await new Promise<void>((r) => { const t = setTimeout(r, delayMs); wake = () => { clearTimeout(t); r(); }; });
    }
  }
  const loop = watchLoop();

  return {
    ready,
    resolve: (name) => map.get(name),
    async resolveFresh(name, minRevision) {
      const held = map.get(name);
      if (held && (minRevision === undefined || map.revisionOf(name) >= minRevision)) return held;
      // A miss or a stale value: the watch may not have delivered the newest write yet.
      const entry = await kv.get(functionViewKeys.latest(name));
      if (entry) take(entry, "own");
      return map.get(name);
    },
    get reservedTotal() { return map.reservedTotal; },
    revisionOf: (name) => map.revisionOf(name),
    observe: (entry) => take(entry, "own"),
    get size() { return map.size; },
    async stop() {
      stopped = true;
      stopWatch?.();
      wake?.();
      await loop;
    },
  };
}
