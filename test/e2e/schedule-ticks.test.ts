/**
 * Schedules fire exactly once per tick with several scheduler replicas: two scheduler processes
 * (children, so the leader can be killed with SIGKILL) and the in-process mesh's own scheduler
 * share a lease in SCHEDULER_BUCKET. A rate(2 seconds) schedule (fnmesh's seconds extension, so
 * ticks come fast) and a cron(* * * * ? *) schedule target a function that reports each run to an
 * HTTP recorder outside NATS with its request id. Each tick's request id is derived from the
 * schedule and the tick (services/scheduler/src/ticks/tick-event.ts), so the test knows every id
 * that must arrive: every rate tick from creation to the last one seen, with no gap across the
 * leader's death and none twice. The cron sequence itself is covered on an injected clock in
 * tick-planner.test.ts (minute resolution would make this test long); here two consecutive cron
 * ticks (two minute boundaries, so up to two minutes of waiting) must each arrive exactly once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { ASYNC_CONSUMER, ASYNC_STREAM, SCHEDULER_BUCKET, scheduleKeys } from "@fnmesh/protocol";
import { eventually, randomName, startNats, type NatsServer } from "@fnmesh/test-harness";
import { tickRequestId } from "../../services/scheduler/src/ticks/tick-event.ts";
import { CREDENTIALS, startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const MAIN = fileURLToPath(new URL("../../services/scheduler/src/main.ts", import.meta.url));
const LEASE_ENV = { FNMESH_SCHEDULER_LEASE_MS: "1500", FNMESH_SCHEDULER_RENEW_MS: "300", FNMESH_SCHEDULER_TICK_MS: "200" };
const RATE_MS = 2_000;

interface Child { id: string; proc: ChildProcess; log: string[]; exited: Promise<unknown> }

let nats: NatsServer;
let stack: Stack;
let recorder: Server;
const runs = new Map<string, number>();
const children: Child[] = [];

function spawnScheduler(id: string): Child {
  const proc = spawn(process.execPath, ["--no-node-snapshot", MAIN], {
    env: { PATH: process.env.PATH ?? "", NATS_URL: nats.url, FNMESH_SCHEDULER_ID: id, FNMESH_LOG_LEVEL: "info", ...LEASE_ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  const keep = (b: Buffer) => { log.push(b.toString()); if (log.length > 400) log.shift(); };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return { id, proc, log, exited: once(proc, "exit") };
}

async function leaseHolder(): Promise<string | undefined> {
  try {
    const kv = await new Kvm(stack.nc).open(SCHEDULER_BUCKET);
    const e = await kv.get(scheduleKeys.lease);
    if (!e || e.operation !== "PUT") return undefined;
    const v = e.json<{ holder: string; expiresAt: number }>();
    return v.expiresAt > Date.now() ? v.holder : undefined;
  } catch {
    return undefined;
  }
}

before(async () => {
  recorder = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => { body += c.toString(); });
    req.on("end", () => {
      const { requestId } = JSON.parse(body) as { requestId: string };
      runs.set(requestId, (runs.get(requestId) ?? 0) + 1);
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  nats = await startNats();
  children.push(spawnScheduler("tick-child-1"), spawnScheduler("tick-child-2"));
  // A child must lead first, so killing "the leader" kills a process. The probe keeps reconnecting
  // (nats.js gives up after 10 tries by default), so a server blip shows as itself, not as a closed client.
  const probe = await connect({ servers: nats.url, maxReconnectAttempts: -1 });
  try {
    await eventually(async () => {
      const kv = await new Kvm(probe).open(SCHEDULER_BUCKET).catch(() => undefined);
      const e = await kv?.get(scheduleKeys.lease);
      return e?.operation === "PUT" && e.json<{ holder: string }>().holder.startsWith("tick-child-");
    }, { name: "a child scheduler holds the lease", timeoutMs: 60_000 });
  } catch (err) {
    // The test's own after-hook never runs when setup fails: say here what the processes said.
    for (const c of children) process.stderr.write(`\n----- ${c.id} (exit ${c.proc.exitCode ?? c.proc.signalCode ?? "running"}) -----\n${c.log.join("")}\n`);
    process.stderr.write(`\n----- nats-server -----\n${nats.logs()}\n`);
    throw err;
  } finally {
    await probe.close();
  }
  const port = (recorder.address() as AddressInfo).port;
  stack = await startStack({ nats, env: { ...LEASE_ENV, FNMESH_SCHEDULER_ID: "stack-scheduler" }, executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}` } });
});

after(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) { c.proc.kill("SIGTERM"); await c.exited; }
  await stack?.[Symbol.asyncDispose]();
  await nats?.stop();
  recorder?.closeAllConnections();
  recorder?.close();
});

test("two scheduler processes and the mesh's: each rate and cron tick runs exactly once, through a kill -9 of the leader", async (t) => {
  t.after(() => {
    if ((t as { readonly passed?: boolean }).passed === true) return;
    for (const c of children) process.stderr.write(`\n----- ${c.id} -----\n${c.log.join("")}\n`);
  });
  const port = (recorder.address() as AddressInfo).port;
  const fn = randomName("ticked").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: fn, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event, context) => {
      await fetch("http://127.0.0.1:${port}/", { method: "POST", body: JSON.stringify({ requestId: context.awsRequestId, event }) });
      return "ok";
    };` }) },
  }));
  const scheduler = new SchedulerClient({ endpoint: stack.endpoint, region: stack.region, credentials: CREDENTIALS, maxAttempts: 3 });
  t.after(() => scheduler.destroy());
  const target = { Arn: `arn:aws:lambda:${stack.region}:000000000000:function:${fn}`, RoleArn: "arn:aws:iam::000000000000:role/scheduler" };
  const cronName = `${fn}-cron`;
  const rateName = `${fn}-rate`;
  await scheduler.send(new CreateScheduleCommand({ Name: cronName, ScheduleExpression: "cron(* * * * ? *)", FlexibleTimeWindow: { Mode: "OFF" },
    Target: { ...target, Input: JSON.stringify({ kind: "cron" }) } }));
  await scheduler.send(new CreateScheduleCommand({ Name: rateName, ScheduleExpression: `rate(${RATE_MS / 1000} seconds)`, FlexibleTimeWindow: { Mode: "OFF" }, Target: target }));
  const [cron, rate] = await Promise.all([cronName, rateName].map((n) => scheduler.send(new GetScheduleCommand({ Name: n }))));
  const createdAt = (d: Date | undefined) => d?.getTime() ?? 0;
  const rateId = (k: number) => tickRequestId(rate?.Arn ?? "", createdAt(rate?.CreationDate), createdAt(rate?.CreationDate) + k * RATE_MS);
  const cronCreated = createdAt(cron?.CreationDate);
  const firstMinute = Math.floor(cronCreated / 60_000) * 60_000 + 60_000;
  const cronId = (k: number) => tickRequestId(cron?.Arn ?? "", cronCreated, firstMinute + k * 60_000);
  const rateTicksSeen = () => { let k = 0; while (runs.has(rateId(k))) k++; return k; };

  await eventually(() => rateTicksSeen() >= 3, { name: "three rate ticks ran", timeoutMs: 60_000 });
  const leader = await leaseHolder();
  const victim = children.find((c) => c.id === leader);
  assert.ok(victim, `the leader (${leader}) is a child process`);
  victim.proc.kill("SIGKILL");
  await victim.exited;
  const atKill = rateTicksSeen();
  await eventually(async () => { const h = await leaseHolder(); return h !== undefined && h !== leader; }, { name: "another replica took the lease", timeoutMs: 30_000 });
  await eventually(() => rateTicksSeen() >= atKill + 3 && runs.has(cronId(1)), { name: "three more rate ticks and two cron ticks ran", timeoutMs: 200_000 });

  await scheduler.send(new DeleteScheduleCommand({ Name: rateName }));
  await scheduler.send(new DeleteScheduleCommand({ Name: cronName }));
  // Whatever was queued before the deletes runs; then nothing more arrives.
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => {
    const ci = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
    return ci.num_pending === 0 && ci.num_ack_pending === 0;
  }, { name: "the async queue drained", timeoutMs: 60_000 });
  const rateTicks = rateTicksSeen();
  const cronTicks = (() => { let k = 0; while (runs.has(cronId(k))) k++; return k; })();
  const expected = new Map<string, number>();
  for (let k = 0; k < rateTicks; k++) expected.set(rateId(k), 1);
  for (let k = 0; k < cronTicks; k++) expected.set(cronId(k), 1);
  // Every run is an expected tick (no gap: rateTicksSeen stops at the first missing one), each once.
  assert.deepEqual(new Map([...runs].sort()), new Map([...expected].sort()));
  assert.ok(rateTicks >= atKill + 3 && cronTicks >= 2);
});
