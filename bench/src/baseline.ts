/**
 * Drives the baseline server (baseline-server.ts) from the bench: starts it as a child process,
 * writes handler modules for it, and times first and sequential calls with plain HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { handlerSource } from "./sdk-bench.ts";
import { timed } from "./stats.ts";

export interface Baseline {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Writes `<root>/<name>/index.mjs` with the bench handler, unique per name. */
  addHandler(name: string): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

export async function startBaseline(root: string): Promise<Baseline> {
  await mkdir(root, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [resolve(import.meta.dirname, "baseline-server.ts"), root], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => { if (child.exitCode === null) child.kill("SIGKILL"); };
  process.on("exit", killOnExit);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => { stderr += c.toString(); });
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => { clearTimeout(kill); done(); });
      child.kill("SIGTERM");
    });
  };
  try {
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`baseline server did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
      let out = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) { clearTimeout(timer); done(Number(m[1])); }
      });
      child.once("exit", (code, signal) => { clearTimeout(timer); fail(new Error(`baseline server exited (${signal ?? `code ${code}`}): ${stderr}`)); });
    });
    return {
      url: `http://127.0.0.1:${port}`,
      async addHandler(name) {
        await mkdir(join(root, name), { recursive: true });
        await writeFile(join(root, name, "index.mjs"), handlerSource(name));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface CallResult { ms: number; error: string | undefined }

async function callBaseline(baseline: Baseline, name: string, n: number): Promise<CallResult> {
  try {
    const { ms, value } = await timed(async () => {
      const res = await fetch(`${baseline.url}/fn/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) });
      return { status: res.status, body: await res.text() };
    });
    let ok = false;
    try {
      const v = JSON.parse(value.body) as { ok?: unknown; n?: unknown };
      ok = value.status === 200 && v.ok === true && v.n === n;
    } catch { /* not JSON: reported below */ }
    return { ms, error: ok ? undefined : `HTTP ${value.status}: ${value.body.slice(0, 300)}` };
  } catch (err) {
    return { ms: Number.NaN, error: String(err) };
  }
}

/** First call of `count` fresh handlers (for the baseline every call is a cold start; this is the comparable sample). */
export async function measureBaselineFirstCalls(baseline: Baseline, prefix: string, count: number): Promise<{ ms: number[]; errors: string[] }> {
  const out = { ms: [] as number[], errors: [] as string[] };
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-cold-${i}`;
    await baseline.addHandler(name);
    const r = await callBaseline(baseline, name, i);
    if (r.error) out.errors.push(`${name}: ${r.error}`);
    else out.ms.push(r.ms);
  }
  return out;
}

export async function measureBaselineSequential(baseline: Baseline, name: string, count: number, warmup: number): Promise<{ ms: number[]; errors: string[] }> {
  const out = { ms: [] as number[], errors: [] as string[] };
  for (let i = 0; i < warmup + count; i++) {
    const r = await callBaseline(baseline, name, i);
    if (r.error) out.errors.push(`${i < warmup ? "warm-up" : "call"} ${i}: ${r.error}`);
    else if (i >= warmup) out.ms.push(r.ms);
  }
  return out;
}
