/**
 * A thousand functions through the Lambda API: created from one zip (so creation is fast; each is
 * still its own function with its own instance on the executor), first-invoked once each, and a
 * sample re-invoked to see how many are still warm.
 */
import { LogType, type LambdaClient } from "@aws-sdk/client-lambda";
import { createFunction, invokeOnce } from "./sdk-bench.ts";

/** Runs `task` over `items` with at most `concurrency` at a time; wall time in seconds. */
async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return (performance.now() - started) / 1000;
}

export interface Phase { seconds: number; errors: string[] }

/** CreateFunction for every name, all with the same `source`. */
export async function createMany(client: LambdaClient, names: readonly string[], source: string, concurrency: number): Promise<Phase> {
  const errors: string[] = [];
  const seconds = await pool(names, concurrency, async (name) => {
    await createFunction(client, name, name, source).catch((err: unknown) => { errors.push(`create ${name}: ${String(err)}`); });
  });
  return { seconds, errors };
}

/** One checked invoke of every name: each its function's first, so a cold start. */
export async function invokeEach(client: LambdaClient, names: readonly string[], concurrency: number): Promise<Phase & { ms: number[] }> {
  const errors: string[] = [];
  const ms: number[] = [];
  const seconds = await pool(names, concurrency, async (name, i) => {
    const r = await invokeOnce(client, name, i);
    if (r.error) errors.push(`${name}: ${r.error}`);
    else ms.push(r.ms);
  });
  return { seconds, errors, ms };
}

export interface WarmSample {
  checked: number;
  /** Of `checked`, invokes that reported an Init Duration: the function had no warm instance. */
  cold: number;
  errors: string[];
}

/** Invokes `count` of `names` (evenly spread; all of them when `count` >= their number) one after another with LogType Tail and counts cold starts. */
export async function sampleWarm(client: LambdaClient, names: readonly string[], count: number): Promise<WarmSample> {
  const out: WarmSample = { checked: 0, cold: 0, errors: [] };
  const step = Math.max(1, Math.floor(names.length / count));
  for (let i = 0; i < names.length && out.checked < count; i += step) {
    const name = names[i] ?? "";
    const r = await invokeOnce(client, name, i, LogType.Tail);
    if (r.error) { out.errors.push(`${name}: ${r.error}`); continue; }
    out.checked++;
    if (r.initMs !== undefined) out.cold++;
  }
  return out;
}
