/**
 * This replica's copy of EVENT_SOURCES_BUCKET: the valid EventSourceMappingViews by UUID, kept by
 * the mapping watcher and read by sources that look mappings up per record (the S3 fan-out reads
 * `list` or `values` on every notification).
 */
import { EventSourceKind, type EventSourceMappingView } from "@fnmesh/protocol";

export class MappingTable {
  readonly #views = new Map<string, EventSourceMappingView>();

  get(uuid: string): EventSourceMappingView | undefined { return this.#views.get(uuid); }
  /** Every mapping, of every kind and state. */
  list(): EventSourceMappingView[] { return [...this.#views.values()]; }
  /** Every mapping, without a copy (for `() => Iterable<EventSourceMappingView>` readers). */
  values(): Iterable<EventSourceMappingView> { return this.#views.values(); }
  /** The S3 mappings of a bucket, Enabled or not. */
  byBucket(bucket: string): EventSourceMappingView[] {
    return this.list().filter((m) => m.source.kind === EventSourceKind.S3 && m.source.bucket === bucket);
  }
  /** The mappings of one source kind. */
  byKind(kind: EventSourceKind): EventSourceMappingView[] { return this.list().filter((m) => m.source.kind === kind); }
  get size(): number { return this.#views.size; }

  /** @internal the watcher's writes */
  set(view: EventSourceMappingView): void { this.#views.set(view.uuid, view); }
  /** @internal */
  delete(uuid: string): EventSourceMappingView | undefined {
    const previous = this.#views.get(uuid);
    this.#views.delete(uuid);
    return previous;
  }
}
