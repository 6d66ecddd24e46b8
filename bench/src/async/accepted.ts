/**
 * Events/s accepted through the Lambda API: wrk replays one SigV4-signed `Invoke` with
 * `X-Amz-Invocation-Type: Event` (ingest stores each on JetStream before its 202) at a fixed
 * number of connections. A right answer is a 202; anything else is counted as wrong.
 */
import { runWrk, signInvoke, type WrkResult } from "../wrk.ts";
import type { Credentials } from "../stack.ts";

const WARMUP_S = 1;
const WARMUP_CONNECTIONS = 8;

export interface AcceptRun { warmup: WrkResult; run: WrkResult }

export async function measureAccepted(o: {
  endpoint: string; credentials: Credentials; functionName: string; connections: number; durationS: number;
  scriptPath: string; signal: AbortSignal;
}): Promise<AcceptRun> {
  const request = async () => ({
    ...(await signInvoke(o.endpoint, o.functionName, JSON.stringify({ n: 0 }), o.credentials, { "x-amz-invocation-type": "Event" })),
    expectStatus: 202,
  });
  const warmup = await runWrk({ request: await request(), connections: WARMUP_CONNECTIONS, durationS: WARMUP_S, scriptPath: o.scriptPath, signal: o.signal });
  const run = await runWrk({ request: await request(), connections: o.connections, durationS: o.durationS, scriptPath: o.scriptPath, signal: o.signal });
  return { warmup, run };
}

/** 202s wrk saw: every response but the wrong ones. */
export const acceptedCount = (w: WrkResult): number => w.requests - w.badResponses;
