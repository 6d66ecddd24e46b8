/**
 * nats-server's own counters around a run, from its monitoring endpoint: messages in and out
 * (every publish, request, reply, ack, pull and log line counts) and JetStream API calls (stream
 * and consumer info, KV reads and writes go through the API or as stream publishes). Per event,
 * they show how much NATS traffic one invocation makes.
 */
export interface NatsCounters { inMsgs: number; outMsgs: number; jsApiCalls: number }
export interface NatsPerEvent { inMsgs: number; outMsgs: number; jsApiCalls: number }

export async function readNatsCounters(monitorUrl: string | undefined): Promise<NatsCounters | undefined> {
  if (monitorUrl === undefined) return undefined;
  try {
    const varz = (await (await fetch(`${monitorUrl}/varz`)).json()) as { in_msgs: number; out_msgs: number };
    const jsz = (await (await fetch(`${monitorUrl}/jsz`)).json()) as { api?: { total?: number } };
    return { inMsgs: varz.in_msgs, outMsgs: varz.out_msgs, jsApiCalls: jsz.api?.total ?? Number.NaN };
  } catch {
    return undefined;
  }
}

export function perEvent(before: NatsCounters | undefined, after: NatsCounters | undefined, events: number): NatsPerEvent | undefined {
  if (!before || !after || events <= 0) return undefined;
  return {
    inMsgs: (after.inMsgs - before.inMsgs) / events,
    outMsgs: (after.outMsgs - before.outMsgs) / events,
    jsApiCalls: (after.jsApiCalls - before.jsApiCalls) / events,
  };
}
