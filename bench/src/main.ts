/**
 * `make bench`: four sections in one run, each fnmesh next to baselines on the same machine.
 * - isolates (isolates/run.ts): cold start, warm call overhead and idle memory of one function
 *   instance: fnmesh's isolate runtime vs node:vm contexts vs worker_threads.
 * - http (http-bench.ts): fnmesh through its Lambda API on make dev's stack vs Cloudflare's workerd
 *   running the same handler: wrk at 1/32 connections on a JSON echo, payloads 1 KB/100 KB/1 MB,
 *   200 connections on a handler awaiting 50 ms; fnmesh alone: cold vs warm invoke, 1,000 functions
 *   round-robin vs one hot function, and the executor's RSS with 1,000 warm functions.
 * - async (async/run.ts): Event invocations accepted through the Lambda API and completed end to
 *   end, vs the same events through a bare JetStream consumer calling the handler in-process.
 * - sources (sources/run.ts): Postgres and core NATS event source mappings made through the Lambda
 *   API: row changes/s delivered to invocations and commit → handler start, publish → handler
 *   start, vs PostgreSQL's commits alone, the change feed into FNMESH_CHANGES alone, plain NATS.
 * Prints the tables and writes bench/results/<timestamp>.json. Measures only; asserts nothing.
 * `--only=isolates|http|async|sources` runs one section; `--events=N`, `--accept-seconds=S`,
 * `--executors=N` tune the async section; `--repeats=N` the HTTP section's rounds of its headline
 * echo runs (default 3, reported as medians); `--cpu-prof` writes V8 profiles of the services into
 * bench/results/ and summarizes them (async: per phase; http: per timed wrk run); `--rows=N` the
 * sources section's burst.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultAsyncSettings, measureAsync } from "./async/run.ts";
import type { AsyncResults } from "./async/types.ts";
import { measureHttp } from "./http-bench.ts";
import { measureIsolates } from "./isolates/run.ts";
import { defaultSourcesSettings, measureSources } from "./sources/run.ts";
import type { SourcesResults } from "./sources/types.ts";
import { formatReport, machineInfo, Section, writeResults, type BenchResults, type HttpResults } from "./report.ts";
import { checkWrk } from "./wrk.ts";

const root = resolve(import.meta.dirname, "../..");
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

const args = parseArgs({
  options: { only: { type: "string" }, events: { type: "string" }, "accept-seconds": { type: "string" }, executors: { type: "string" },
    rows: { type: "string" }, repeats: { type: "string" }, "cpu-prof": { type: "boolean" }, help: { type: "boolean", short: "h" } },
}).values;

if (args.help) {
  process.stdout.write([
    "usage: node --no-node-snapshot bench/src/main.ts [options]   (make bench = npm run bench = no options)",
    "  --only=isolates|http|async|sources   one section (default: all four, in that order)",
    "  --repeats=N          HTTP: rounds of the echo's C=1 and C=32 runs per side, reported as medians (default 3)",
    "  --cpu-prof           V8 CPU profiles of the services (HTTP, async): CPU per request by function",
    "  --events=N           async: events enqueued through the invoke client",
    "  --accept-seconds=S   async: length of the accepted-Invokes wrk run",
    "  --executors=N        async: executor processes",
    "  --rows=N             sources: rows in the Postgres burst",
    "See bench/README.md for what each section measures.",
    "",
  ].join("\n"));
  process.exit(0);
}

/** The sections asked for: `--only=http|isolates|async|sources`, else all four. */
function sections(): Section[] {
  const { only } = args;
  if (only === undefined) return [Section.Isolates, Section.Http, Section.Async, Section.Sources];
  const all: string[] = Object.values(Section);
  if (!all.includes(only)) {
    say(`unknown --only=${only}: use --only=${all.join(" or --only=")}, or no option for all`);
    process.exit(2);
  }
  return [only as Section];
}

/** A positive integer flag, or the default; exits on anything else. */
function countFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) { say(`--${name}=${value}: expected a positive integer`); process.exit(2); }
  return n;
}

try {
  const run = sections();
  const wantsHttp = run.includes(Section.Http);
  const wantsAsync = run.includes(Section.Async);
  const asyncSettings = {
    ...defaultAsyncSettings,
    events: countFlag("events", args.events, defaultAsyncSettings.events),
    acceptSeconds: countFlag("accept-seconds", args["accept-seconds"], defaultAsyncSettings.acceptSeconds),
    executors: countFlag("executors", args.executors, defaultAsyncSettings.executors),
  };
  const sourcesSettings = { ...defaultSourcesSettings, rows: countFlag("rows", args.rows, defaultSourcesSettings.rows) };
  const httpRepeats = countFlag("repeats", args.repeats, 3);
  const machine = machineInfo(wantsHttp || wantsAsync ? await checkWrk() : "wrk not used"); // before any load, for its load average
  const date = new Date().toISOString();

  // First, while nothing else of the bench runs.
  const isolates = run.includes(Section.Isolates)
    ? await measureIsolates({ signal: interrupted.signal, progress: (msg) => say(`isolates: ${msg}`) })
    : undefined;

  let http: HttpResults | undefined;
  if (wantsHttp) {
    const tmp = await mkdtemp(join(tmpdir(), "fnmesh-bench-"));
    stops.push(() => rm(tmp, { recursive: true, force: true }));
    const prefix = `bench-${randomBytes(4).toString("hex")}`;
    http = await measureHttp({
      root, tmp, prefix, signal: interrupted.signal, say, onStop: (stop) => stops.push(stop), repeats: httpRepeats,
      ...(args["cpu-prof"] ? { cpuProfDir: join(root, "bench/results", `cpuprof-${date.replace(/[:.]/g, "-")}-http`) } : {}),
    });
  }

  let asyncResults: AsyncResults | undefined;
  if (wantsAsync) {
    const tmp = await mkdtemp(join(tmpdir(), "fnmesh-bench-async-"));
    stops.push(() => rm(tmp, { recursive: true, force: true }));
    asyncResults = await measureAsync({
      root, tmp, prefix: `bench-${randomBytes(4).toString("hex")}`, settings: asyncSettings, signal: interrupted.signal,
      say: (msg) => say(`async: ${msg}`), onStop: (stop) => stops.push(stop),
      ...(args["cpu-prof"] ? { cpuProfDir: join(root, "bench/results", `cpuprof-${date.replace(/[:.]/g, "-")}`) } : {}),
    });
  }

  let sources: SourcesResults | undefined;
  if (run.includes(Section.Sources)) {
    sources = await measureSources({
      root, prefix: `bench-${randomBytes(4).toString("hex")}`, settings: sourcesSettings, signal: interrupted.signal,
      say: (msg) => say(`sources: ${msg}`), onStop: (stop) => stops.push(stop),
    });
  }

  const base = {
    date, machine, sections: run, ...(isolates ? { isolates } : {}), ...(asyncResults ? { async: asyncResults } : {}), ...(sources ? { sources } : {}),
  };
  const results: BenchResults = http ? { ...base, ...http } : base;
  process.stdout.write(formatReport(results));
  say(`results written to ${await writeResults(join(root, "bench/results"), results)}`);
  await stopAll();
} catch (err) {
  if (!interrupted.signal.aborted) say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(interrupted.signal.aborted ? 130 : 1);
}
