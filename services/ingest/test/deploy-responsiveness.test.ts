/**
 * Deploy work runs off the thread that serves requests: while ingest unzips a lying-size zip bomb
 * or a package at Lambda's 250 MiB limit, `Invoke` and `/healthz` keep completing. Asserted as
 * counts of calls that completed while the deploy was still in flight, never as a time bound; the
 * event loop's worst delay is printed as a diagnostic. Before the deploy pool, each of these
 * deploys held the loop for its whole length (the bomb for ~3.5 s per entry) and no call completed.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test, type TestContext } from "node:test";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { CreateFunctionCommand, InvokeCommand, type CreateFunctionCommandOutput } from "@aws-sdk/client-lambda";
import { craftZip, deflatedEntry, zerosEntry, type CraftedEntry } from "@fnmesh/bundle/testing";
import { eventually, printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { startIngestStack, type IngestStack } from "./stack.ts";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** Lambda's unzipped limit; its message says "must be smaller than", so this size itself is refused. */
const LIMIT = 262_144_000;
const HANDLER_SOURCE = "exports.handler = async (event) => ({ echoed: event });";
/** Calls that must complete while one deploy is in flight; a blocked loop completes none. */
const MIN_CALLS_DURING_DEPLOY = 3;

let stack: IngestStack;
let echo: string;

before(async () => {
  // Retries: the loops in these tests reuse keep-alive sockets across long deploys (TOOLCHAIN.md).
  stack = await startIngestStack({ maxAttempts: 3 });
  echo = randomName("echo");
  await deploy(echo, craftZip([handlerEntry()]));
  await eventually(async () => (await invokeEcho()) === 200, { name: "the executor answers invokes", timeoutMs: 60_000 });
});
after(async () => { await stack?.[Symbol.asyncDispose](); });
// A top-level beforeEach gets each test's context ("after" tells it from a suite's).
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest and executor": stack }); });

const handlerEntry = () => deflatedEntry("index.js", new TextEncoder().encode(HANDLER_SOURCE));

function deploy(name: string, zip: Uint8Array): Promise<CreateFunctionCommandOutput> {
  return stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Handler: "index.handler", Role: "arn:aws:iam::000000000000:role/r",
    Code: { ZipFile: zip },
  }));
}

async function invokeEcho(): Promise<number | undefined> {
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: echo, Payload: new TextEncoder().encode('{"n":1}') }));
  assert.equal(out.FunctionError, undefined);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.Payload)), { echoed: { n: 1 } });
  return out.StatusCode;
}

interface DuringDeploy<T> {
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
  invokes: number;
  healthAnswers: number;
  /** Growth of this process's RSS (ingest and its deploy workers) at its sampled peak. */
  rssGrowth: number;
}

/** Runs `start()` and, until it settles, a loop of Invoke and GET /healthz calls, counting those that complete first. */
async function whileDeploying<T>(t: TestContext, start: () => Promise<T>): Promise<DuringDeploy<T>> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let settled = false;
  const deploying = start().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  ).finally(() => { settled = true; });
  let invokes = 0;
  let healthAnswers = 0;
  const calls = (async () => {
    while (!settled) {
      assert.equal(await invokeEcho(), 200);
      if (!settled) invokes += 1;
      const health = await fetch(`${stack.endpoint}/healthz`);
      await health.arrayBuffer();
      if (!settled) healthAnswers += 1;
    }
  })();
  const outcome = await deploying;
  await calls;
  clearInterval(sampler);
  loopDelay.disable();
  peak = Math.max(peak, process.memoryUsage().rss);
  t.diagnostic(`during the deploy: ${invokes} invokes and ${healthAnswers} /healthz answers completed; ` +
    `event loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms; ` +
    `RSS +${Math.round((peak - baseline) / MIB)} MiB`);
  return { outcome, invokes, healthAnswers, rssGrowth: peak - baseline };
}

function assertLambdaError(outcome: DuringDeploy<unknown>["outcome"], name: string, message: string): void {
  assert.equal(outcome.ok, false, "the deploy must be refused");
  const error = (outcome as { error: { name?: string; message?: string } }).error;
  assert.equal(error.name, name);
  assert.equal(error.message, message);
}

/** Entries of zeros totalling `total` bytes (1 MiB each, then the rest), plus the handler file. */
async function packageOf(total: number): Promise<Uint8Array> {
  const handler = handlerEntry();
  const zeros = total - handler.declaredSize;
  const mib = await zerosEntry("x", MIB);
  const whole = Math.floor(zeros / MIB);
  const entries: CraftedEntry[] = [handler, ...Array.from({ length: whole }, (_, i) => ({ ...mib, name: `data/${i}.bin` }))];
  if (zeros > whole * MIB) entries.push(await zerosEntry("data/rest.bin", zeros - whole * MIB));
  return craftZip(entries);
}

describe("deploys run off ingest's event loop", () => {
  test("a zip bomb whose headers declare 1,000 bytes per 1 GiB entry is refused with Lambda's error while invokes and /healthz complete", async (t) => {
    const bomb = await zerosEntry("a.bin", GIB, 1000);
    const zip = craftZip(["a", "b", "c", "d"].map((name) => ({ ...bomb, name: `${name}.bin` })));
    const during = await whileDeploying(t, () => deploy(randomName("bomb"), zip));
    // AWS's InvalidParameterValueException text for CreateFunction over the unzipped limit.
    assertLambdaError(during.outcome, "InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes");
    assert.ok(during.invokes >= MIN_CALLS_DURING_DEPLOY, `${during.invokes} invokes completed during the deploy`);
    assert.ok(during.healthAnswers >= 1, `${during.healthAnswers} /healthz answers during the deploy`);
    // Inflation stops at the limit: about 250 MiB held at the peak, never the 4 GiB the bomb expands to.
    assert.ok(during.rssGrowth < 768 * MIB, `RSS grew by ${Math.round(during.rssGrowth / MIB)} MiB`);
  });

  test("a package of 262,143,999 unzipped bytes deploys and runs while invokes complete during the deploy", async (t) => {
    const zip = await packageOf(LIMIT - 1);
    const name = randomName("big");
    const during = await whileDeploying(t, () => deploy(name, zip));
    assert.equal(during.outcome.ok, true, `the deploy failed: ${String((during.outcome as { error?: unknown }).error)}`);
    assert.ok(during.invokes >= MIN_CALLS_DURING_DEPLOY, `${during.invokes} invokes completed during the deploy`);
    // The package is held unzipped once (stored entries would be views of the zip; these are inflated).
    assert.ok(during.rssGrowth < 1024 * MIB, `RSS grew by ${Math.round(during.rssGrowth / MIB)} MiB`);
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('"big"') }));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.Payload)), { echoed: "big" });
  });

  test("a package of exactly 262,144,000 unzipped bytes is refused with Lambda's error while invokes complete", async (t) => {
    const zip = await packageOf(LIMIT);
    const during = await whileDeploying(t, () => deploy(randomName("limit"), zip));
    assertLambdaError(during.outcome, "InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes");
    assert.ok(during.invokes >= MIN_CALLS_DURING_DEPLOY, `${during.invokes} invokes completed during the deploy`);
  });
});
