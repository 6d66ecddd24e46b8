/**
 * The isolate-level section: for fnmesh's isolate runtime, node:vm contexts and worker_threads,
 * runs a timing probe and a memory probe (probe.ts), each in a fresh process, one at a time, and
 * turns their samples into summaries.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { summarize } from "../stats.ts";
import { measureBuiltinCost } from "./builtin-cost.ts";
import type { ProbeRequest } from "./probe.ts";
import {
  ContenderName, ProbePhase,
  type ContenderResults, type IsolateResults, type IsolateSettings, type MemoryProbe, type TimingProbe,
} from "./types.ts";

const defaultIsolateSettings: IsolateSettings = {
  coldWarmup: 5, coldSamples: 100, workerColdSamples: 100, warmWarmup: 200, warmCalls: 2000,
  memoryInstances: 200, memoryWorkers: 50,
};

/**
 * The same flags for every contender. isolated-vm needs `--no-node-snapshot` (it makes no
 * measurable difference to a Worker's start here); `--expose-gc` lets the memory probe collect the
 * host heap before reading RSS.
 */
const FLAGS: Record<ProbePhase, string[]> = {
  [ProbePhase.Timing]: ["--no-node-snapshot"],
  [ProbePhase.Memory]: ["--no-node-snapshot", "--expose-gc"],
};
const PROBE = resolve(import.meta.dirname, "probe.ts");
const PROBE_TIMEOUT_MS = 120_000;
const GIB = 2 ** 30;

function runProbe<T>(request: ProbeRequest, signal: AbortSignal): Promise<T> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...FLAGS[request.phase], PROBE, JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "pipe"], signal, timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
    child.once("error", (e) => fail(e));
    child.once("close", (code, sig) => {
      const what = `${request.contender} ${request.phase} probe`;
      if (code !== 0) return fail(new Error(`${what} failed (${sig ?? `exit ${code}`}): ${err.trim().slice(0, 2000)}`));
      try { done(JSON.parse(out) as T); } catch { fail(new Error(`${what} printed no result: ${out.slice(0, 300)} ${err.slice(0, 300)}`)); }
    });
  });
}

function results(timing: TimingProbe, memory: MemoryProbe): ContenderResults {
  const rssPerInstanceBytes = (memory.rssAfterBytes - memory.rssBeforeBytes) / memory.instances;
  const heapPerInstanceBytes = memory.heapBytes / memory.instances;
  const perGiB = (bytes: number) => (bytes > 0 ? Math.floor(GIB / bytes) : Number.NaN);
  return {
    coldNew: summarize(timing.coldNewMs),
    ...(timing.coldNewInitMs.length ? { coldNewInit: summarize(timing.coldNewInitMs) } : {}),
    ...(timing.coldSameMs.length ? { coldSame: summarize(timing.coldSameMs) } : {}),
    ...(timing.coldSameInitMs.length ? { coldSameInit: summarize(timing.coldSameInitMs) } : {}),
    warm: summarize(timing.warmMs),
    ...(timing.floorMs.length ? { warmFloor: summarize(timing.floorMs) } : {}),
    memory: {
      ...memory, rssPerInstanceBytes, heapPerInstanceBytes,
      perGiBByRss: perGiB(rssPerInstanceBytes),
      perGiBByHeap: perGiB(heapPerInstanceBytes),
    },
    errors: [...timing.errors, ...memory.errors],
    samples: { coldNew: timing.coldNewMs, coldNewInit: timing.coldNewInitMs, coldSame: timing.coldSameMs, coldSameInit: timing.coldSameInitMs, warm: timing.warmMs },
  };
}

/**
 * Runs the six probes one after another (about 15 s on 2 cores), then the built-in cost probes
 * (builtin-cost.ts, about 30 s), and returns the section's results.
 */
export async function measureIsolates(options: {
  settings?: IsolateSettings; signal: AbortSignal; progress: (msg: string) => void;
}): Promise<IsolateResults> {
  const s = options.settings ?? defaultIsolateSettings;
  const byContender = {} as Record<ContenderName, ContenderResults>;
  for (const contender of Object.values(ContenderName)) {
    const isWorker = contender === ContenderName.WorkerThreads;
    const request = {
      contender, coldWarmup: s.coldWarmup, coldSamples: isWorker ? s.workerColdSamples : s.coldSamples,
      warmWarmup: s.warmWarmup, warmCalls: s.warmCalls, instances: isWorker ? s.memoryWorkers : s.memoryInstances,
    };
    options.progress(`${contender}: ${request.coldSamples} cold starts per kind, ${s.warmCalls} warm calls`);
    const timing = await runProbe<TimingProbe>({ ...request, phase: ProbePhase.Timing }, options.signal);
    options.progress(`${contender}: memory of ${request.instances} warm instances`);
    const memory = await runProbe<MemoryProbe>({ ...request, phase: ProbePhase.Memory }, options.signal);
    byContender[contender] = results(timing, memory);
  }
  const builtins = await measureBuiltinCost({ signal: options.signal, progress: options.progress });
  return { settings: s, flags: FLAGS, ...byContender, builtins };
}
