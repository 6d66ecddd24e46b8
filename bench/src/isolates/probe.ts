/**
 * One measurement of one contender, in a process of its own so contenders never share a heap, a
 * code cache or a thread pool: `node <flags> bench/src/isolates/probe.ts <request JSON>`. Prints
 * a TimingProbe or MemoryProbe as JSON on stdout; exits non-zero with the reason on stderr.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ContenderName, ProbePhase, type Contender, type Instance, type MemoryProbe, type TimingProbe } from "./types.ts";

/** What the orchestrator (run.ts) asks of one probe process. */
export interface ProbeRequest {
  contender: ContenderName;
  phase: ProbePhase;
  coldWarmup: number;
  coldSamples: number;
  warmWarmup: number;
  warmCalls: number;
  instances: number;
}

/** Loaded on demand, so a baseline's process never loads isolated-vm or esbuild. */
async function contender(name: ContenderName): Promise<Contender<unknown>> {
  switch (name) {
    case ContenderName.Fnmesh: return (await import("./fnmesh-isolate.ts")).fnmeshIsolates() as Contender<unknown>;
    case ContenderName.NodeVm: return (await import("./node-vm.ts")).nodeVmContexts() as Contender<unknown>;
    case ContenderName.WorkerThreads: return (await import("./worker-threads.ts")).workerThreads() as Contender<unknown>;
  }
}

const event = (n: number) => JSON.stringify({ n });

/** Undefined when `result` is the handler's answer to `{ n }`, else what was wrong. */
function wrongAnswer(result: string, n: number): string | undefined {
  try {
    const v = JSON.parse(result) as { ok?: unknown; n?: unknown };
    if (v.ok === true && v.n === n) return undefined;
  } catch { /* reported below */ }
  return `unexpected result for n=${n}: ${result.slice(0, 200)}`;
}

async function timedStart(c: Contender<unknown>, code: unknown, n: number): Promise<{ ms: number; initMs?: number; instance: Instance; error?: string }> {
  const started = performance.now();
  const { instance, result, initMs } = await c.start(code, event(n));
  const ms = performance.now() - started;
  const error = wrongAnswer(result, n);
  return { ms, instance, ...(initMs === undefined ? {} : { initMs }), ...(error === undefined ? {} : { error }) };
}

async function measureTiming(c: Contender<unknown>, req: ProbeRequest): Promise<TimingProbe> {
  const out: TimingProbe = { coldNewMs: [], coldNewInitMs: [], coldSameMs: [], coldSameInitMs: [], warmMs: [], floorMs: [], errors: [] };
  // All code is prepared (bundled) first: fnmesh bundles at CreateFunction, not at invoke.
  const warmupCode = await Promise.all(Array.from({ length: req.coldWarmup }, (_, i) => c.prepare(`warmup-${i}`)));
  const newCode: unknown[] = [];
  for (let i = 0; i < req.coldSamples; i++) newCode.push(await c.prepare(`new-${i}`));
  const sameCode = await c.prepare("same");
  const warmCode = await c.prepare("warm");

  // Untimed: the first starts in a process also compile the host's own code paths (and fnmesh's
  // prelude, cached once per process). The last one fills the code cache for `sameCode`.
  for (const code of [...warmupCode, ...(c.hasCodeCache ? [sameCode] : [])]) await (await c.start(code, event(0))).instance.close();

  // New and same code alternate, so drift (GC, other load) affects both rows alike.
  for (let i = 0; i < req.coldSamples; i++) {
    const fresh = await timedStart(c, newCode[i], i);
    await fresh.instance.close();
    if (fresh.error) out.errors.push(`cold start (new code) ${i}: ${fresh.error}`);
    else { out.coldNewMs.push(fresh.ms); if (fresh.initMs !== undefined) out.coldNewInitMs.push(fresh.initMs); }
    if (!c.hasCodeCache) continue;
    const same = await timedStart(c, sameCode, i);
    await same.instance.close();
    if (same.error) out.errors.push(`cold start (same code) ${i}: ${same.error}`);
    else { out.coldSameMs.push(same.ms); if (same.initMs !== undefined) out.coldSameInitMs.push(same.initMs); }
  }

  const { instance } = await c.start(warmCode, event(0));
  for (let i = 0; i < req.warmWarmup + req.warmCalls; i++) {
    const started = performance.now();
    const result = await instance.call(event(i));
    const ms = performance.now() - started;
    const error = wrongAnswer(result, i);
    if (error) out.errors.push(`warm call ${i}: ${error}`);
    else if (i >= req.warmWarmup) out.warmMs.push(ms);
  }
  const floor = await c.floor?.();
  if (floor !== undefined) {
    for (let i = 0; i < req.warmWarmup + req.warmCalls; i++) {
      const started = performance.now();
      await floor.call();
      if (i >= req.warmWarmup) out.floorMs.push(performance.now() - started);
    }
    floor.close();
  }
  return out;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** RSS after collecting the host heap (when `--expose-gc` allows) and letting threads settle. */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(100);
  }
  return process.memoryUsage().rss;
}

async function measureMemory(c: Contender<unknown>, req: ProbeRequest): Promise<MemoryProbe> {
  const errors: string[] = [];
  const codes: unknown[] = [];
  for (let i = 0; i < req.instances; i++) codes.push(await c.prepare(`memory-${i}`));
  // One instance before the baseline: what only the first instance pays (libraries, host code,
  // fnmesh's cached prelude) is not charged to every instance.
  const kept: Instance[] = [(await c.start(await c.prepare("memory-first"), event(0))).instance];
  const rssBeforeBytes = await settledRss();
  const heapBefore = await c.heapBytes();
  for (let i = 0; i < req.instances; i++) {
    const { instance, result } = await c.start(codes[i], event(i));
    kept.push(instance);
    const error = wrongAnswer(result, i);
    if (error) errors.push(`instance ${i}: ${error}`);
  }
  const rssAfterBytes = await settledRss();
  const heapAfter = await c.heapBytes();
  return { instances: req.instances, rssBeforeBytes, rssAfterBytes, heapBytes: heapAfter - heapBefore, gcExposed: gc !== undefined, errors };
}

const request = JSON.parse(process.argv[2] ?? "null") as ProbeRequest | null;
if (request === null) {
  process.stderr.write("usage: node --no-node-snapshot bench/src/isolates/probe.ts '<ProbeRequest JSON>'\n");
  process.exit(2);
}
try {
  const c = await contender(request.contender);
  const result = request.phase === ProbePhase.Timing ? await measureTiming(c, request) : await measureMemory(c, request);
  await c.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
}
