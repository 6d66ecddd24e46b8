/**
 * `make bench`: two sections in one run, each fnmesh next to baselines on the same machine.
 * - isolates (isolates/run.ts): cold start, warm call overhead and idle memory of one function
 *   instance: fnmesh's isolate runtime vs node:vm contexts vs worker_threads.
 * - http (http-bench.ts): fnmesh through its Lambda API (cold start, warm latency, wrk throughput
 *   at 1/8/32 connections) vs a fresh-process-per-invocation server.
 * Prints the tables and writes bench/results/<timestamp>.json. Measures only; asserts nothing.
 * `--only=isolates` or `--only=http` runs one section.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measureHttp } from "./http-bench.ts";
import { measureIsolates } from "./isolates/run.ts";
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

/** The sections asked for: `--only=http|isolates`, else both. */
function sections(): Section[] {
  const { only } = parseArgs({ options: { only: { type: "string" } } }).values;
  if (only === undefined) return [Section.Isolates, Section.Http];
  const all: string[] = Object.values(Section);
  if (!all.includes(only)) {
    say(`unknown --only=${only}: use --only=${all.join(" or --only=")}, or no option for both`);
    process.exit(2);
  }
  return [only as Section];
}

try {
  const run = sections();
  const wantsHttp = run.includes(Section.Http);
  const machine = machineInfo(wantsHttp ? await checkWrk() : "wrk not used"); // before any load, for its load average
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
    http = await measureHttp({ root, tmp, prefix, signal: interrupted.signal, say, onStop: (stop) => stops.push(stop) });
  }

  const base = { date, machine, sections: run, ...(isolates ? { isolates } : {}) };
  const results: BenchResults = http ? { ...base, ...http } : base;
  process.stdout.write(formatReport(results));
  say(`results written to ${await writeResults(join(root, "bench/results"), results)}`);
  await stopAll();
} catch (err) {
  if (!interrupted.signal.aborted) say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(interrupted.signal.aborted ? 130 : 1);
}
