/**
 * For reference next to the async run: how many sync invocations per second the executors answer
 * through `createInvokeClient(nc).call` — the dispatch the scheduler uses for each event — with a
 * fixed number in flight. The async path cannot complete events faster than this on the same
 * machine, so the gap between the two is the scheduler's own cost.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { createInvokeClient } from "@fnmesh/invoke";
import { InvocationType } from "@fnmesh/protocol";
import { eventRequest, publishAll, type BenchEvent } from "./publish.ts";

export interface CeilingResult {
  calls: number;
  window: number;
  ok: number;
  /** Failed calls and non-ok results by code / status. */
  failures: Record<string, number>;
  elapsedMs: number;
  callsPerSec: number;
}

export async function measureSyncCeiling(nc: NatsConnection, functionName: string, events: readonly BenchEvent[], window: number): Promise<CeilingResult> {
  const invoker = createInvokeClient(nc);
  const failures: Record<string, number> = {};
  const fail = (key: string) => { failures[key] = (failures[key] ?? 0) + 1; };
  let ok = 0;
  const run = await publishAll(events, window, async (e) => {
    try {
      const { result } = await invoker.call({ ...eventRequest(functionName, e), invocationType: InvocationType.RequestResponse }, e.payload, { functionTimeoutSec: 30 });
      if (result.status === "ok") ok++;
      else fail(result.status === "error" ? result.error.code : result.status);
    } catch (err) {
      fail((err as { code?: string }).code ?? "thrown");
    }
  });
  const elapsedMs = run.endedMs - run.startedMs;
  return { calls: events.length, window, ok, failures, elapsedMs, callsPerSec: (ok * 1000) / elapsedMs };
}
