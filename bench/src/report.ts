/** The results of one bench run: the printed comparison table and the JSON file. */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { formatAsyncSection } from "./async/report.ts";
import type { AsyncResults, ProcessProfile } from "./async/types.ts";
import { formatIsolateSection } from "./isolates/report.ts";
import type { IsolateResults } from "./isolates/types.ts";
import { formatSourcesSection } from "./sources/report.ts";
import type { SourcesResults } from "./sources/types.ts";
import type { ServiceLog } from "./stack.ts";
import type { Summary } from "./stats.ts";
import type { WarmSample } from "./many-functions.ts";
import type { ProcessMemory } from "./process-memory.ts";
import { formatTable } from "./table.ts";
import type { WrkResult } from "./wrk.ts";

export interface Machine {
  /** `wrk` is its version line, or "wrk not used" when the HTTP section did not run. */
  cores: number; cpuModel: string; memoryGb: number; node: string; platform: string; wrk: string;
  /** 1-minute load average before the run started: anything else busy skews every number. */
  loadAverage: number;
}

/** One request pattern under wrk, on both sides, one run per connection count. */
export interface HttpCase {
  label: string;
  /** The request body's size. */
  bodyBytes: number;
  fnmesh: WrkResult[];
  /** Absent where workerd has nothing comparable (1,000 functions). */
  workerd?: WrkResult[];
  /** When the case ran in rounds: every run, and `fnmesh`/`workerd` above are their medians per C (medianOfRuns). */
  runs?: { fnmesh: WrkResult[]; workerd: WrkResult[] };
}

/** Many connections on a handler that awaits a timer: latency is waiting, not work. */
export interface WaitResults { handlerMs: number; connections: number; fnmesh: WrkResult; workerd: WrkResult }

/** 1,000 functions created from one zip, each invoked once, then round-robin (the wrk case). */
export interface ManyFunctions {
  functions: number;
  /** Executor processes of the stack (their memory is listed in this order). */
  executors: number;
  createSeconds: number;
  createErrors: number;
  /** Every function's first invoke (8 at a time, SDK): wall time of all and per call. */
  firstInvokeSeconds: number;
  firstInvoke: Summary;
  firstInvokeErrors: number;
  /** After the round-robin runs: a sample re-invoked with LogType Tail, cold if it reported Init Duration. */
  warmSample: WarmSample;
  /** Each executor's memory before the functions were created and after the sample. */
  executorBefore: ProcessMemory[];
  executorAfter: ProcessMemory[];
}

export interface FnmeshHttp {
  /** First invoke of fresh functions, SDK wall time. */
  cold: Summary;
  /** Server-reported Init Duration of those invokes. */
  coldInit: Summary;
  /** The same functions' second invokes, made the same way right after: the like-for-like warm figure. */
  coldSecond: Summary;
  /** Sequential SDK invokes of one warm function. */
  sequential: Summary;
  many: ManyFunctions;
  errors: string[];
  /** With --cpu-prof: each service's V8 profile summarized per timed wrk run (per-request µs by function). */
  profiles?: ProcessProfile[];
  /** Raw samples (ms, in order taken) behind the summaries. */
  samples: { cold: number[]; coldInit: number[]; coldSecond: number[]; sequential: number[]; manyFirstInvoke: number[] };
}

/** The HTTP section: fnmesh's Lambda API next to workerd. */
export interface HttpResults {
  settings: Record<string, number>;
  workerdVersion: string;
  cases: HttpCase[];
  wait: WaitResults;
  fnmesh: FnmeshHttp;
  /** workerd's memory is read after its last run. */
  workerd: { errors: string[]; memory?: ProcessMemory };
  serviceLogs: ServiceLog[];
}

export const Section = { Http: "http", Isolates: "isolates", Async: "async", Sources: "sources" } as const;
export type Section = (typeof Section)[keyof typeof Section];

/**
 * One run. The HTTP section's fields stay at the top level (as before the isolate section existed)
 * and are absent when only the isolate section ran.
 */
export type BenchResults = {
  date: string;
  machine: Machine;
  sections: Section[];
  isolates?: IsolateResults;
  /** The async section (Event invocations end to end next to a bare-consumer floor), when it ran. */
  async?: AsyncResults;
  /** The event-sources section (Postgres and NATS mappings next to their floors), when it ran. */
  sources?: SourcesResults;
} & (HttpResults | { [K in keyof HttpResults]?: undefined });

export function machineInfo(wrk: string): Machine {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    wrk,
    loadAverage: loadavg()[0] ?? Number.NaN,
  };
}

const int = (v: number) => Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "—";
const ms = (v: number | undefined) => v === undefined || !Number.isFinite(v) ? "—" : v < 10 ? v.toFixed(2) : v.toFixed(1);
/** `a/b` as "26x" or "0.064x"; "—" when either is missing or not positive. */
function times(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(a > 0) || !(b > 0)) return "—";
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}x`;
}

/** Wrong answers (non-2xx included) plus socket errors. */
const wrkErrors = (w: WrkResult) => w.badResponses + w.socketErrors.connect + w.socketErrors.read + w.socketErrors.write + w.socketErrors.timeout;
const side = (w: WrkResult | undefined) => w ? [int(w.requestsPerSec), ms(w.p50Ms), ms(w.p99Ms), int(wrkErrors(w))] : ["—", "—", "—", "—"];
const bytes = (n: number) => n >= 2 ** 20 ? `${n / 2 ** 20} MB` : n >= 1024 ? `${n / 1024} KB` : `${n} B`;
const mib = (v: number | undefined) => v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(0)} MiB`;

/** The comparison at C: p50 fnmesh/workerd at 1 connection, req/s fnmesh/workerd above. */
function compare(f: WrkResult, w: WrkResult | undefined): string {
  if (!w) return "—";
  return f.connections === 1 ? `p50 ${times(f.p50Ms, w.p50Ms)}` : `req/s ${times(f.requestsPerSec, w.requestsPerSec)}`;
}

/** The echo's rounds, each run's req/s and p50, so the spread behind the medians shows. */
function roundLines(r: HttpResults): string[] {
  const runs = r.cases[0]?.runs;
  if (!runs || runs.fnmesh.length <= 2) return [];
  const list = (ws: WrkResult[], c: number) => ws.filter((w) => w.connections === c).map((w) => `${int(w.requestsPerSec)}/${ms(w.p50Ms)}`).join(", ");
  const connections = [...new Set(runs.fnmesh.map((w) => w.connections))];
  return [`echo rounds (req/s / p50 ms): ${connections.map((c) => `C=${c} fnmesh ${list(runs.fnmesh, c)}; workerd ${list(runs.workerd, c)}`).join("; ")}`];
}

/** Per timed run and busy service: CPU per request and where it went (the busiest functions). */
function profileLines(profiles: readonly ProcessProfile[]): string[] {
  const busy = profiles.filter((p) => p.events > 0 && p.idlePercent < 97);
  if (busy.length === 0) return [];
  return [
    "",
    "CPU per request by service (--cpu-prof; the profiler slows the services a little): self time, busiest functions",
    ...busy.map((p) => {
      const cpuUs = (p.totalMs * (1 - p.idlePercent / 100) * 1000) / p.events;
      const top = p.top.slice(0, 6).map((e) => `${e.fn.replace(/ \S+:\d+$/, "")} ${e.perEventUs.toFixed(0)}`).join(", ");
      return `  ${p.phase}, ${p.service}: ${cpuUs.toFixed(0)} µs/req (${p.idlePercent.toFixed(0)}% idle) — ${top}`;
    }),
  ];
}

/** The first wrong answer of each wrk thread, per run that had any. */
function wrongAnswers(r: HttpResults): string[] {
  const runs = [
    ...r.cases.flatMap((c) => [...c.fnmesh.map((w) => ({ side: "fnmesh", label: c.label, w })), ...(c.workerd ?? []).map((w) => ({ side: "workerd", label: c.label, w }))]),
    { side: "fnmesh", label: "wait", w: r.wait.fnmesh }, { side: "workerd", label: "wait", w: r.wait.workerd },
  ];
  return runs.filter((x) => x.w.firstBad?.length).map((x) => `  ${x.side}, ${x.label}, C=${x.w.connections}: ${x.w.badResponses} wrong, first: ${x.w.firstBad.join(" | ").slice(0, 400)}`);
}

function formatHttpSection(r: HttpResults): string[] {
  const s = r.settings;
  const header = ["case", "C", "fnmesh req/s", "p50 ms", "p99 ms", "errors", "workerd req/s", "p50 ms", "p99 ms", "errors", "fnmesh/workerd"];
  const body: string[][] = [];
  for (const c of r.cases) {
    for (const f of c.fnmesh) {
      const w = c.workerd?.find((x) => x.connections === f.connections);
      body.push([f === c.fnmesh[0] ? c.label : "", String(f.connections), ...side(f), ...side(w), compare(f, w)]);
    }
  }
  const wait = r.wait;
  body.push([`handler awaiting ${wait.handlerMs} ms`, String(wait.connections), ...side(wait.fnmesh), ...side(wait.workerd), `p50 ${times(wait.fnmesh.p50Ms, wait.workerd.p50Ms)}`]);

  const echo = r.cases[0];
  const echo1 = { f: echo?.fnmesh.find((x) => x.connections === 1), w: echo?.workerd?.find((x) => x.connections === 1) };
  const echo32 = { f: echo?.fnmesh.find((x) => x.connections === 32), w: echo?.workerd?.find((x) => x.connections === 32) };
  const fn = r.fnmesh;
  const many = fn.many;
  const rss = (list: ProcessMemory[]) => list.reduce((n, m) => n + m.rssMiB, 0);
  const perFunctionKiB = ((rss(many.executorAfter) - rss(many.executorBefore)) * 1024) / many.functions;
  const peak = Math.max(...many.executorAfter.map((m) => m.peakRssMiB));
  const logLines = r.serviceLogs.reduce((n, l) => n + l.total, 0);
  const stopLines = r.serviceLogs.reduce((n, l) => n + l.whileStopping, 0);
  const crashed = r.serviceLogs.filter((l) => l.exitedEarly);
  return [
    "HTTP: the Lambda API end to end, next to workerd",
    "fnmesh: make dev's stack (its runner and log settings); wrk replays SigV4-signed Invokes -> ingest -> NATS -> executor (V8 isolates)",
    `workerd ${r.workerdVersion}: one worker running the same handler on the same body (plain POST, no auth); same wrk (-t2), each side alone on the machine`,
    `wrk: ${s.wrkWarmupSeconds} s warm-up at C=8, then ${s.wrkSeconds} s per C for the echo (medians of ${s.echoRepeats} rounds), ${s.caseWrkSeconds} s once for the other cases, ` +
      `${s.waitWarmupSeconds} + ${s.waitSeconds} s for the ${wait.connections}-connection wait; bodies echoed back ` +
      `(payloads ${r.cases.slice(1, -1).map((c) => bytes(c.bodyBytes)).join(" / ")} each way)`,
    "",
    ...formatTable(header, body),
    "fnmesh/workerd: p50 ratio at C=1 (how many times slower), req/s ratio at C>1 (share of workerd's rate).",
    ...roundLines(r),
    "errors: wrong answers (not 2xx, X-Amz-Function-Error, no \"ok\":true) plus socket errors; wrk's own non-2xx count is in the JSON.",
    "",
    "Against issue 16's targets (measured; this bench asserts nothing):",
    `  warm, 1 connection: fnmesh p50 ${ms(echo1.f?.p50Ms)} ms = ${times(echo1.f?.p50Ms, echo1.w?.p50Ms)} workerd's ${ms(echo1.w?.p50Ms)} ms (target <= 6x)`,
    `  warm, 32 connections: fnmesh ${int(echo32.f?.requestsPerSec ?? Number.NaN)} req/s = ${times(echo32.f?.requestsPerSec, echo32.w?.requestsPerSec)} workerd's ` +
      `${int(echo32.w?.requestsPerSec ?? Number.NaN)} req/s, ${echo32.f ? wrkErrors(echo32.f) : "—"} errors (target >= 0.25x, no errors)`,
    `  first Invoke of a new function (SDK, LogType Tail, ${fn.cold.n} functions): p50 ${ms(fn.cold.p50)} ms (p99 ${ms(fn.cold.p99)}) = the same functions' second Invoke p50 ` +
      `${ms(fn.coldSecond.p50)} ms + ${ms(fn.cold.p50 - fn.coldSecond.p50)} ms (target <= +3 ms); server Init Duration p50 ${ms(fn.coldInit.p50)} ms`,
    `  warm SDK round trip (LogType None, ${fn.sequential.n} sequential Invokes of one function): p50 ${ms(fn.sequential.p50)} ms, p99 ${ms(fn.sequential.p99)} ms`,
    `  ${wait.connections} concurrent invokes awaiting ${wait.handlerMs} ms: fnmesh p50 ${ms(wait.fnmesh.p50Ms)} ms = ${times(wait.fnmesh.p50Ms, wait.handlerMs)} the handler's ` +
      `${wait.handlerMs} ms, p99 ${ms(wait.fnmesh.p99Ms)} ms (target p50 <= 2x); workerd p50 ${ms(wait.workerd.p50Ms)} ms`,
    `  density: ${int(many.functions)} functions warmed on ${many.executors} executor(s): RSS ${mib(rss(many.executorAfter))} after ` +
      `(${mib(rss(many.executorBefore))} before, ${Number.isFinite(perFunctionKiB) ? `+${perFunctionKiB.toFixed(0)} KiB` : "—"} per function, peak ${mib(peak)}); ` +
      `${int(many.warmSample.checked - many.warmSample.cold)} of ${int(many.warmSample.checked)} checked still warm (target >= 1,000 warm within 2 GiB)` +
      (r.workerd.memory ? `; workerd's RSS after its runs: ${mib(r.workerd.memory.rssMiB)}` : ""),
    `  ${int(many.functions)} functions from one zip: created in ${many.createSeconds.toFixed(1)} s (${int(many.functions / many.createSeconds)}/s, ${many.createErrors} errors); ` +
      `first invoke of each ${int(many.functions / many.firstInvokeSeconds)}/s, p50 ${ms(many.firstInvoke.p50)} ms (${many.firstInvokeErrors} errors)`,
    "",
    `errors outside wrk runs: fnmesh ${fn.errors.length}, workerd ${r.workerd.errors.length}` +
      `; service log lines at warn or above: ${logLines - stopLines} during the run, ${stopLines} while stopping${crashed.length ? `; services that exited early: ${crashed.map((l) => `${l.service} (${l.exitedEarly})`).join(", ")}` : ""}`,
    ...[...fn.errors.slice(0, 5).map((e) => `  fnmesh: ${e}`), ...r.workerd.errors.slice(0, 5).map((e) => `  workerd: ${e}`)],
    ...wrongAnswers(r),
    ...profileLines(fn.profiles ?? []),
    ...r.serviceLogs.filter((l) => l.total > 0).map((l) => `  ${l.service}: ${l.total} line(s) (${l.whileStopping} while stopping), first: ${l.lines[0]?.slice(0, 300) ?? ""}`),
  ];
}

/** The tables and notes printed at the end of a run: the HTTP, isolate, async and event-sources sections. */
export function formatReport(r: BenchResults): string {
  const m = r.machine;
  return [
    "",
    `fnmesh bench — ${r.date}`,
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.platform}, Node ${m.node}, ${m.wrk}, load average ${m.loadAverage.toFixed(2)} at start`,
    ...(r.fnmesh !== undefined ? ["", ...formatHttpSection(r)] : []),
    ...(r.isolates !== undefined ? ["", ...formatIsolateSection(r.isolates)] : []),
    ...(r.async !== undefined ? ["", ...formatAsyncSection(r.async)] : []),
    ...(r.sources !== undefined ? ["", ...formatSourcesSection(r.sources)] : []),
    "",
  ].join("\n");
}

/** Writes the results to `<dir>/<timestamp>.json` and returns the path. */
export async function writeResults(dir: string, r: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${r.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}
