/** The isolate section's table: fnmesh's isolates next to node:vm contexts and worker_threads. */
import { formatTable, ratioText, type Better } from "../table.ts";
import type { BuiltinCostResults, BuiltinHandlerResults, ContenderResults, IsolateResults } from "./types.ts";

type Unit = "ms" | "µs" | "MiB" | "count";
type Value = (c: ContenderResults) => number | undefined;
interface Row { metric: string; unit: Unit; better: Better; value: Value }

const MIB = 2 ** 20;

const ROWS: Row[] = [
  { metric: "cold start, new code: create + compile + first call p50", unit: "ms", better: "lower", value: (c) => c.coldNew.p50 },
  { metric: "cold start, new code: create + compile + first call p99", unit: "ms", better: "lower", value: (c) => c.coldNew.p99 },
  { metric: "  of which sandbox initDurationMs p50", unit: "ms", better: "lower", value: (c) => c.coldNewInit?.p50 },
  { metric: "  of which sandbox initDurationMs p99", unit: "ms", better: "lower", value: (c) => c.coldNewInit?.p99 },
  { metric: "cold start, same code, new instance (code cache) p50", unit: "ms", better: "lower", value: (c) => c.coldSame?.p50 },
  { metric: "cold start, same code, new instance (code cache) p99", unit: "ms", better: "lower", value: (c) => c.coldSame?.p99 },
  { metric: "  of which sandbox initDurationMs p50", unit: "ms", better: "lower", value: (c) => c.coldSameInit?.p50 },
  { metric: "  of which sandbox initDurationMs p99", unit: "ms", better: "lower", value: (c) => c.coldSameInit?.p99 },
  { metric: "warm call p50", unit: "µs", better: "lower", value: (c) => c.warm.p50 * 1000 },
  { metric: "warm call p99", unit: "µs", better: "lower", value: (c) => c.warm.p99 * 1000 },
  { metric: "  floor: isolated-vm async call of an empty function p50", unit: "µs", better: "lower", value: (c) => (c.warmFloor ? c.warmFloor.p50 * 1000 : undefined) },
  { metric: "  floor: isolated-vm async call of an empty function p99", unit: "µs", better: "lower", value: (c) => (c.warmFloor ? c.warmFloor.p99 * 1000 : undefined) },
  { metric: "idle memory per warm instance: RSS delta", unit: "MiB", better: "lower", value: (c) => c.memory.rssPerInstanceBytes / MIB },
  { metric: "idle memory per warm instance: heap", unit: "MiB", better: "lower", value: (c) => c.memory.heapPerInstanceBytes / MIB },
  { metric: "warm functions per 1 GiB, by RSS", unit: "count", better: "higher", value: (c) => c.memory.perGiBByRss },
  { metric: "warm functions per 1 GiB, by heap", unit: "count", better: "higher", value: (c) => c.memory.perGiBByHeap },
  { metric: "errors (wrong answers, failed calls)", unit: "count", better: "lower", value: (c) => c.errors.length },
];

function fmt(v: number | undefined, unit: Unit): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (unit === "count") return Math.round(v).toLocaleString("en-US");
  if (unit === "MiB") return v.toFixed(2);
  return v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US");
}

/** Ratios only for measurements, not for error counts. */
function ratio(row: Row, fnmesh: ContenderResults, other: ContenderResults): string {
  return row.metric.startsWith("errors") ? "—" : ratioText(row.value(fnmesh), row.value(other), row.better);
}

export function formatIsolateSection(r: IsolateResults): string[] {
  const s = r.settings;
  const { fnmesh, nodeVm, workerThreads } = r;
  const header = ["metric", "unit", "fnmesh isolate", "node:vm", "ratio", "worker_threads", "ratio"];
  const body = ROWS.map((row) => [
    row.metric, row.unit,
    fmt(row.value(fnmesh), row.unit),
    fmt(row.value(nodeVm), row.unit), ratio(row, fnmesh, nodeVm),
    fmt(row.value(workerThreads), row.unit), ratio(row, fnmesh, workerThreads),
  ]);
  const errors = (["fnmesh", "nodeVm", "workerThreads"] as const).flatMap((k) => r[k].errors.slice(0, 3).map((e) => `  ${k}: ${e}`));
  return [
    "isolates: one function instance, in process (same handler, JSON text in and out)",
    "fnmesh isolate: @fnmesh/sandbox createIsolateRuntime (isolated-vm), bundle from @fnmesh/bundle; a new function name + key per cold start",
    "node:vm: vm.createContext + vm.Script + first call, in the host's own V8 isolate (NOT a security boundary)",
    "worker_threads: new Worker(source, { eval: true }) + first postMessage round trip; no code cache exists across workers",
    `samples: ${s.coldSamples} cold starts per kind after ${s.coldWarmup} untimed (worker_threads: ${s.workerColdSamples}, new code only); ` +
      `${s.warmCalls} warm calls after ${s.warmWarmup}; memory: ${s.memoryInstances} warm instances (worker_threads: ${s.memoryWorkers})`,
    `each contender's timing and memory run in their own fresh process: node ${r.flags.timing.join(" ")} (timing), node ${r.flags.memory.join(" ")} (memory)`,
    "",
    ...formatTable(header, body),
    "ratio > 1 means fnmesh is better: other/fnmesh for times and memory, fnmesh/other for functions per GiB.",
    "new code: a bundle never compiled in that process; same code: a new instance of a bundle compiled before (fnmesh and node:vm reuse V8 cached data).",
    "RSS delta: process RSS after minus before starting the instances (host heap GC'd when --expose-gc), / instances;",
    "heap: fnmesh runtime.stats().heapBytes; node:vm growth of the host heap; worker_threads each worker's heap (V8 total + external).",
    "per 1 GiB uses RSS as the basis that counts (what the machine pays); the heap basis is shown for comparison.",
    ...errors,
    ...(r.builtins === undefined ? [] : ["", ...formatBuiltinCost(r.builtins)]),
  ];
}

const BUILTIN_ROWS: { metric: string; unit: "ms" | "µs" | "KB"; value: (h: BuiltinHandlerResults) => number }[] = [
  { metric: "cold start, new code: create + compile + first call p50", unit: "ms", value: (h) => h.coldP50Ms },
  { metric: "  of which sandbox initDurationMs p50", unit: "ms", value: (h) => h.coldInitP50Ms },
  { metric: "cold start: process CPU p50", unit: "ms", value: (h) => h.coldCpuP50Ms },
  { metric: "warm call p50", unit: "µs", value: (h) => h.warmP50Ms * 1000 },
  { metric: "warm call p99", unit: "µs", value: (h) => h.warmP99Ms * 1000 },
  { metric: "warm call: process CPU p50", unit: "µs", value: (h) => h.warmCpuP50Ms * 1000 },
  { metric: "bundle size", unit: "KB", value: (h) => h.bundleBytes / 1000 },
];

const signed = (v: number, text: (abs: number) => string) => (Number.isFinite(v) ? `${v < 0 ? "-" : "+"}${text(Math.abs(v))}` : "—");

/** What a handler importing buffer + crypto + stream pays over the same handler importing no built-in. */
export function formatBuiltinCost(b: BuiltinCostResults): string[] {
  const s = b.settings;
  const body = BUILTIN_ROWS.map((row) => {
    const unit = row.unit === "KB" ? "ms" : row.unit; // KB print as ms do: 2 decimals below 10, 1 below 1000
    const a = row.value(b.none);
    const diff = row.value(b.bufferCryptoStream) - a;
    return [
      row.metric, row.unit, fmt(a, unit), fmt(row.value(b.bufferCryptoStream), unit),
      signed(diff, (v) => fmt(v, unit)), a > 0 ? signed((diff / a) * 100, (v) => `${v.toFixed(0)}%`) : "—",
    ];
  });
  const errors = (["none", "bufferCryptoStream"] as const).flatMap((k) => b[k].errors.slice(0, 3).map((e) => `  ${k}: ${e}`));
  return [
    "built-ins: what importing Node built-ins costs a function in fnmesh's isolates (issue 17)",
    "(a) a handler importing no built-in; (b) the same handler importing buffer, crypto and stream, calling Buffer.from, createHash(sha256) and Readable.from once each",
    `bundled by @fnmesh/bundle, run by @fnmesh/sandbox's isolate runtime; ${s.runs} runs in fresh processes, each ${s.coldSamples} cold starts (new code) ` +
      `and ${s.warmCalls} warm calls per handler after ${s.coldWarmup} and ${s.warmWarmup} untimed, (a) and (b) alternating; each figure is the median of the runs'`,
    "",
    ...formatTable(["metric", "unit", "(a) no built-in", "(b) buffer+crypto+stream", "b - a", "(b - a) / a"], body),
    ...errors,
  ];
}
