/**
 * The scheduler on a real nats-server, with real executors as child processes
 * (`services/executor/src/main.ts`, as `make dev` runs them: services meet only on NATS, so the
 * scheduler's tests do not import the executor). Functions are published to FUNCTIONS_BUCKET the
 * way ingest publishes them; events are queued through the invoke client, as every caller does.
 * Functions count their runs on an HTTP recorder in this process, which nothing else can write.
 *
 * Logs (the scheduler's wide events, executors' output) sit in a capped buffer for failure messages:
 * `printLogsOnFailure(t, { scheduler: h })`; FNMESH_TEST_DEBUG=1 streams them.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { zipSync, strToU8 } from "fflate";
import { BUNDLE_FORMAT_VERSION, buildBundle, unpackZip } from "@fnmesh/bundle";
import { createInvokeClient, type InvokeClient } from "@fnmesh/invoke";
import {
  codeKeys, decodeJson, HealthReply, subjects, type EventInvokeConfig, type FunctionSpec, type InvokeRequestInput,
} from "@fnmesh/protocol";
import { openFunctionBucket } from "@fnmesh/registry-view";
import { openCodeStore } from "@fnmesh/service-kit";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, startNats, type NatsServer } from "@fnmesh/test-harness";
import { loadConfig } from "../src/config.ts";
import { startScheduler } from "../src/service.ts";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
const EXECUTOR_MAIN = fileURLToPath(new URL("../../executor/src/main.ts", import.meta.url));
const SCHEDULER_MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const LOG_LINES = 600;

/** Short waits so retries and throttles happen within a test; the defaults are Lambda's minutes. */
export const FAST = { FNMESH_ASYNC_RETRY_BASE_MS: "100", FNMESH_ASYNC_THROTTLE_RETRY_MS: "100", FNMESH_SCHEDULER_ACK_WAIT_MS: "3000" };

export type WideEvent = Record<string, unknown> & { msg: string };

/** Counts hits per key and keeps request bodies, for functions to report to. */
export interface Recorder {
  /** `http://127.0.0.1:<port>`; functions GET `/hit?key=K` (the reply is K's count so far) or POST `/body?key=K`. */
  readonly url: string;
  readonly hostPort: string;
  hits(key: string): number;
  bodies(key: string): unknown[];
  /** Keys hit at least once, with their counts. */
  allHits(): ReadonlyMap<string, number>;
  /** While closed, GET `/gate` does not answer: functions calling it stay mid-run. Open by default. */
  closeGate(): void;
  openGate(): void;
}

export interface Child { readonly pid: number; kill(signal: NodeJS.Signals): void; stop(): Promise<void>; readonly exited: Promise<void> }

export interface SchedulerHarness extends AsyncDisposable {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  invoker: InvokeClient;
  recorder: Recorder;
  /** The in-process scheduler's log events (wide events included), parsed. */
  events: WideEvent[];
  /** "async event" wide events of a request id. */
  outcomes(requestId: string): WideEvent[];
  /** Bundles the source (index.mjs, index.handler), stores it and returns a spec with a fresh name. */
  deploy(source: string, overrides?: Partial<FunctionSpec>): Promise<FunctionSpec>;
  /** Publishes the function's view to FUNCTIONS_BUCKET (as ingest does), with its async settings. */
  publish(fn: FunctionSpec, eventInvokeConfig?: EventInvokeConfig): Promise<number>;
  /** Queues an Event invocation through the invoke client; returns its request. */
  enqueue(fn: string, event: unknown, extra?: Partial<Omit<InvokeRequestInput, "invocationType">>): Promise<InvokeRequestInput & { requestId: string }>;
  /** A function ARN in the harness's region and account. */
  arn(name: string): string;
  natsArn(kind: "nats" | "jetstream", subject: string): string;
  /** Starts another executor process. */
  spawnExecutor(env?: Record<string, string>): Promise<Child>;
  /** Starts a scheduler process (beside the in-process one, when there is one). */
  spawnScheduler(env?: Record<string, string>): Promise<Child>;
  logs(): string;
}

export interface HarnessOptions {
  /** Variables for the in-process scheduler (FAST by default). */
  schedulerEnv?: Record<string, string>;
  /** No in-process scheduler: the test spawns scheduler processes itself. */
  inProcessScheduler?: boolean;
  /** Executor processes to start (default 1). */
  executors?: number;
}

async function startRecorder(): Promise<Recorder & { close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const bodies = new Map<string, unknown[]>();
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://recorder");
    const key = url.searchParams.get("key") ?? "";
    if (url.pathname === "/gate") {
      void (gate ?? Promise.resolve()).then(() => res.end("open"));
      return;
    }
    if (url.pathname === "/hit") {
      const n = (hits.get(key) ?? 0) + 1;
      hits.set(key, n);
      res.end(String(n));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const list = bodies.get(key) ?? [];
      list.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
      bodies.set(key, list);
      res.end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}`,
    hits: (key) => hits.get(key) ?? 0,
    bodies: (key) => bodies.get(key) ?? [],
    allHits: () => hits,
    closeGate() { gate ??= new Promise<void>((r) => { open = r; }); },
    openGate() { open?.(); gate = undefined; },
    async close() { server.closeAllConnections(); server.close(); await once(server, "close").catch(() => undefined); },
  };
}

function spawnService(main: string, env: Record<string, string>, label: string, keep: (line: string) => void): Child {
  const child: ChildProcess = spawn(process.execPath, ["--no-node-snapshot", main], {
    env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => keep(`[${label}] ${c.toString()}`));
  child.stderr?.on("data", (c: Buffer) => keep(`[${label}] ${c.toString()}`));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    pid: child.pid ?? -1,
    exited,
    kill: (signal) => { child.kill(signal); },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Waits until at least `count` instances of a service answer their health request as ready. */
export async function servicesReady(nc: NatsConnection, service: "executor" | "scheduler", count = 1): Promise<void> {
  await eventually(async () => {
    const replies: boolean[] = [];
    for await (const m of await nc.requestMany(subjects.health(service), undefined, { maxWait: 500 })) {
      if (m.data.length > 0) replies.push(decodeJson(HealthReply, m.data, "health").ready);
    }
    assert.ok(replies.filter(Boolean).length >= count, `${replies.filter(Boolean).length} ${service}(s) ready, want ${count}`);
  }, { name: `${count} ${service}(s) ready`, timeoutMs: 60_000 });
}

export async function startSchedulerHarness(options: HarnessOptions = {}): Promise<SchedulerHarness> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const debug = process.env.FNMESH_TEST_DEBUG === "1";
  const lines: string[] = [];
  const keep = (line: string) => { lines.push(line); if (lines.length > LOG_LINES) lines.shift(); if (debug) process.stderr.write(line); };
  const events: WideEvent[] = [];
  try {
    const nats: NatsServer = await startNats();
    cleanups.push(() => nats.stop());
    const recorder = await startRecorder();
    cleanups.push(() => recorder.close());
    const nc = await connect({ servers: nats.url, name: "scheduler-test" });
    cleanups.push(() => nc.close());

    const children = new Set<Child>();
    cleanups.push(async () => { for (const c of children) await c.stop(); });
    let executors = 0;
    const spawnExecutor = async (env: Record<string, string> = {}) => {
      const child = spawnService(EXECUTOR_MAIN, {
        NATS_URL: nats.url, FNMESH_EXECUTOR_ID: `test-executor-${++executors}`, FNMESH_LOG_LEVEL: debug ? "debug" : "warn",
        FNMESH_EGRESS_ALLOW: recorder.hostPort, ...env,
      }, `executor-${executors}`, keep);
      children.add(child);
      return child;
    };
    let schedulers = 0;
    const spawnScheduler = async (env: Record<string, string> = {}) => {
      const child = spawnService(SCHEDULER_MAIN, { NATS_URL: nats.url, FNMESH_LOG_LEVEL: "info", ...FAST, ...env }, `scheduler-${++schedulers}`, keep);
      children.add(child);
      return child;
    };

    for (let i = 0; i < (options.executors ?? 1); i++) await spawnExecutor();
    if (options.executors !== 0) await servicesReady(nc, "executor", options.executors ?? 1);
    if (options.inProcessScheduler !== false) {
      const scheduler = await startScheduler({
        nc: await connect({ servers: nats.url, name: "scheduler" }).then((c) => { cleanups.push(() => c.close()); return c; }),
        config: loadConfig({ NATS_URL: nats.url, ...FAST, ...options.schedulerEnv }),
        log: createLogger({ service: "scheduler", write: (line) => { keep(line); events.push(JSON.parse(line) as WideEvent); } }),
      });
      cleanups.push(() => scheduler.stop());
    }

    const store = await openCodeStore(nc);
    const kv = await openFunctionBucket(nc);
    const js = jetstream(nc);
    const invoker = createInvokeClient(nc, js);
    const arn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    return {
      nc, js, jsm: await jetstreamManager(nc), invoker, recorder, events,
      outcomes: (requestId) => events.filter((e) => e.msg === "async event" && e.requestId === requestId),
      async deploy(source, overrides = {}) {
        const built = await buildBundle({ files: unpackZip(zipSync({ "index.mjs": strToU8(source) })), handler: "index.handler" });
        assert.ok(built.ok, built.ok ? "" : built.errorMessage);
        await store.putBlob({ name: codeKeys.bundle(built.sha256) }, new TextEncoder().encode(built.code));
        const name = overrides.name ?? `fn-${randomUUID().slice(0, 8)}`;
        return {
          name, arn: arn(name), version: "$LATEST", revisionId: randomUUID(), runtime: "nodejs22.x", handler: "index.handler",
          memoryMb: 128, timeoutSec: 10, env: {}, codeSha256: "unused=",
          code: { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION },
          ...overrides,
        };
      },
      async publish(fn, eventInvokeConfig) {
        const view = { v: 1, name: fn.name, revisionId: fn.revisionId, state: "Active", spec: fn, ...(eventInvokeConfig ? { eventInvokeConfig } : {}) };
        return kv.put(fn.name, JSON.stringify(view));
      },
      async enqueue(fn, event, extra = {}) {
        const request = {
          v: 2 as const, requestId: randomUUID(), logType: "None" as const, function: fn,
          source: { kind: "api" as const }, attempt: 1, acceptedAt: Date.now(), ...extra, invocationType: "Event" as const,
        };
        await invoker.enqueue(request, new TextEncoder().encode(JSON.stringify(event)));
        return request;
      },
      arn,
      natsArn: (kind, subject) => `arn:fnmesh:${kind}:${REGION}:${ACCOUNT}:subject/${subject}`,
      spawnExecutor,
      spawnScheduler,
      logs: () => lines.join(""),
      async [Symbol.asyncDispose]() {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw new Error(`the scheduler harness did not start: ${(err as Error).message}\n${lines.join("")}`, { cause: err });
  }
}

/** A handler that reports each run to the recorder under `key` and fails its first `failures` runs. */
export function countingHandler(recorder: Recorder, key: string, failures: number): string {
  return `export const handler = async (event) => {
    const n = Number(await (await fetch(${JSON.stringify(`${recorder.url}/hit?key=${encodeURIComponent(key)}`)})).text());
    if (n <= ${failures}) throw new Error("failing run " + n);
    return { ran: n, got: event };
  };`;
}
