/** The results of one bench run: the printed comparison table and the JSON file. */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { formatAsyncSection } from "./async/report.ts";
import type { AsyncResults } from "./async/types.ts";
import { formatIsolateSection } from "./isolates/report.ts";
import type { IsolateResults } from "./isolates/types.ts";
import { formatSourcesSection } from "./sources/report.ts";
import type { SourcesResults } from "./sources/types.ts";
import type { ServiceLog } from "./stack.ts";
import type { Summary } from "./stats.ts";
import { formatTable, ratioText, type Better } from "./table.ts";
import type { WrkResult } from "./wrk.ts";

export interface Machine {
  /** `wrk` is its version line, or "wrk not used" when the HTTP section did not run. */
  cores: number; cpuModel: string; memoryGb: number; node: string; platform: string; wrk: string;
  /** 1-minute load average before the run started: anything else busy skews every number. */
  loadAverage: number;
}

export interface SideResults {
  /** First invoke of fresh functions, client wall time. */
  cold: Summary;
  /** Server-reported Init Duration of those invokes (fnmesh only). */
  coldInit?: Summary;
  /** Sequential invokes of one function after warm-up. */
  sequential: Summary;
  throughput: WrkResult[];
  errors: string[];
  /** Raw samples (ms, in order taken) behind the summaries. */
  samples: { cold: number[]; coldInit?: number[]; sequential: number[] };
}

/** The HTTP-level section (Lambda API vs a fresh process per request). */
export interface HttpResults {
  settings: Record<string, number>;
  fnmesh: SideResults;
  baseline: SideResults;
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

interface Row { metric: string; fnmesh: number | undefined; baseline: number | undefined; better: Better; unit: "ms" | "req/s" | "count" }

function fmt(v: number | undefined, unit: Row["unit"]): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (unit === "req/s" || unit === "count") return Math.round(v).toLocaleString("en-US");
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
}

/** baseline/fnmesh for latency, fnmesh/baseline for throughput: above 1 means fnmesh does better. */
function ratio(row: Row): string {
  return row.unit === "count" ? "—" : ratioText(row.fnmesh, row.baseline, row.better);
}

function rows(r: HttpResults): Row[] {
  const out: Row[] = [
    { metric: "cold start: first invoke p50", fnmesh: r.fnmesh.cold.p50, baseline: r.baseline.cold.p50, better: "lower", unit: "ms" },
    { metric: "cold start: first invoke p99", fnmesh: r.fnmesh.cold.p99, baseline: r.baseline.cold.p99, better: "lower", unit: "ms" },
    { metric: "cold start: server Init Duration p50", fnmesh: r.fnmesh.coldInit?.p50, baseline: undefined, better: "lower", unit: "ms" },
    { metric: "sequential invoke p50 (warm)", fnmesh: r.fnmesh.sequential.p50, baseline: r.baseline.sequential.p50, better: "lower", unit: "ms" },
    { metric: "sequential invoke p99 (warm)", fnmesh: r.fnmesh.sequential.p99, baseline: r.baseline.sequential.p99, better: "lower", unit: "ms" },
  ];
  for (const f of r.fnmesh.throughput) {
    const b = r.baseline.throughput.find((x) => x.connections === f.connections);
    const c = `C=${f.connections}`;
    out.push(
      { metric: `throughput ${c}`, fnmesh: f.requestsPerSec, baseline: b?.requestsPerSec, better: "higher", unit: "req/s" },
      { metric: `  latency ${c} p50`, fnmesh: f.p50Ms, baseline: b?.p50Ms, better: "lower", unit: "ms" },
      { metric: `  latency ${c} p99`, fnmesh: f.p99Ms, baseline: b?.p99Ms, better: "lower", unit: "ms" },
      { metric: `  non-2xx responses ${c}`, fnmesh: f.non2xx, baseline: b?.non2xx, better: "lower", unit: "count" },
      { metric: `  wrong answers ${c}`, fnmesh: f.badResponses, baseline: b?.badResponses, better: "lower", unit: "count" },
      { metric: `  socket errors ${c}`, fnmesh: socketErrors(f), baseline: b ? socketErrors(b) : undefined, better: "lower", unit: "count" },
    );
  }
  return out;
}

const socketErrors = (w: WrkResult) => w.socketErrors.connect + w.socketErrors.read + w.socketErrors.write + w.socketErrors.timeout;

function formatHttpSection(r: HttpResults): string[] {
  const s = r.settings;
  const header = ["metric", "unit", "fnmesh", "baseline", "ratio"];
  const body = rows(r).map((row) => [row.metric, row.unit, fmt(row.fnmesh, row.unit), fmt(row.baseline, row.unit), ratio(row)]);
  const logLines = r.serviceLogs.reduce((n, l) => n + l.total, 0);
  const stopLines = r.serviceLogs.reduce((n, l) => n + l.whileStopping, 0);
  const crashed = r.serviceLogs.filter((l) => l.exitedEarly);
  return [
    "HTTP: the Lambda API end to end",
    `fnmesh: Lambda API via @aws-sdk/client-lambda and wrk (SigV4) -> ingest -> NATS -> executor (V8 isolates)`,
    `baseline: HTTP server spawning a fresh \`node\` per request that imports the same handler`,
    `samples: cold ${s.coldFunctions} functions; sequential fnmesh ${s.fnmeshSequential}, baseline ${s.baselineSequential}; ` +
      `wrk ${s.fnmeshWrkSeconds} s (fnmesh) / ${s.baselineWrkSeconds} s (baseline) per C`,
    "",
    ...formatTable(header, body),
    "ratio > 1 means fnmesh is better: baseline/fnmesh for latency, fnmesh/baseline for throughput.",
    "wrong answers: not 2xx, X-Amz-Function-Error set, or body without the handler's \"ok\":true.",
    `errors outside wrk: fnmesh ${r.fnmesh.errors.length}, baseline ${r.baseline.errors.length}` +
      `; service log lines at warn or above: ${logLines - stopLines} during the run, ${stopLines} while stopping${crashed.length ? `; services that exited early: ${crashed.map((l) => `${l.service} (${l.exitedEarly})`).join(", ")}` : ""}`,
    ...[...r.fnmesh.errors.slice(0, 5).map((e) => `  fnmesh: ${e}`), ...r.baseline.errors.slice(0, 5).map((e) => `  baseline: ${e}`)],
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
