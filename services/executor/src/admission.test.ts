/**
 * Mesh admission against a real nats-server: which ledger a function counts in, Lambda's Reason for
 * each refusal, and that a refusal by this executor's own slots gives the mesh slot back.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { createLedgerClient, openConcurrencyBucket } from "@fnmesh/concurrency";
import { ErrorCode, isFnmeshError, ThrottleReason, type FunctionView } from "@fnmesh/protocol";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, randomName, startNats } from "@fnmesh/test-harness";
import { localAdmission, meshAdmission, type Admission } from "./admission.ts";
import { createConcurrencyLimiter } from "./concurrency-limiter.ts";

const log = createLogger({ service: "admission-test", write: () => undefined });

function view(name: string, reservedConcurrency?: number): FunctionView {
  return {
    v: 1, name, revisionId: "r1", state: "Active", ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    spec: {
      name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId: "r1",
      runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec: 3, env: {}, codeSha256: "x",
      code: { kind: "error", errorType: "Runtime.ImportModuleError", errorMessage: "none" },
    },
  };
}

async function throttled(admission: Admission, v: FunctionView, reason: ThrottleReason): Promise<void> {
  await assert.rejects(admission.admit(v), (err: unknown) => {
    assert.ok(isFnmeshError(err), String(err));
    assert.equal(err.code, ErrorCode.TooManyRequests);
    assert.equal(err.reason, reason);
    assert.equal(err.retryable, true, "async invokes wait and retry");
    return true;
  });
}

async function setup() {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(nc);
  const ledgers = ["exec-a", "exec-b"].map((holderId) => createLedgerClient({ kv, holderId, log, lingerMs: 0 }));
  return {
    nc, ledgers,
    async [Symbol.asyncDispose]() { for (const l of ledgers) await l.stop(); await nc.close(); await nats.stop(); },
  };
}

test("a function with reserved concurrency counts in its own ledger across executors: ReservedFunctionConcurrentInvocationLimitExceeded", async () => {
  await using s = await setup();
  const [a, b] = s.ledgers.map((ledger) => meshAdmission({ ledger, maxConcurrency: 1000, reservedTotal: () => 2,
    local: localAdmission(createConcurrencyLimiter(10, 0)) })) as [Admission, Admission];
  const fn = view(randomName("reserved"), 2);
  const first = await a.admit(fn);
  const second = await b.admit(fn);
  await throttled(a, fn, ThrottleReason.ReservedFunction);
  await throttled(b, fn, ThrottleReason.ReservedFunction);
  // The unreserved pool is another ledger: other functions still run.
  (await a.admit(view(randomName("other"))))();
  first();
  // The freed slot reaches the other executor once the first one's claim shrinks (its linger is 0 here).
  await eventually(async () => { (await b.admit(fn))(); }, { name: "the other executor admits into the freed slot" });
  second();
});

test("reserved concurrency 0 throttles every invocation", async () => {
  await using s = await setup();
  const admission = meshAdmission({ ledger: s.ledgers[0]!, maxConcurrency: 1000, reservedTotal: () => 0,
    local: localAdmission(createConcurrencyLimiter(10, 0)) });
  await throttled(admission, view(randomName("zero"), 0), ThrottleReason.ReservedFunction);
});

test("other functions share FNMESH_MAX_CONCURRENCY less every reservation: ConcurrentInvocationLimitExceeded", async () => {
  await using s = await setup();
  let reserved = 3;
  const [a, b] = s.ledgers.map((ledger) => meshAdmission({ ledger, maxConcurrency: 5, reservedTotal: () => reserved,
    local: localAdmission(createConcurrencyLimiter(10, 0)) })) as [Admission, Admission];
  const held = [await a.admit(view(randomName("one"))), await b.admit(view(randomName("two")))];
  await throttled(a, view(randomName("three")), ThrottleReason.Account);
  await throttled(b, view(randomName("three")), ThrottleReason.Account);
  reserved = 2; // a reservation lowered: the pool grows
  held.push(await b.admit(view(randomName("three"))));
  await throttled(a, view(randomName("four")), ThrottleReason.Account);
  for (const release of held) release();
});

test("refused by this executor's own slots (CallerRateLimitExceeded), the mesh slot is given back", async () => {
  await using s = await setup();
  const local = createConcurrencyLimiter(1, 0);
  const a = meshAdmission({ ledger: s.ledgers[0]!, maxConcurrency: 2, reservedTotal: () => 0, local: localAdmission(local) });
  const b = meshAdmission({ ledger: s.ledgers[1]!, maxConcurrency: 2, reservedTotal: () => 0,
    local: localAdmission(createConcurrencyLimiter(10, 0)) });
  const running = await a.admit(view(randomName("f")));
  await throttled(a, view(randomName("f")), ThrottleReason.Caller);
  assert.equal(s.ledgers[0]!.held("unreserved").inUse, 1, "only the running invocation holds a mesh slot");
  await eventually(() => s.ledgers[0]!.held("unreserved").claimed === 1, { name: "the refused one's claim is trimmed" });
  (await b.admit(view(randomName("g"))))();
  running();
});

test("an unreachable ledger is unavailable (retryable), not a throttle", async () => {
  await using s = await setup();
  const admission = meshAdmission({ ledger: s.ledgers[0]!, maxConcurrency: 10, reservedTotal: () => 0,
    local: localAdmission(createConcurrencyLimiter(10, 0)) });
  await s.nc.close();
  await assert.rejects(admission.admit(view(randomName("f"))), (err: unknown) => {
    assert.ok(isFnmeshError(err));
    assert.equal(err.code, ErrorCode.Unavailable);
    assert.equal(err.retryable, true);
    return true;
  });
});
