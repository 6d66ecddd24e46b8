/**
 * The HTTP-level section: fnmesh through its Lambda API (cold start, warm latency, wrk throughput
 * at 1/8/32 connections), then, with fnmesh stopped, the fresh-process-per-invocation baseline.
 */
import { join } from "node:path";
import { measureBaselineFirstCalls, measureBaselineSequential, startBaseline } from "./baseline.ts";
import type { HttpResults } from "./report.ts";
import { createFunction, lambdaClient, measureColdStarts, measureWarm } from "./sdk-bench.ts";
import { startStack } from "./stack.ts";
import { summarize } from "./stats.ts";
import { measureThroughput, plainPost, signInvoke } from "./wrk.ts";

const settings = {
  coldFunctions: 15, fnmeshSequential: 300, fnmeshWarmup: 20, baselineSequential: 50, baselineWarmup: 3,
  fnmeshWrkSeconds: 8, baselineWrkSeconds: 5, wrkWarmupSeconds: 2,
};
const CONNECTIONS = [1, 8, 32];
const BODY = JSON.stringify({ n: 1 });

export interface HttpBenchOptions {
  /** The repository root. */
  root: string;
  /** A private temp dir for Lua scripts and baseline handlers. */
  tmp: string;
  /** Function names start with it. */
  prefix: string;
  signal: AbortSignal;
  say: (msg: string) => void;
  /** Registers a stop function, run (newest first) on exit or interrupt. */
  onStop: (stop: () => Promise<unknown>) => void;
}

export async function measureHttp({ root, tmp, prefix, signal, say, onStop }: HttpBenchOptions): Promise<HttpResults> {
  say("starting fnmesh: nats-server, PostgreSQL, executor, scheduler, trigger, ingest");
  const stack = await startStack(root);
  onStop(() => stack.stop());
  const client = lambdaClient(stack.endpoint, stack.credentials);
  onStop(async () => client.destroy());

  say(`fnmesh: cold start of ${settings.coldFunctions} new functions`);
  const cold = await measureColdStarts(client, prefix, settings.coldFunctions);
  say(`fnmesh: ${settings.fnmeshSequential} sequential warm invokes`);
  const warmName = `${prefix}-warm`;
  await createFunction(client, warmName);
  const warm = await measureWarm(client, warmName, settings.fnmeshSequential, settings.fnmeshWarmup);
  const fnmeshErrors = [...cold.errors, ...warm.errors];
  const fnmeshWrk = await measureThroughput({
    connections: CONNECTIONS, durationS: settings.fnmeshWrkSeconds, warmupS: settings.wrkWarmupSeconds, scriptPath: join(tmp, "fnmesh.lua"),
    prepare: () => signInvoke(stack.endpoint, warmName, BODY, stack.credentials), // re-signed per run: valid 15 min
    signal, errors: fnmeshErrors, progress: (c) => say(`fnmesh: wrk -c${c} for ${settings.fnmeshWrkSeconds} s`),
  });
  // The baseline gets the machine to itself.
  await stack.stop();

  say("baseline: starting the fresh-process-per-request server");
  const baseline = await startBaseline(join(tmp, "handlers"));
  onStop(() => baseline.stop());
  const bCold = await measureBaselineFirstCalls(baseline, prefix, settings.coldFunctions);
  await baseline.addHandler(warmName);
  say(`baseline: ${settings.baselineSequential} sequential calls`);
  const bSeq = await measureBaselineSequential(baseline, warmName, settings.baselineSequential, settings.baselineWarmup);
  const baselineErrors = [...bCold.errors, ...bSeq.errors];
  const baselineWrk = await measureThroughput({
    connections: CONNECTIONS, durationS: settings.baselineWrkSeconds, warmupS: settings.wrkWarmupSeconds, scriptPath: join(tmp, "baseline.lua"),
    prepare: async () => plainPost(baseline.url, warmName, BODY),
    signal, errors: baselineErrors, progress: (c) => say(`baseline: wrk -c${c} for ${settings.baselineWrkSeconds} s`),
  });

  return {
    settings,
    fnmesh: {
      cold: summarize(cold.clientMs), coldInit: summarize(cold.initMs), sequential: summarize(warm.ms),
      throughput: fnmeshWrk, errors: fnmeshErrors, samples: { cold: cold.clientMs, coldInit: cold.initMs, sequential: warm.ms },
    },
    baseline: {
      cold: summarize(bCold.ms), sequential: summarize(bSeq.ms), throughput: baselineWrk, errors: baselineErrors,
      samples: { cold: bCold.ms, sequential: bSeq.ms },
    },
    serviceLogs: stack.logs(),
  };
}
