/**
 * Tells the API what this trigger last saw of each mapping (Lambda's LastProcessingResult) through
 * the fnmesh-event-source-status bucket: `PROBLEM: …` when a runner cannot start (say, a Postgres
 * source FNMESH_PG_SOURCES does not define) or a batch failed, `OK` after a batch succeeded, nothing
 * once the mapping is gone. Written only when the value changes, so a busy mapping costs no writes;
 * replicas may overwrite each other's value, and the newest wins, as in Lambda.
 */
import type { KV } from "@nats-io/kv";
import { EventSourceMappingStatus } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";

export interface StatusReporter {
  /** Records `result` for the mapping unless it is already the last one written. */
  report(uuid: string, result: string): void;
  /** Forgets the mapping (deleted, or started again after a failure): the API answers its default. */
  clear(uuid: string): void;
  /** Waits for the writes in flight. */
  settled(): Promise<void>;
}

const MAX_RESULT = 1024;
const encoder = new TextEncoder();

export function createStatusReporter(kv: KV, log: Logger): StatusReporter {
  const last = new Map<string, string | undefined>();
  let chain: Promise<void> = Promise.resolve();
  const queue = (what: string, uuid: string, write: () => Promise<unknown>) => {
    chain = chain.then(write).then(() => undefined, (err: unknown) => log.warn(`could not ${what} an event source mapping's status`, { mapping: uuid, err }));
  };
  return {
    report(uuid, result) {
      const value = result.length > MAX_RESULT ? `${result.slice(0, MAX_RESULT - 1)}…` : result;
      if (last.get(uuid) === value) return;
      last.set(uuid, value);
      const status: EventSourceMappingStatus = { v: 1, uuid, lastProcessingResult: value, at: Date.now() };
      queue("record", uuid, () => kv.put(uuid, encoder.encode(JSON.stringify(EventSourceMappingStatus.parse(status)))));
    },
    clear(uuid) {
      if (last.has(uuid) && last.get(uuid) === undefined) return;
      last.set(uuid, undefined);
      queue("clear", uuid, () => kv.delete(uuid));
    },
    settled: () => chain,
  };
}
