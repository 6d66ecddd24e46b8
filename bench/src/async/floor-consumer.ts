/**
 * The floor's consumer, a process of its own: a bare JetStream pull consumer that reads each
 * framed event (envelope line, payload), calls the handler in-process with the parsed JSON, checks
 * its answer and acks. No validation, resolving, sandbox, concurrency accounting or logs: what
 * draining these events costs with nothing of fnmesh in the way.
 *
 * Argument: a JSON `FloorConsumerRequest`. Prints `ready` once consuming, then one JSON
 * `FloorConsumerResult` line when every event has been handled or none arrived for `idleTimeoutMs`.
 */
import { pathToFileURL } from "node:url";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";

export interface FloorConsumerRequest {
  natsUrl: string; stream: string; durable: string; handlerPath: string; events: number; batch: number; idleTimeoutMs: number;
}

export interface FloorConsumerResult {
  completed: number; duplicates: number; wrongAnswers: number;
  /** Epoch ms when the last handler call returned; NaN when none did. */
  lastDoneMs: number;
  /** Handler start − acceptedAt per event, ms, in order handled. */
  delaysMs: number[];
  idle: boolean;
  /** CPU this process used from `ready` to the end. */
  cpuMs: number;
}

type Handler = (event: unknown) => Promise<unknown>;

const request = JSON.parse(process.argv[2] ?? "{}") as FloorConsumerRequest;
const { handler } = (await import(pathToFileURL(request.handlerPath).href)) as { handler: Handler };
const nc = await connect({ servers: request.natsUrl, noAsyncTraces: true });
const consumer = await jetstream(nc).consumers.get(request.stream, request.durable);
const messages = await consumer.consume({ max_messages: request.batch });

const seen = new Set<string>();
const delaysMs: number[] = [];
let duplicates = 0;
let wrongAnswers = 0;
let lastDoneMs = Number.NaN;
let lastProgress = Date.now();
let idle = false;
const decoder = new TextDecoder();
const timer = setInterval(() => {
  if (Date.now() - lastProgress > request.idleTimeoutMs) { idle = true; void messages.close(); }
}, 250);
const cpuAtReady = process.cpuUsage();
process.stdout.write("ready\n");

for await (const m of messages) {
  const data = m.data;
  const cut = data.indexOf(0x0a);
  const envelope = JSON.parse(decoder.decode(data.subarray(0, cut))) as { requestId: string; acceptedAt: number };
  const event = JSON.parse(decoder.decode(data.subarray(cut + 1))) as { n: number };
  const started = Date.now();
  const answer = (await handler(event)) as { ok?: unknown; n?: unknown } | undefined;
  m.ack();
  lastDoneMs = lastProgress = Date.now();
  if (answer?.ok !== true || answer.n !== event.n) wrongAnswers++;
  if (seen.has(envelope.requestId)) { duplicates++; continue; }
  seen.add(envelope.requestId);
  delaysMs.push(started - envelope.acceptedAt);
  if (seen.size >= request.events) break;
}
clearInterval(timer);
await nc.drain();
const usage = process.cpuUsage(cpuAtReady);
const result: FloorConsumerResult = {
  completed: seen.size, duplicates, wrongAnswers, lastDoneMs, delaysMs, idle, cpuMs: (usage.user + usage.system) / 1000,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
