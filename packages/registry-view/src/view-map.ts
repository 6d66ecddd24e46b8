/**
 * The resolver's in-memory state: function name → the newest FunctionView seen, ordered by KV
 * revision (the bucket stream's sequence). Two sources feed it: the bucket watch, which delivers in
 * sequence order, and the owner's own writes (read-your-writes), which may arrive before the watch
 * reaches them. Revisions decide, so neither source can bring back an older value.
 */
import type { FunctionView } from "@fnmesh/protocol";

/** What one KV message says about a key: a valid view, a deletion, or a value that failed validation. */
export type ViewChange =
  | { kind: "put"; view: FunctionView }
  | { kind: "delete" }
  | { kind: "invalid" };

interface Slot { revision: number; view: FunctionView | undefined }

export interface ViewMap {
  /** A message from the watch, in stream order. */
  watched(name: string, revision: number, change: ViewChange): void;
  /** An entry this process wrote itself (or read back right after writing). */
  own(name: string, revision: number, change: ViewChange): void;
  get(name: string): FunctionView | undefined;
  /** The bucket revision of the value held for this name (0 when none is held). */
  revisionOf(name: string): number;
  /** Sum of reserved concurrency over every view held (the account's reserved share). */
  readonly reservedTotal: number;
  /** The highest bucket revision the watch has delivered. */
  readonly watchedRevision: number;
  readonly size: number;
}

export function createViewMap(): ViewMap {
  const slots = new Map<string, Slot>();
  let watchedRevision = 0;

  function apply(name: string, revision: number, change: ViewChange): void {
    const slot = slots.get(name);
    if (slot && slot.revision >= revision) return;
    // An invalid value hides nothing newer and serves nothing: the key resolves as absent.
    slots.set(name, { revision, view: change.kind === "put" ? change.view : undefined });
  }

  return {
    watched(name, revision, change) {
      if (revision > watchedRevision) watchedRevision = revision;
      const slot = slots.get(name);
      // Nothing older than this can come from the watch any more, so a deletion leaves no tombstone.
      if (change.kind === "delete" && (!slot || slot.revision <= revision)) slots.delete(name);
      else apply(name, revision, change);
    },
    own(name, revision, change) {
      // The watch already delivered this revision or a later one for every key: it is at least as new.
      if (revision <= watchedRevision) return;
      apply(name, revision, change);
    },
    get: (name) => slots.get(name)?.view,
    revisionOf: (name) => slots.get(name)?.revision ?? 0,
    get reservedTotal() { let n = 0; for (const s of slots.values()) n += s.view?.reservedConcurrency ?? 0; return n; },
    get watchedRevision() { return watchedRevision; },
    get size() { let n = 0; for (const s of slots.values()) if (s.view) n++; return n; },
  };
}
