/**
 * Ledger clients against a real nats-server: compare-and-set races between holders never claim past
 * the limit, a holder that stops renewing stops counting once its lease passes, idle claims go back,
 * and steady traffic inside a claim writes nothing per invocation.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { ConcurrencyLedger, concurrencyKeys } from "@fnmesh/protocol";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, randomName, startNats } from "@fnmesh/test-harness";
import { openConcurrencyBucket } from "./bucket.ts";
import { createLedgerClient, type LedgerClient, type LedgerClientOptions, type Release } from "./ledger-client.ts";

const log = createLogger({ service: "concurrency-test", write: () => undefined });

async function ledgerOf(kv: KV, key: string): Promise<ConcurrencyLedger | undefined> {
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? ConcurrencyLedger.parse(entry.json()) : undefined;
}

/** A holder on its own connection, as a separate executor process would be. */
async function holder(url: string, holderId: string, options: Partial<LedgerClientOptions> = {}):
  Promise<{ nc: NatsConnection; client: LedgerClient } & AsyncDisposable> {
  const nc = await connect({ servers: url, name: holderId });
  const client = createLedgerClient({ kv: await openConcurrencyBucket(nc), holderId, log, ...options });
  return { nc, client, async [Symbol.asyncDispose]() { await client.stop(); await nc.close(); } };
}

test("three holders racing for 5 slots never run more than 5 at once, and every acquire succeeds after releases", async () => {
  await using nats = await startNats();
  await using observer = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(observer);
  const key = concurrencyKeys.reserved(randomName("race"));
  const LIMIT = 5;
  const WORKERS = 10;
  const ROUNDS = 5;
  // Every revision of the ledger, as the bucket stored it: no write may claim past the limit.
  const writes: number[] = [];
  const watch = await kv.watch({ key, include: KvWatchInclude.UpdatesOnly });
  const watching = (async () => {
    for await (const e of watch) {
      if (e.operation !== "PUT") continue;
      const ledger = ConcurrencyLedger.parse(e.json());
      writes.push(Object.values(ledger.holders).reduce((sum, h) => sum + h.running, 0));
    }
  })();

  // No linger: every release gives its slot back at once, so claims move between holders all the time.
  const holders = await Promise.all(["a", "b", "c"].map((id) => holder(nats.url, `race-${id}`, { lingerMs: 0 })));
  let running = 0;
  let peak = 0;
  let granted = 0;
  let refused = 0;
  const worker = async (client: LedgerClient) => {
    for (let round = 0; round < ROUNDS;) {
      const release = await client.acquire(key, LIMIT);
      if (!release) { refused++; continue; }
      granted++;
      round++;
      running++;
      peak = Math.max(peak, running);
      // Hold across NATS round trips so the others contend while this one runs.
      await observer.flush();
      await observer.flush();
      running--;
      release();
    }
  };
  try {
    await Promise.all(holders.flatMap(({ client }) => Array.from({ length: WORKERS }, () => worker(client))));
  } finally {
    for (const h of holders) await h[Symbol.asyncDispose]();
  }
  assert.equal(granted, 3 * WORKERS * ROUNDS, "every acquire eventually succeeded");
  assert.ok(peak <= LIMIT, `peak ${peak} exceeds ${LIMIT}`);
  assert.equal(peak, LIMIT, "the contention filled the limit (otherwise this test proves nothing)");
  assert.ok(refused > 0, "some acquires were refused while the limit was in use");
  await eventually(() => writes.length > 0 && writes.at(-1) === 0, { name: "stopped holders left the ledger" });
  watch.stop();
  await watching;
  assert.ok(writes.every((sum) => sum <= LIMIT), `a ledger revision claimed past ${LIMIT}: ${writes.join(",")}`);
  assert.deepEqual((await ledgerOf(kv, key))?.holders, {});
});

test("a holder that stops renewing (its connection gone) stops counting once its lease has passed", async () => {
  await using nats = await startNats();
  const key = concurrencyKeys.unreserved;
  const LEASE = 10_000;
  await using crashed = await holder(nats.url, "crashed", { leaseMs: LEASE });
  let skewMs = 0;
  await using other = await holder(nats.url, "other", { leaseMs: LEASE, now: () => Date.now() + skewMs });

  const held: (Release | undefined)[] = [await crashed.client.acquire(key, 2), await crashed.client.acquire(key, 2)];
  assert.ok(held.every((r) => r !== undefined), "the first holder took both slots");
  assert.equal(await other.client.acquire(key, 2), undefined, "refused while the first holder's claim is live");
  await crashed.nc.close();
  // The other holder's clock passes the lease without any renewal having been possible.
  assert.equal(await other.client.acquire(key, 2), undefined, "still refused before the lease passes");
  skewMs = LEASE + 1;
  const first = await other.client.acquire(key, 2);
  const second = await other.client.acquire(key, 2);
  assert.ok(first && second, "both slots came back");
  const ledger = await ledgerOf(await openConcurrencyBucket(other.nc), key);
  assert.deepEqual(Object.keys(ledger?.holders ?? {}), ["other"], "the expired holder was dropped with the next write");
  first();
  second();
});

test("renewal keeps a live holder's claim beyond its first lease; after its crash the slot comes back within the lease", async () => {
  await using nats = await startNats();
  await using observer = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(observer);
  const key = concurrencyKeys.reserved(randomName("renew"));
  const LEASE = 2_000;
  await using live = await holder(nats.url, "live", { leaseMs: LEASE, renewEveryMs: 200 });
  await using other = await holder(nats.url, "other");

  const release = await live.client.acquire(key, 1);
  assert.ok(release);
  const firstExpiry = (await ledgerOf(kv, key))?.holders.live?.expiresAt ?? 0;
  assert.ok(firstExpiry > 0);
  await eventually(async () => ((await ledgerOf(kv, key))?.holders.live?.expiresAt ?? 0) > firstExpiry + 2 * LEASE,
    { name: "the live holder renewed past two leases", timeoutMs: 30_000 });
  assert.equal(await other.client.acquire(key, 1), undefined, "a renewed claim still counts");

  await live.nc.close();
  const back = await eventually(async () => {
    const release = await other.client.acquire(key, 1);
    if (!release) throw new Error("refused");
    return release;
  }, { name: "the crashed holder's slot comes back", timeoutMs: 30_000, intervalMs: 100 });
  back();
});

test("steady traffic inside a claim writes nothing per invocation; the claim is given back once idle", async () => {
  await using nats = await startNats();
  await using observer = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(observer);
  const key = concurrencyKeys.reserved(randomName("steady"));
  await using h = await holder(nats.url, "steady", { lingerMs: 60_000, renewEveryMs: 30_000, leaseMs: 90_000 });

  (await h.client.acquire(key, 10))?.();
  const revision = (await kv.get(key))?.revision;
  for (let i = 0; i < 100; i++) {
    const release = await h.client.acquire(key, 10);
    assert.ok(release);
    release();
  }
  assert.equal((await kv.get(key))?.revision, revision, "100 invocations inside the claim wrote no revision");
  assert.deepEqual(h.client.held(key), { claimed: 1, inUse: 0 });
  await h.client.stop();
  assert.deepEqual((await ledgerOf(kv, key))?.holders, {}, "stop removes the holder");
});

test("a burst against a large limit claims a small batch, a small limit exactly; idle claims go back after the linger", async () => {
  await using nats = await startNats();
  await using observer = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(observer);
  const big = concurrencyKeys.reserved(randomName("big"));
  const small = concurrencyKeys.reserved(randomName("small"));
  await using h = await holder(nats.url, "burst", { lingerMs: 50, maxBatch: 8 });

  const a = await h.client.acquire(big, 1000);
  const b = await h.client.acquire(small, 4);
  assert.ok(a && b);
  assert.deepEqual(h.client.held(big), { claimed: 9, inUse: 1 }, "1 needed + a batch of 8");
  assert.deepEqual(h.client.held(small), { claimed: 1, inUse: 1 }, "no batch under a limit of 32");
  assert.equal((await ledgerOf(kv, big))?.holders.burst?.running, 9);
  a();
  b();
  await eventually(async () => (await ledgerOf(kv, big))?.holders.burst === undefined && (await ledgerOf(kv, small))?.holders.burst === undefined,
    { name: "idle claims removed from both ledgers" });
  assert.deepEqual(h.client.held(big), { claimed: 0, inUse: 0 });
});

test("a limit of 0 refuses without touching the ledger; a stopped holder's slots are free for the next", async () => {
  await using nats = await startNats();
  await using observer = await connect({ servers: nats.url });
  const kv = await openConcurrencyBucket(observer);
  const zero = concurrencyKeys.reserved(randomName("zero"));
  const key = concurrencyKeys.reserved(randomName("three"));
  await using first = await holder(nats.url, "first", { lingerMs: 60_000 });
  await using next = await holder(nats.url, "next");

  assert.equal(await first.client.acquire(zero, 0), undefined);
  assert.equal(await kv.get(zero), null, "a refusal at 0 writes nothing");

  const releases = [await first.client.acquire(key, 3), await first.client.acquire(key, 3), await first.client.acquire(key, 3)];
  assert.ok(releases.every((r) => r !== undefined));
  for (const r of releases) r?.();
  assert.equal(await next.client.acquire(key, 3), undefined, "the first holder still claims its lingering slots");
  await first.client.stop();
  const taken = [await next.client.acquire(key, 3), await next.client.acquire(key, 3), await next.client.acquire(key, 3)];
  assert.ok(taken.every((r) => r !== undefined), "all three slots are free after stop");
  assert.equal(await next.client.acquire(key, 3), undefined);
  for (const r of taken) r?.();
});

test("one holder far below the limit never refuses, however its invocations churn (no false 429 while a claim is being written)", async () => {
  await using nats = await startNats();
  const key = concurrencyKeys.unreserved;
  await using h = await holder(nats.url, "churn", { lingerMs: 5 });
  const LIMIT = 1000;
  const WORKERS = 64;
  const ROUNDS = 60;
  let refused = 0;
  let granted = 0;
  let running = 0;
  let peak = 0;
  const worker = async (w: number) => {
    for (let round = 0; round < ROUNDS; round++) {
      const release = await h.client.acquire(key, LIMIT);
      if (!release) { refused++; continue; }
      granted++;
      peak = Math.max(peak, ++running);
      // Invocations of different lengths, so releases and new acquires interleave with claim writes.
      if ((w + round) % 3 === 0) await new Promise<void>((r) => setImmediate(r));
      else if ((w + round) % 3 === 1) await new Promise<void>((r) => setTimeout(r, (w % 4) + 1));
      running--;
      release();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  assert.equal(refused, 0, `refused ${refused} of ${refused + granted} with at most ${peak} running against a limit of ${LIMIT}`);
  assert.equal(granted, WORKERS * ROUNDS);
});
