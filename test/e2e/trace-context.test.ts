/**
 * One trace and one request id end to end through the async path: a client's W3C `traceparent`
 * on an `Event` Invoke (sent by the SDK, signed like any header) reaches every hop that follows —
 * the event stored on `fnmesh.async.<fn>` (its Nats-Msg-Id the 202's request id), the scheduler's
 * call on `fnmesh.invoke.<fn>`, the OnSuccess destination function's own event and call — each hop
 * a new span of the same trace. Observed by plain NATS subscriptions beside the mesh's own (a core
 * subscriber sees every message on a subject, JetStream publishes and queue-group requests alike).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PutFunctionEventInvokeConfigCommand } from "@aws-sdk/client-lambda";
import type { Msg } from "@nats-io/transport-node";
import { Header, subjects } from "@fnmesh/protocol";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

let stack: Stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

interface Seen { subject: string; traceparent: string | undefined; msgId: string | undefined; requestId: string | undefined }

async function create(name: string): Promise<string> {
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async (event) => ({ seen: event });" }) },
  }));
  return (await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.FunctionArn ?? "";
}

/** W3C traceparent: version-traceid-parentid-flags (www.w3.org/TR/trace-context, "traceparent Header"). */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

test("a client's traceparent on an Event Invoke reaches the stored event, the scheduler's call and the destination's hops, as one trace", async (t) => {
  const fn = randomName("traced").replace(/_/g, "-");
  const dest = randomName("traced_dest").replace(/_/g, "-");
  const destArn = await create(dest);
  await create(fn);
  await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: destArn } } }));

  const seen: Seen[] = [];
  const watch = [subjects.async(fn), subjects.invoke(fn), subjects.async(dest), subjects.invoke(dest)];
  const subs = watch.map((subject) => stack.nc.subscribe(subject, {
    callback: (_e, m: Msg) => {
      seen.push({
        subject, traceparent: m.headers?.get(Header.TraceParent) || undefined,
        msgId: m.headers?.get(Header.MsgId) || undefined, requestId: m.headers?.get(Header.RequestId) || undefined,
      });
    },
  }));
  t.after(() => { for (const s of subs) s.unsubscribe(); });
  await stack.nc.flush();

  const traceId = randomBytes(16).toString("hex");
  const clientSpan = randomBytes(8).toString("hex");
  stack.lambda.middlewareStack.add((next) => (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers.traceparent = `00-${traceId}-${clientSpan}-01`;
    return next(args);
  }, { step: "build", name: "traceparentForThisTest" });
  t.after(() => stack.lambda.middlewareStack.remove("traceparentForThisTest"));

  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: "Event", Payload: JSON.stringify({ n: 1 }) }));
  assert.equal(out.StatusCode, 202);
  const requestId = out.$metadata.requestId;
  assert.ok(requestId);

  await eventually(() => watch.every((subject) => seen.some((s) => s.subject === subject)),
    { name: "the event, its call, the destination's event and its call were seen", timeoutMs: 60_000 });

  const spans = new Set<string>();
  for (const subject of watch) {
    const hop = seen.find((s) => s.subject === subject);
    const m = TRACEPARENT.exec(hop?.traceparent ?? "");
    assert.ok(m, `${subject} carries a W3C traceparent (got ${hop?.traceparent})`);
    assert.equal(m[1], traceId, `${subject} is in the client's trace`);
    spans.add(m[2] ?? "");
  }
  assert.ok(!spans.has(clientSpan), "each hop is a span of fnmesh's, under the client's");

  const stored = seen.find((s) => s.subject === subjects.async(fn));
  assert.equal(stored?.msgId, requestId, "the stored event's message id is the 202's request id");
  assert.equal(stored?.requestId, requestId);
  assert.equal(seen.find((s) => s.subject === subjects.invoke(fn))?.requestId, requestId, "the scheduler's call keeps the request id");
});
