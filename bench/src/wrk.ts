/**
 * HTTP load with `wrk`: one pre-signed Invoke request replayed by every connection (or a list of
 * them, which each wrk thread sends in turn), a Lua script that sets it and counts wrong answers,
 * and a parser for wrk's `--latency` report.
 *
 * Replaying a signature works because SigV4 has no nonce: ingest accepts it for 5 minutes either
 * side of its X-Amz-Date, so `signInvoke` is called right before each run (runs last seconds).
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credentials } from "./stack.ts";

const INSTALL_HINT = "wrk is required for the throughput runs: install it with `apt-get install -y wrk`";

/** One HTTP request exactly as wrk will send it. */
export interface PreparedRequest {
  url: string; method: "POST"; headers: Record<string, string>; body: string;
  /**
   * The one right answer's status (e.g. 202 for an Event invoke, whose body is empty); when unset,
   * a right answer is 2xx without X-Amz-Function-Error and with the handler's `"ok":true`.
   */
  expectStatus?: number;
}

export interface WrkResult {
  connections: number;
  threads: number;
  durationS: number;
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** wrk's "Non-2xx or 3xx responses". */
  non2xx: number;
  /** Responses that were not 2xx, carried X-Amz-Function-Error, or lacked the handler's `"ok":true`. */
  badResponses: number;
  /** Each wrk thread's first such response: status and the start of its body. */
  firstBad: string[];
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** wrk's full output, kept in the JSON results. */
  output: string;
}

/**
 * Signs POST /2015-03-31/functions/<name>/invocations with `body` as the Lambda SDK would; `extraHeaders`
 * (e.g. `x-amz-invocation-type: Event`) are signed too.
 */
export async function signInvoke(
  endpoint: string, functionName: string, body: string, credentials: Credentials, extraHeaders: Record<string, string> = {},
): Promise<PreparedRequest> {
  const base = new URL(endpoint);
  const path = `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  const signer = new SignatureV4({ service: "lambda", region: "us-east-1", sha256: Sha256, credentials });
  const signed = await signer.sign(new HttpRequest({
    method: "POST", protocol: base.protocol, hostname: base.hostname, port: Number(base.port), path,
    headers: { host: base.host, "content-type": "application/json", ...extraHeaders }, body,
  }));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return { url: `${base.origin}${path}`, method: "POST", headers, body };
}

/** An unauthenticated POST of `body` to `url` (the workerd peer). */
export function plainPost(url: string, body: string): PreparedRequest {
  return { url, method: "POST", headers: { host: new URL(url).host, "content-type": "application/json" }, body };
}

/** A Lua string literal for any string (decimal escapes for everything but plain printable ASCII). */
function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte >= 0x20 && byte < 0x7f && ch !== '"' && ch !== "\\" ? ch : `\\${byte}`;
  }
  return `${out}"`;
}

// wrk adds its own Host unless `Host` (this exact case) is set; the signed host must be the one sent.
const wrkHeaderName = (name: string) => name.toLowerCase() === "host" ? "Host" : name;

/** Lua that sets one request as wrk's, or, for several, a `request()` sending them in turn. */
function luaRequests(reqs: readonly PreparedRequest[]): string[] {
  const [first] = reqs;
  if (first === undefined) throw new Error("wrk needs at least one request");
  if (reqs.length === 1) {
    return [
      `wrk.method = ${luaString(first.method)}`,
      `wrk.body = ${luaString(first.body)}`,
      ...Object.entries(first.headers).map(([name, value]) => `wrk.headers[${luaString(wrkHeaderName(name))}] = ${luaString(value)}`),
    ];
  }
  // Bodies are written once each (1,000 signed requests usually share one).
  const bodies = [...new Set(reqs.map((r) => r.body))];
  const entries = reqs.map((r) => {
    const headers = Object.entries(r.headers).map(([name, value]) => `[${luaString(wrkHeaderName(name))}] = ${luaString(value)}`).join(", ");
    return `  wrk.format(${luaString(r.method)}, ${luaString(new URL(r.url).pathname)}, { ${headers} }, bodies[${bodies.indexOf(r.body) + 1}]),`;
  });
  return [
    `local bodies = { ${bodies.map(luaString).join(", ")} }`,
    "local requests = {",
    ...entries,
    "}",
    "local turn = 0",
    "function request()",
    "  turn = turn % #requests + 1",
    "  return requests[turn]",
    "end",
  ];
}

/** wrk script: the request(s); counts bad responses per thread and sums them at the end. */
function luaScript(reqs: readonly PreparedRequest[]): string {
  const [req] = reqs;
  return [
    ...luaRequests(reqs),
    "bad = 0",
    "local threads = {}",
    "function setup(thread) table.insert(threads, thread) end",
    "function response(status, headers, body)",
    ...(req?.expectStatus !== undefined
      ? [`  local wrong = status ~= ${req.expectStatus}`]
      : [
        "  local fnerr = headers[\"x-amz-function-error\"] or headers[\"X-Amz-Function-Error\"]",
        "  local wrong = status < 200 or status > 299 or fnerr or not string.find(body or \"\", '\"ok\"%s*:%s*true')",
      ]),
    "  if wrong then",
    "    bad = bad + 1",
    // The first wrong answer of each thread, to say what went wrong (one line, 300 bytes of body).
    "    if first_bad == nil then first_bad = status .. \" \" .. string.gsub(string.sub(body or \"\", 1, 300), \"%s+\", \" \") end",
    "  end",
    "end",
    "function done(summary, latency, requests)",
    "  local total = 0",
    "  for _, t in ipairs(threads) do",
    "    total = total + (t:get(\"bad\") or 0)",
    "    local first = t:get(\"first_bad\")",
    "    if first then io.write(\"bench-first-bad: \" .. first .. \"\\n\") end",
    "  end",
    "  io.write(string.format(\"bench-bad-responses: %d\\n\", total))",
    "end",
    "",
  ].join("\n");
}

/** Resolves with wrk's version line, or rejects with INSTALL_HINT if wrk is not on PATH. */
export function checkWrk(): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn("wrk", ["-v"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { out += c.toString(); });
    child.on("error", (err: NodeJS.ErrnoException) => fail(new Error(err.code === "ENOENT" ? INSTALL_HINT : `${INSTALL_HINT} (${err.message})`)));
    // `wrk -v` prints its version (then a copyright and usage) and exits 1.
    child.on("close", () => done(/^wrk \S+/.exec(out.trim())?.[0] ?? "wrk"));
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function timeMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text ?? "");
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN) : Number.NaN;
}

function parseWrkOutput(output: string): Omit<WrkResult, "connections" | "threads" | "durationS" | "output"> {
  const num = (re: RegExp) => { const m = re.exec(output); return m ? Number(m[1]) : 0; };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: num(/(\d+) requests in /),
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: timeMs(/^\s+50%\s+(\S+)/m.exec(output)?.[1]),
    p99Ms: timeMs(/^\s+99%\s+(\S+)/m.exec(output)?.[1]),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    badResponses: num(/bench-bad-responses: (\d+)/),
    firstBad: [...output.matchAll(/^bench-first-bad: (.*)$/gm)].map((m) => m[1] ?? ""),
    socketErrors: {
      connect: Number(sock?.[1] ?? 0), read: Number(sock?.[2] ?? 0), write: Number(sock?.[3] ?? 0), timeout: Number(sock?.[4] ?? 0),
    },
  };
}

export interface WrkRun {
  /** Several: each wrk thread sends them in turn (all to the first one's origin; same expectStatus). */
  request: PreparedRequest | readonly PreparedRequest[];
  connections: number;
  durationS: number;
  scriptPath: string;
  /** Kills wrk when aborted (the bench is being interrupted). */
  signal?: AbortSignal;
}

/** Runs `wrk --latency` with the request's script; rejects if wrk fails or reports no requests. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const reqs = Array.isArray(run.request) ? run.request : [run.request as PreparedRequest];
  await writeFile(run.scriptPath, luaScript(reqs));
  const url = reqs[0]?.url ?? "";
  const threads = Math.min(2, run.connections);
  const args = [`-t${threads}`, `-c${run.connections}`, `-d${run.durationS}s`, "--timeout", "10s", "--latency", "-s", run.scriptPath, url];
  const output = await new Promise<string>((done, fail) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"], ...(run.signal ? { signal: run.signal, killSignal: "SIGKILL" as const } : {}) });
    let out = "";
    let err = "";
    const guard = setTimeout(() => child.kill("SIGKILL"), (run.durationS + 30) * 1000);
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
    child.on("error", (e: NodeJS.ErrnoException) => { clearTimeout(guard); fail(new Error(e.code === "ENOENT" ? INSTALL_HINT : e.message)); });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      if (code === 0) done(out);
      else fail(new Error(`wrk ${args.join(" ")} failed (${signal ?? `code ${code}`}): ${err || out}`));
    });
  });
  const parsed = parseWrkOutput(output);
  if (parsed.requests === 0) throw new Error(`wrk completed no requests against ${url}:\n${output}`);
  return { connections: run.connections, threads, durationS: run.durationS, ...parsed, output };
}

export interface ThroughputRun {
  connections: readonly number[];
  durationS: number;
  /** An untimed run at 8 connections first, so JIT and pools are warm (0: none). */
  warmupS: number;
  scriptPath: string;
  /** Called before each run: the request(s) (re-signed if needed). */
  prepare: () => Promise<PreparedRequest | readonly PreparedRequest[]>;
  signal?: AbortSignal;
  /** Wrong answers or socket errors during the warm-up are appended here. */
  errors: string[];
  progress?: (connections: number) => void;
  /** Called after each timed run with its span on the monotonic clock (µs, process.hrtime's), e.g. to cut CPU profiles. */
  onRun?: (result: WrkResult, span: { fromUs: number; toUs: number }) => void;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
};

/**
 * Repeated runs at one connection count as one: the median of each rate and percentile, counts of
 * requests and errors summed (every wrong answer shows), wrk's outputs joined.
 */
export function medianOfRuns(runs: readonly WrkResult[]): WrkResult {
  const [first] = runs;
  if (first === undefined) throw new Error("medianOfRuns needs at least one run");
  const of = (f: (w: WrkResult) => number) => median(runs.map(f));
  const sum = (f: (w: WrkResult) => number) => runs.reduce((n, w) => n + f(w), 0);
  return {
    connections: first.connections, threads: first.threads, durationS: first.durationS,
    requests: sum((w) => w.requests), requestsPerSec: of((w) => w.requestsPerSec), p50Ms: of((w) => w.p50Ms), p99Ms: of((w) => w.p99Ms),
    non2xx: sum((w) => w.non2xx), badResponses: sum((w) => w.badResponses), firstBad: runs.flatMap((w) => w.firstBad),
    socketErrors: {
      connect: sum((w) => w.socketErrors.connect), read: sum((w) => w.socketErrors.read),
      write: sum((w) => w.socketErrors.write), timeout: sum((w) => w.socketErrors.timeout),
    },
    output: runs.map((w) => w.output).join("\n"),
  };
}

/** A warm-up, then one wrk run per connection count, in order. */
export async function measureThroughput(t: ThroughputRun): Promise<WrkResult[]> {
  // Signed before the span starts: signing a 1 MB body is the bench's work, not the server's.
  const run = async (connections: number, durationS: number) => {
    const request = await t.prepare();
    const fromUs = monotonicUs();
    const result = await runWrk({ request, connections, durationS, scriptPath: t.scriptPath, ...(t.signal ? { signal: t.signal } : {}) });
    return { result, span: { fromUs, toUs: monotonicUs() } };
  };
  if (t.warmupS > 0) {
    const { result: warmup } = await run(8, t.warmupS);
    const sock = warmup.socketErrors;
    if (warmup.badResponses + sock.connect + sock.read + sock.write + sock.timeout > 0) {
      t.errors.push(`wrk warm-up: ${warmup.badResponses} wrong answers (${warmup.non2xx} non-2xx), socket errors ${JSON.stringify(sock)}`);
    }
  }
  const results: WrkResult[] = [];
  for (const connections of t.connections) {
    t.progress?.(connections);
    const { result, span } = await run(connections, t.durationS);
    t.onRun?.(result, span);
    results.push(result);
  }
  return results;
}
