/**
 * Cold and warm invoke latency through the Lambda API with the official SDK, timed on the client
 * (SDK call wall time: signing, HTTP, ingest, NATS, executor and back).
 */
import { CreateFunctionCommand, InvokeCommand, LambdaClient, LogType } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import type { Credentials } from "./stack.ts";
import { timed } from "./stats.ts";

/** The function every measurement runs, fnmesh and baseline alike; `tag` makes each copy's code unique. */
export function handlerSource(tag: string): string {
  // The tag keeps code from being shared between functions (bundles are content-addressed), so
  // every cold start compiles its own code as a real new function would. It is an exported string,
  // not a comment: esbuild drops comments, which made every function's bundle identical.
  return `export const handler = async (event) => ({ ok: true, n: event.n ?? 0 });\nexport const benchTag = ${JSON.stringify(tag)};\n`;
}

function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));
}

export function lambdaClient(endpoint: string, credentials: Credentials): LambdaClient {
  // One attempt: a retried call would hide failures and inflate latency.
  return new LambdaClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
}

/** Creates `name` with `index.mjs` = `source` (default: `handlerSource(tag)`). */
export async function createFunction(client: LambdaClient, name: string, tag = name, source = handlerSource(tag)): Promise<void> {
  await client.send(new CreateFunctionCommand({
    FunctionName: name,
    Runtime: "nodejs22.x",
    Handler: "index.handler",
    Role: "arn:aws:iam::000000000000:role/fnmesh-bench",
    Code: { ZipFile: zipOf({ "index.mjs": source }) },
  }));
}

export interface InvokeResult { ms: number; initMs: number | undefined; error: string | undefined }

const decoder = new TextDecoder();

/** Parses `Init Duration: X ms` from a base64 Lambda log tail; undefined when there is none (warm). */
function initDurationMs(logResult: string | undefined): number | undefined {
  if (!logResult) return undefined;
  const m = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(logResult, "base64").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

function isExpected(body: string, n: number): boolean {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === true && (value as { n?: unknown }).n === n;
  } catch {
    return false;
  }
}

/** One timed RequestResponse invoke with event `{ n }`, checked for the handler's answer. */
export async function invokeOnce(client: LambdaClient, name: string, n: number, logType: LogType = LogType.None): Promise<InvokeResult> {
  const payload = new TextEncoder().encode(JSON.stringify({ n }));
  try {
    const { ms, value } = await timed(() => client.send(new InvokeCommand({ FunctionName: name, Payload: payload, LogType: logType })));
    const body = value.Payload ? decoder.decode(value.Payload) : "";
    let error: string | undefined;
    if (value.FunctionError) error = `function error (${value.FunctionError}): ${body}`;
    else if (!isExpected(body, n)) error = `unexpected payload: ${body}`;
    return { ms, initMs: initDurationMs(value.LogResult), error };
  } catch (err) {
    return { ms: Number.NaN, initMs: undefined, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

export interface ColdResult {
  /** Client-side wall time of each function's first invoke, ms. */
  clientMs: number[];
  /** Server-reported `Init Duration` of those invokes, ms (only where reported). */
  initMs: number[];
  /** Each function's second invoke right after its first, the same way (LogType Tail): warm, on a just-made instance. */
  secondMs: number[];
  errors: string[];
}

/** Creates `count` fresh functions (code: `sourceOf(name)`, unique per name) and times the first and second invoke of each. */
export async function measureColdStarts(
  client: LambdaClient, prefix: string, count: number, sourceOf: (name: string) => string = handlerSource,
): Promise<ColdResult> {
  const out: ColdResult = { clientMs: [], initMs: [], secondMs: [], errors: [] };
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-cold-${i}`;
    await createFunction(client, name, name, sourceOf(name));
    const r = await invokeOnce(client, name, i, LogType.Tail);
    if (r.error) { out.errors.push(`${name}: ${r.error}`); continue; }
    out.clientMs.push(r.ms);
    if (r.initMs === undefined) out.errors.push(`${name}: first invoke reported no Init Duration`);
    else out.initMs.push(r.initMs);
    const second = await invokeOnce(client, name, i, LogType.Tail);
    if (second.error) out.errors.push(`${name}, second invoke: ${second.error}`);
    else if (second.initMs !== undefined) out.errors.push(`${name}: second invoke was a cold start too (Init Duration ${second.initMs} ms)`);
    else out.secondMs.push(second.ms);
  }
  return out;
}

export interface WarmResult { ms: number[]; errors: string[] }

/** `warmup` untimed invokes, then `count` sequential timed ones, of the function `name`. */
export async function measureWarm(client: LambdaClient, name: string, count: number, warmup: number): Promise<WarmResult> {
  const out: WarmResult = { ms: [], errors: [] };
  for (let i = 0; i < warmup; i++) {
    const r = await invokeOnce(client, name, i);
    if (r.error) out.errors.push(`warm-up ${i}: ${r.error}`);
  }
  for (let i = 0; i < count; i++) {
    const r = await invokeOnce(client, name, i);
    if (r.error) out.errors.push(`invoke ${i}: ${r.error}`);
    else out.ms.push(r.ms);
  }
  return out;
}
