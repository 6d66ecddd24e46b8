/**
 * The HTTP section: fnmesh through its Lambda API, started as `make dev` starts it, next to
 * Cloudflare's workerd running the same handlers (http-handlers.ts) with the same bodies and the
 * same wrk settings, each with the machine to itself (workerd first, then fnmesh):
 * - echo of `{"n":1}` at 1 and 32 connections (the headline rows), after a warm-up, in
 *   repeated rounds reported as medians;
 * - payloads of 1 KB, 100 KB and 1 MB echoed back, 1 and 32 connections;
 * - 200 connections on a handler that awaits a 50 ms timer;
 * - fnmesh only: cold start (first Invoke of new functions vs warm, SDK round trips), and 1,000
 *   functions created from one zip, each invoked once, then invoked round-robin by wrk (vs the one
 *   hot function), with the executor's RSS before and after as the density figure (measured right
 *   after the echo, before payloads and waits grow the executor).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { payloadOfSize, lambdaSource, SLEEP_MS, HttpHandler } from "./http-handlers.ts";
import { monotonicUs, summarizeProfiles, type ProfileWindow } from "./async/profile.ts";
import { createMany, invokeEach, sampleWarm } from "./many-functions.ts";
import { processMemory, type ProcessMemory } from "./process-memory.ts";
import type { HttpCase, HttpResults } from "./report.ts";
import { createFunction, lambdaClient, measureColdStarts, measureWarm } from "./sdk-bench.ts";
import { startStack, type Stack } from "./stack.ts";
import { summarize } from "./stats.ts";
import { startWorkerd } from "./workerd.ts";
import { measureThroughput, medianOfRuns, plainPost, runWrk, signInvoke, type PreparedRequest, type WrkResult } from "./wrk.ts";

const settings = {
  wrkSeconds: 8, wrkWarmupSeconds: 2, caseWrkSeconds: 5,
  coldFunctions: 20, sequential: 300, sequentialWarmup: 20,
  manyFunctions: 1000, manyConcurrency: 8,
  /** Every one of the 1,000 is re-invoked to count the warm ones (a sample of 50 left the count to a guess). */
  warmSample: 1000,
  waitConnections: 200, waitSeconds: 6, waitWarmupSeconds: 2, waitHandlerMs: SLEEP_MS,
};
const CONNECTIONS = [1, 32];
const DEFAULT_REPEATS = 3;
const ECHO_BODY = JSON.stringify({ n: 1 });
const PAYLOADS = [{ label: "payload 1 KB", bytes: 1024 }, { label: "payload 100 KB", bytes: 100 * 1024 }, { label: "payload 1 MB", bytes: 1024 * 1024 }];

export interface HttpBenchOptions {
  /** The repository root. */
  root: string;
  /** A private temp dir for Lua scripts and workerd's config. */
  tmp: string;
  /** Function names start with it. */
  prefix: string;
  signal: AbortSignal;
  say: (msg: string) => void;
  /** Registers a stop function, run (newest first) on exit or interrupt. */
  onStop: (stop: () => Promise<unknown>) => void;
  /** V8 CPU profiles of fnmesh's services go here, summarized per timed wrk run. */
  cpuProfDir?: string;
  /** Rounds of the echo's 1 and 32 connection runs on each side, reported as medians. Default 3. */
  repeats?: number;
}

/** One side's way of building the request for a handler and body. */
type Requester = (handler: HttpHandler, body: string) => Promise<PreparedRequest>;

interface Side {
  name: string;
  request: Requester;
  errors: string[];
  /** Each timed wrk run, labelled, with its span on the monotonic clock. */
  onRun?: (label: string, result: WrkResult, span: { fromUs: number; toUs: number }) => void;
}

export async function measureHttp(o: HttpBenchOptions): Promise<HttpResults> {
  const workerdSide = await measureWorkerd(o);
  const fnmeshSide = await measureFnmesh(o);
  return {
    settings: { ...settings, echoRepeats: o.repeats ?? DEFAULT_REPEATS },
    workerdVersion: workerdSide.version,
    cases: [
      {
        label: "echo {\"n\":1}, 1 hot function", bodyBytes: ECHO_BODY.length, fnmesh: fnmeshSide.echo.medians, workerd: workerdSide.echo.medians,
        runs: { fnmesh: fnmeshSide.echo.runs, workerd: workerdSide.echo.runs },
      },
      ...PAYLOADS.map((p, i): HttpCase => ({ label: p.label, bodyBytes: p.bytes, fnmesh: fnmeshSide.payloads[i] ?? [], workerd: workerdSide.payloads[i] ?? [] })),
      { label: `echo {"n":1}, ${settings.manyFunctions.toLocaleString("en-US")} functions round-robin`, bodyBytes: ECHO_BODY.length, fnmesh: fnmeshSide.roundRobin },
    ],
    wait: { handlerMs: SLEEP_MS, connections: settings.waitConnections, fnmesh: fnmeshSide.wait, workerd: workerdSide.wait },
    fnmesh: fnmeshSide.results,
    workerd: { errors: workerdSide.errors, ...(workerdSide.memory ? { memory: workerdSide.memory } : {}) },
    serviceLogs: fnmeshSide.logs,
  };
}

/** The cases both sides run. The echo comes first on each side, after a warm-up. */
function cases(side: Side, o: HttpBenchOptions) {
  const script = join(o.tmp, `${side.name}.lua`);
  const say = (msg: string) => o.say(`${side.name}: ${msg}`);
  return {
    /** The headline: `repeats` rounds of C=1 then C=32 after one warm-up; medians per C, and every run. */
    echo: async () => {
      const repeats = o.repeats ?? DEFAULT_REPEATS;
      const runs: WrkResult[] = [];
      for (let round = 1; round <= repeats; round++) {
        runs.push(...await measureThroughput({
          connections: CONNECTIONS, durationS: settings.wrkSeconds, warmupS: round === 1 ? settings.wrkWarmupSeconds : 0, scriptPath: script,
          prepare: () => side.request(HttpHandler.Echo, ECHO_BODY), // re-signed per run: valid 5 min
          signal: o.signal, errors: side.errors, progress: (c) => say(`echo, wrk -c${c} for ${settings.wrkSeconds} s (round ${round} of ${repeats})`),
          onRun: (r, span) => side.onRun?.(`echo C=${r.connections}`, r, span),
        }));
      }
      return { medians: CONNECTIONS.map((c) => medianOfRuns(runs.filter((r) => r.connections === c))), runs };
    },
    payloads: async () => {
      const out: WrkResult[][] = [];
      for (const p of PAYLOADS) {
        const body = payloadOfSize(p.bytes);
        out.push(await measureThroughput({
          connections: CONNECTIONS, durationS: settings.caseWrkSeconds, warmupS: 0, scriptPath: script,
          prepare: () => side.request(HttpHandler.Echo, body),
          signal: o.signal, errors: side.errors, progress: (c) => say(`${p.label}, wrk -c${c} for ${settings.caseWrkSeconds} s`),
          onRun: (r, span) => side.onRun?.(`${p.label} C=${r.connections}`, r, span),
        }));
      }
      return out;
    },
    wait: async () => {
      say(`${settings.waitConnections} connections on a handler awaiting ${SLEEP_MS} ms, wrk for ${settings.waitWarmupSeconds} + ${settings.waitSeconds} s`);
      const run = async (durationS: number) => runWrk({
        request: await side.request(HttpHandler.Sleep, ECHO_BODY), connections: settings.waitConnections, durationS, scriptPath: script, signal: o.signal,
      });
      // The warm-up makes ~200 isolates at once; on a loaded machine none may answer within it. That
      // is what a warm-up is for, not a reason to abort the run: noted, and the timed run follows.
      const warmup = await run(settings.waitWarmupSeconds).catch((err: unknown) => {
        side.errors.push(`wait warm-up: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
        return undefined;
      });
      if (warmup && warmup.badResponses > 0) side.errors.push(`wait warm-up: ${warmup.badResponses} wrong answers, first: ${warmup.firstBad.join(" | ")}`);
      const fromUs = monotonicUs();
      const result = await run(settings.waitSeconds);
      side.onRun?.(`wait C=${result.connections}`, result, { fromUs, toUs: monotonicUs() });
      return result;
    },
  };
}

async function measureWorkerd(o: HttpBenchOptions) {
  const dir = join(o.tmp, "workerd");
  await mkdir(dir, { recursive: true });
  const workerd = await startWorkerd(dir);
  o.onStop(() => workerd.stop());
  o.say(`workerd ${workerd.version}: listening at ${workerd.url}`);
  const side: Side = { name: "workerd", errors: [], request: async (handler, body) => plainPost(`${workerd.url}/${handler}`, body) };
  const run = cases(side, o);
  const echo = await run.echo();
  const payloads = await run.payloads();
  const wait = await run.wait();
  const memory = await processMemory(workerd.pid);
  // fnmesh gets the machine to itself.
  await workerd.stop();
  return { echo, payloads, wait, version: workerd.version, errors: side.errors, memory };
}

async function measureFnmesh(o: HttpBenchOptions) {
  o.say("starting fnmesh through make dev's runner: nats-server, PostgreSQL, executor, scheduler, trigger, ingest");
  if (o.cpuProfDir) await mkdir(o.cpuProfDir, { recursive: true });
  const stack = await startStack(o.root, o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {});
  o.onStop(() => stack.stop());
  const client = lambdaClient(stack.endpoint, stack.credentials);
  o.onStop(async () => client.destroy());
  const say = (msg: string) => o.say(`fnmesh: ${msg}`);

  say(`cold start of ${settings.coldFunctions} new functions`);
  const cold = await measureColdStarts(client, o.prefix, settings.coldFunctions, (name) => lambdaSource(HttpHandler.Echo, name));
  say(`${settings.sequential} sequential warm invokes (SDK)`);
  const names = { echo: `${o.prefix}-echo`, sleep: `${o.prefix}-sleep` };
  await createFunction(client, names.echo, names.echo, lambdaSource(HttpHandler.Echo, names.echo));
  await createFunction(client, names.sleep, names.sleep, lambdaSource(HttpHandler.Sleep, names.sleep));
  const warm = await measureWarm(client, names.echo, settings.sequential, settings.sequentialWarmup);
  const errors = [...cold.errors, ...warm.errors];

  const windows: ProfileWindow[] = [];
  const side: Side = {
    name: "fnmesh", errors,
    request: (handler, body) => signInvoke(stack.endpoint, names[handler], body, stack.credentials),
    onRun: (phase, r, span) => windows.push({ phase, ...span, events: r.requests }),
  };
  const run = cases(side, o);
  const echo = await run.echo();
  // Before the payloads and the 200-connection waits, which grow the executor's heap and instances.
  const many = await measureMany(stack, client, o, errors, side);
  const payloads = await run.payloads();
  const wait = await run.wait();
  await stack.stop();
  // Written by each service as it stops.
  const profiles = o.cpuProfDir ? await summarizeProfiles(o.cpuProfDir, windows) : undefined;
  return {
    echo, payloads, wait,
    roundRobin: many.runs,
    logs: stack.logs(),
    results: {
      cold: summarize(cold.clientMs), coldInit: summarize(cold.initMs), coldSecond: summarize(cold.secondMs), sequential: summarize(warm.ms),
      many: many.results, errors,
      ...(profiles ? { profiles } : {}),
      samples: { cold: cold.clientMs, coldInit: cold.initMs, coldSecond: cold.secondMs, sequential: warm.ms, manyFirstInvoke: many.firstInvokeMs },
    },
  };
}

/** 1,000 functions: create, first-invoke each, round-robin wrk, warm sample, executor RSS before and after. */
async function measureMany(stack: Stack, client: ReturnType<typeof lambdaClient>, o: HttpBenchOptions, errors: string[], side: Side) {
  const say = (msg: string) => o.say(`fnmesh: ${msg}`);
  const executors = stack.pids().filter((p) => p.name.startsWith("executor"));
  const memory = async () => (await Promise.all(executors.map((p) => processMemory(p.pid)))).filter((m): m is ProcessMemory => m !== undefined);
  const before = await memory();
  const names = Array.from({ length: settings.manyFunctions }, (_, i) => `${o.prefix}-many-${i}`);
  say(`creating ${names.length} functions from one zip, ${settings.manyConcurrency} at a time`);
  const created = await createMany(client, names, lambdaSource(HttpHandler.Echo, `${o.prefix}-many`), settings.manyConcurrency);
  errors.push(...created.errors.slice(0, 20));
  say(`first invoke of each (${settings.manyConcurrency} at a time), after ${created.seconds.toFixed(1)} s of creates`);
  const first = await invokeEach(client, names, settings.manyConcurrency);
  errors.push(...first.errors.slice(0, 20));
  const runs = await measureThroughput({
    connections: CONNECTIONS, durationS: settings.caseWrkSeconds, warmupS: 0, scriptPath: join(o.tmp, "fnmesh-many.lua"),
    prepare: () => Promise.all(names.map((name) => signInvoke(stack.endpoint, name, ECHO_BODY, stack.credentials))),
    signal: o.signal, errors, progress: (c) => say(`${names.length} functions round-robin, wrk -c${c} for ${settings.caseWrkSeconds} s`),
    onRun: (r, span) => side.onRun?.(`${names.length} functions C=${r.connections}`, r, span),
  });
  say(`checking which of the ${settings.warmSample} are still warm (one Invoke each, in order)`);
  const warmSample = await sampleWarm(client, names, settings.warmSample);
  errors.push(...warmSample.errors.slice(0, 20));
  const after = await memory();
  return {
    runs,
    firstInvokeMs: first.ms,
    results: {
      functions: names.length, executors: executors.length,
      createSeconds: created.seconds, createErrors: created.errors.length,
      firstInvokeSeconds: first.seconds, firstInvoke: summarize(first.ms), firstInvokeErrors: first.errors.length,
      warmSample, executorBefore: before, executorAfter: after,
    },
  };
}
