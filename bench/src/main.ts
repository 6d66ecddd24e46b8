/**
 * `make bench`: measures fnmesh through its Lambda API (cold start, warm latency, wrk throughput at
 * 1/8/32 connections) next to a fresh-process-per-invocation baseline in the same run, prints one
 * comparison table and writes bench/results/<timestamp>.json. Measures only; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measureBaselineFirstCalls, measureBaselineSequential, startBaseline } from "./baseline.ts";
import { formatReport, machineInfo, writeResults, type BenchResults } from "./report.ts";
import { createFunction, lambdaClient, measureColdStarts, measureWarm } from "./sdk-bench.ts";
import { startStack } from "./stack.ts";
import { summarize } from "./stats.ts";
import { checkWrk, measureThroughput, plainPost, signInvoke } from "./wrk.ts";

const root = resolve(import.meta.dirname, "../..");
const settings = {
  coldFunctions: 15, fnmeshSequential: 300, fnmeshWarmup: 20, baselineSequential: 50, baselineWarmup: 3,
  fnmeshWrkSeconds: 8, baselineWrkSeconds: 5, wrkWarmupSeconds: 2,
};
const CONNECTIONS = [1, 8, 32];
const BODY = JSON.stringify({ n: 1 });

const stops: (() => Promise<unknown>)[] = [];
const interrupted = new AbortController();
const say = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
let stopped: Promise<void> | undefined;
/** Stops everything started so far, newest first; every caller awaits the same single pass. */
const stopAll = () => stopped ??= (async () => {
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
})();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => { say(`${signal}: stopping`); interrupted.abort(); void stopAll().then(() => process.exit(130)); });
}

try {
  const machine = machineInfo(await checkWrk()); // before any load, for its load average
  const tmp = await mkdtemp(join(tmpdir(), "fnmesh-bench-"));
  stops.push(() => rm(tmp, { recursive: true, force: true }));
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const date = new Date().toISOString();

  say("starting fnmesh: nats-server, PostgreSQL, executor, scheduler, trigger, ingest");
  const stack = await startStack(root);
  stops.push(() => stack.stop());
  const client = lambdaClient(stack.endpoint, stack.credentials);
  stops.push(async () => client.destroy());

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
    signal: interrupted.signal, errors: fnmeshErrors, progress: (c) => say(`fnmesh: wrk -c${c} for ${settings.fnmeshWrkSeconds} s`),
  });
  // The baseline gets the machine to itself.
  await stack.stop();

  say("baseline: starting the fresh-process-per-request server");
  const baseline = await startBaseline(join(tmp, "handlers"));
  stops.push(() => baseline.stop());
  const bCold = await measureBaselineFirstCalls(baseline, prefix, settings.coldFunctions);
  await baseline.addHandler(warmName);
  say(`baseline: ${settings.baselineSequential} sequential calls`);
  const bSeq = await measureBaselineSequential(baseline, warmName, settings.baselineSequential, settings.baselineWarmup);
  const baselineErrors = [...bCold.errors, ...bSeq.errors];
  const baselineWrk = await measureThroughput({
    connections: CONNECTIONS, durationS: settings.baselineWrkSeconds, warmupS: settings.wrkWarmupSeconds, scriptPath: join(tmp, "baseline.lua"),
    prepare: async () => plainPost(baseline.url, warmName, BODY),
    signal: interrupted.signal, errors: baselineErrors, progress: (c) => say(`baseline: wrk -c${c} for ${settings.baselineWrkSeconds} s`),
  });

  const results: BenchResults = {
    date, machine, settings,
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
  process.stdout.write(formatReport(results));
  say(`results written to ${await writeResults(join(root, "bench/results"), results)}`);
  await stopAll();
} catch (err) {
  if (!interrupted.signal.aborted) say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(interrupted.signal.aborted ? 130 : 1);
}
