/**
 * What Node built-ins cost a function in fnmesh's isolates (issue 17): the same handler with no
 * import, and importing `buffer`, `crypto` and `stream` (one call of each), bundled by
 * `@fnmesh/bundle` and run by `@fnmesh/sandbox`'s isolate runtime. A cold start is a new function
 * (new name, key and code) made, compiled and invoked once; warm calls go to one live isolate.
 *
 * Each probe is a fresh process that interleaves the handlers (cold starts and warm calls
 * alternate between them), so load from elsewhere falls on both alike; the section runs several
 * probes and keeps the median of each probe's figures. Also runnable alone, against any tree that
 * has `@fnmesh/bundle` and `@fnmesh/sandbox` (how docs/node-compat.md compared commits):
 * `node --no-node-snapshot bench/src/isolates/builtin-cost.ts '<BuiltinProbeRequest JSON>'`.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { SandboxFunction, SandboxRuntime } from "@fnmesh/sandbox";
import { summarize } from "../stats.ts";
import type { BuiltinCostResults, BuiltinProbe, BuiltinRunFigures, BuiltinSettings } from "./types.ts";
import { BuiltinHandler } from "./types.ts";

export interface BuiltinProbeRequest {
  handlers: BuiltinHandler[];
  coldWarmup: number;
  coldSamples: number;
  warmWarmup: number;
  warmCalls: number;
}

export const defaultBuiltinSettings: BuiltinSettings = { runs: 3, coldWarmup: 5, coldSamples: 40, warmWarmup: 200, warmCalls: 1000 };

/**
 * The handler's source. The tag keeps bundles apart (they are content-addressed), so every cold
 * start compiles new code as a new function would; it is an export so esbuild keeps it.
 */
export function builtinHandlerSource(handler: BuiltinHandler, tag: string): string {
  const benchTag = `export const benchTag = ${JSON.stringify(tag)};\n`;
  switch (handler) {
    case BuiltinHandler.None:
      return `export const handler = async (event) => ({ ok: true, n: event.n ?? 0 });\n${benchTag}`;
    case BuiltinHandler.BufferCryptoStream:
      return `import { Buffer } from "buffer";
import { createHash } from "crypto";
import { Readable } from "stream";
export const handler = async (event) => {
  const bytes = Buffer.from(JSON.stringify(event));
  const digest = createHash("sha256").update(bytes).digest("hex");
  let size = 0;
  for await (const chunk of Readable.from([bytes])) size += chunk.length;
  return { ok: true, n: event.n ?? 0, size, digest: digest.slice(0, 8) };
};
${benchTag}`;
  }
}

interface Bundle { code: string; sha256: string; exportPath: string[] }

const encoder = new TextEncoder();

async function bundle(handler: BuiltinHandler, tag: string): Promise<Bundle> {
  // Loaded here, in the probe's process only: the bench's own process never loads esbuild or isolated-vm.
  const { buildBundle } = await import("@fnmesh/bundle");
  const built = await buildBundle({ files: new Map([["index.mjs", encoder.encode(builtinHandlerSource(handler, tag))]]), handler: "index.handler" });
  if (!built.ok) throw new Error(`bundling the ${handler} handler failed: ${built.errorType}: ${built.errorMessage}`);
  return { code: built.code, sha256: built.sha256, exportPath: built.exportPath };
}

let functions = 0;

/** A new function (name, key) each call: its first invoke is a cold start. */
function sandboxFunction(b: Bundle): SandboxFunction {
  const name = `builtin-${++functions}`;
  return {
    key: `${name}:r1`, name, version: "$LATEST", arn: `arn:aws:lambda:local:000000000000:function:${name}`,
    runtime: "nodejs22.x", memoryMb: 128, timeoutMs: 10_000, env: {},
    codeId: b.sha256, exportPath: b.exportPath, handlerName: "index.handler",
    loadCode: async () => b.code,
  };
}

/** Wall ms of one invoke, or what was wrong with it. */
async function timedInvoke(runtime: SandboxRuntime, fn: SandboxFunction, n: number): Promise<{ ms: number; initMs?: number; error?: string }> {
  const started = performance.now();
  const outcome = await runtime.invoke({ requestId: randomUUID(), fn, event: JSON.stringify({ n }) });
  const ms = performance.now() - started;
  if (outcome.status !== "ok") return { ms, error: `${outcome.error.errorType}: ${outcome.error.errorMessage}` };
  const v = JSON.parse(outcome.result) as { ok?: unknown; n?: unknown };
  if (v.ok !== true || v.n !== n) return { ms, error: `unexpected result for n=${n}: ${outcome.result.slice(0, 200)}` };
  return outcome.initDurationMs === undefined ? { ms } : { ms, initMs: outcome.initDurationMs };
}

/**
 * Process CPU ms (all threads: the isolate runs on isolated-vm's) spent in `work`: the steadier
 * figure when other work shares the machine. Read outside the wall-clock window (getrusage is a
 * system call), and per block of warm calls rather than per call.
 */
async function withCpu<T>(work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

/** Warm calls per handler between switches: one CPU reading covers a block. */
const WARM_BLOCK = 50;

async function probe(req: BuiltinProbeRequest): Promise<Record<string, BuiltinProbe>> {
  const { createIsolateRuntime } = await import("@fnmesh/sandbox");
  // Big enough that no isolate is evicted: every cold-started function stays warm until close.
  const runtime = createIsolateRuntime({ memoryBudgetMb: 64 * 1024 });
  const out: Record<string, BuiltinProbe> = {};
  const warmup = new Map<BuiltinHandler, Bundle[]>();
  const cold = new Map<BuiltinHandler, Bundle[]>();
  // All bundled first: fnmesh bundles at CreateFunction, not at invoke.
  for (const h of req.handlers) {
    const w: Bundle[] = [];
    const c: Bundle[] = [];
    for (let i = 0; i < req.coldWarmup; i++) w.push(await bundle(h, `warmup-${i}`));
    for (let i = 0; i < req.coldSamples; i++) c.push(await bundle(h, `cold-${i}`));
    warmup.set(h, w);
    cold.set(h, c);
    out[h] = { bundleBytes: encoder.encode(c[0]?.code ?? "").length, coldMs: [], coldCpuMs: [], coldInitMs: [], warmMs: [], warmCpuMs: [], errors: [] };
  }
  const record = (h: BuiltinHandler) => out[h] as BuiltinProbe;
  // Untimed: the first starts in a process compile the host's code paths and cache the prelude.
  for (let i = 0; i < req.coldWarmup; i++) {
    for (const h of req.handlers) {
      const r = await timedInvoke(runtime, sandboxFunction((warmup.get(h) ?? [])[i] as Bundle), 0);
      if (r.error) record(h).errors.push(`warm-up start ${i}: ${r.error}`);
    }
  }
  // Alternating, and in turn first, so neither handler always follows the other.
  const order = (i: number) => (i % 2 === 0 ? req.handlers : [...req.handlers].reverse());
  for (let i = 0; i < req.coldSamples; i++) {
    for (const h of order(i)) {
      const { value: r, cpuMs } = await withCpu(() => timedInvoke(runtime, sandboxFunction((cold.get(h) ?? [])[i] as Bundle), i));
      if (r.error) record(h).errors.push(`cold start ${i}: ${r.error}`);
      else {
        record(h).coldMs.push(r.ms);
        record(h).coldCpuMs.push(cpuMs);
        if (r.initMs !== undefined) record(h).coldInitMs.push(r.initMs);
      }
    }
  }
  const warm = new Map<BuiltinHandler, SandboxFunction>();
  for (const h of req.handlers) {
    const fn = sandboxFunction(await bundle(h, "warm"));
    await timedInvoke(runtime, fn, 0);
    warm.set(h, fn);
  }
  const blocks = Math.ceil((req.warmWarmup + req.warmCalls) / WARM_BLOCK);
  for (let block = 0; block < blocks; block++) {
    for (const h of order(block)) {
      const fn = warm.get(h) as SandboxFunction;
      const first = block * WARM_BLOCK;
      const { cpuMs } = await withCpu(async () => {
        for (let i = first; i < first + WARM_BLOCK; i++) {
          const r = await timedInvoke(runtime, fn, i);
          if (r.error) record(h).errors.push(`warm call ${i}: ${r.error}`);
          else if (i >= req.warmWarmup) record(h).warmMs.push(r.ms);
        }
      });
      if (first >= req.warmWarmup) record(h).warmCpuMs.push(cpuMs / WARM_BLOCK);
    }
  }
  await runtime.close();
  return out;
}

const median = (xs: number[]) => summarize(xs).p50;

/** One probe's figures: p50s of its samples. */
function figures(p: BuiltinProbe): BuiltinRunFigures {
  const warm = summarize(p.warmMs);
  return {
    coldP50Ms: median(p.coldMs), coldCpuP50Ms: median(p.coldCpuMs), coldInitP50Ms: median(p.coldInitMs),
    warmP50Ms: warm.p50, warmP99Ms: warm.p99, warmCpuP50Ms: median(p.warmCpuMs),
  };
}

function runProbe(request: BuiltinProbeRequest, signal: AbortSignal): Promise<Record<string, BuiltinProbe>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--no-node-snapshot", import.meta.filename, JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "pipe"], signal, timeout: 300_000, killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
    child.once("error", (e) => fail(e));
    child.once("close", (code, sig) => {
      if (code !== 0) return fail(new Error(`built-in cost probe failed (${sig ?? `exit ${code}`}): ${err.trim().slice(0, 2000)}`));
      try { done(JSON.parse(out) as Record<string, BuiltinProbe>); } catch { fail(new Error(`built-in cost probe printed no result: ${out.slice(0, 300)} ${err.slice(0, 300)}`)); }
    });
  });
}

/** Runs `settings.runs` probes (each a fresh process, about 10 s on 2 cores) and keeps the median of each figure. */
export async function measureBuiltinCost(options: {
  settings?: BuiltinSettings; signal: AbortSignal; progress: (msg: string) => void;
}): Promise<BuiltinCostResults> {
  const s = options.settings ?? defaultBuiltinSettings;
  const handlers = Object.values(BuiltinHandler);
  const runs: Record<string, BuiltinProbe>[] = [];
  for (let r = 0; r < s.runs; r++) {
    options.progress(`built-in cost run ${r + 1}/${s.runs}: ${s.coldSamples} cold starts and ${s.warmCalls} warm calls per handler`);
    runs.push(await runProbe({ handlers, ...s }, options.signal));
  }
  const per = (h: BuiltinHandler) => {
    const each = runs.map((run) => figures(run[h] as BuiltinProbe));
    const med = (k: keyof BuiltinRunFigures) => median(each.map((f) => f[k]));
    return {
      bundleBytes: runs[0]?.[h]?.bundleBytes ?? Number.NaN,
      coldP50Ms: med("coldP50Ms"), coldCpuP50Ms: med("coldCpuP50Ms"), coldInitP50Ms: med("coldInitP50Ms"),
      warmP50Ms: med("warmP50Ms"), warmP99Ms: med("warmP99Ms"), warmCpuP50Ms: med("warmCpuP50Ms"),
      runs: each,
      errors: runs.flatMap((run) => run[h]?.errors ?? []),
    };
  };
  return { settings: s, none: per(BuiltinHandler.None), bufferCryptoStream: per(BuiltinHandler.BufferCryptoStream) };
}

if (import.meta.main) {
  const request = JSON.parse(process.argv[2] ?? "null") as BuiltinProbeRequest | null;
  if (request === null) {
    process.stderr.write("usage: node --no-node-snapshot bench/src/isolates/builtin-cost.ts '<BuiltinProbeRequest JSON>'\n");
    process.exit(2);
  }
  try {
    process.stdout.write(`${JSON.stringify(await probe(request))}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  }
}
