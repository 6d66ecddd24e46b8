/**
 * The floor: the same events through a bare JetStream consumer on the same nats-server — a stream
 * of the bench's own (configured as fnmesh's async stream is: file storage, work queue,
 * de-duplication window; consumer with the scheduler's ack wait and max ack pending), drained by
 * floor-consumer.ts in one Node process that calls the handler in-process. Published exactly as
 * fnmesh's events are (framed InvokeRequest, request id as message id and header).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { catalog, consumers, encodeFramed, Header, streams } from "@fnmesh/protocol";
import type { FloorConsumerRequest, FloorConsumerResult } from "./floor-consumer.ts";
import { eventRequest, publishAll, type BenchEvent, type PublishRun } from "./publish.ts";

const CONSUMER = resolve(import.meta.dirname, "floor-consumer.ts");
const SEC_NS = 1e9;
const CHILD_START_TIMEOUT_MS = 30_000;

export interface FloorOptions {
  nc: NatsConnection;
  natsUrl: string;
  /** Unique per run: names the stream, its subjects and the consumer. */
  tag: string;
  functionName: string;
  handlerPath: string;
  events: readonly BenchEvent[];
  publishWindow: number;
  batch: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
  /** Called once the consumer is ready, right before publishing (to read CPU counters). */
  beforePublish?: () => void;
  /** Awaited before `beforePublish` (e.g. reading nats-server's counters over HTTP). */
  beforePublishAsync?: () => Promise<void>;
}

export interface FloorRun { publish: PublishRun & { failed: number }; consumer: FloorConsumerResult; cpuMs: number }

export async function runFloor(o: FloorOptions): Promise<FloorRun> {
  const stream = `BENCH_FLOOR_${o.tag.replace(/[^A-Za-z0-9]/g, "_")}`;
  const subjectPrefix = `bench.floor.${o.tag}`;
  const durable = "bench-floor";
  const jsm = await jetstreamManager(o.nc);
  const def = streams.async;
  await jsm.streams.add({
    name: stream, subjects: [`${subjectPrefix}.>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File,
    max_age: def.maxAgeSec * SEC_NS, max_msg_size: def.maxMsgBytes, duplicate_window: def.duplicateWindowSec * SEC_NS, num_replicas: 1,
  });
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: `${subjectPrefix}.>`,
      ack_wait: consumers.asyncScheduler.ackWaitSec * SEC_NS, max_ack_pending: consumers.asyncScheduler.maxAckPending,
    });
    const request: FloorConsumerRequest = {
      natsUrl: o.natsUrl, stream, durable, handlerPath: o.handlerPath, events: o.events.length, batch: o.batch, idleTimeoutMs: o.idleTimeoutMs,
    };
    const child = spawn(process.execPath, [CONSUMER, JSON.stringify(request)], { stdio: ["ignore", "pipe", "pipe"], signal: o.signal, killSignal: "SIGKILL" });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
    const exited = new Promise<number | string>((done, fail) => {
      child.once("error", fail);
      child.once("close", (code, sig) => done(sig ?? code ?? -1));
    });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`floor consumer not ready within ${CHILD_START_TIMEOUT_MS} ms: ${err}`)), CHILD_START_TIMEOUT_MS);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.startsWith("ready\n")) { clearTimeout(timer); done(); }
      });
      void exited.then((how) => { clearTimeout(timer); fail(new Error(`floor consumer exited (${how}) before it was ready: ${err}`)); });
    });

    await o.beforePublishAsync?.();
    o.beforePublish?.();
    const js = jetstream(o.nc);
    const subject = `${subjectPrefix}.${o.functionName}`;
    const publish = await publishAll(o.events, o.publishWindow, (event) => {
      const h = natsHeaders();
      h.set(Header.RequestId, event.requestId);
      return js.publish(subject, encodeFramed(catalog.asyncInvoke.message, eventRequest(o.functionName, event), event.payload), {
        msgID: event.requestId, headers: h,
      });
    });
    const how = await exited;
    const last = out.trim().split("\n").at(-1) ?? "";
    if (how !== 0) throw new Error(`floor consumer failed (${how}): ${err.trim().slice(0, 2000)}`);
    const consumer = JSON.parse(last) as FloorConsumerResult;
    return { publish, consumer, cpuMs: consumer.cpuMs };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
  }
}
