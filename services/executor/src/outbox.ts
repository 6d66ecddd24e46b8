/**
 * Everything an executor sends about invocations — log lines and replies — leaves once per turn of
 * its event loop. nats.js writes to the socket once per microtask turn of publishes, and each
 * invocation ends in its own turn (its isolate's promise settles on its own), so a busy executor
 * paid a socket write, and nats-server and every log subscriber a message, per line and per reply:
 * the executor's largest cost under load. Queued here and sent from one `setImmediate`, the lines
 * of every invocation of a function written in that turn travel as one LogBatch, and the replies
 * with them in the same write. Lines go before replies, so a caller that has its answer can already
 * have seen the lines; each line keeps its own request id and time, in order.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { catalog, encodeJson, type LogEvent } from "@fnmesh/protocol";

/** Where an invocation's lines go. */
export interface LogSink {
  log(functionName: string, event: LogEvent): void;
}

export interface Outbox extends LogSink {
  /** Answers `msg` with `data` after the lines queued so far. */
  reply(msg: Msg, data: Uint8Array): void;
  /** Sends what is queued now. */
  flush(): void;
}

/** A LogBatch stays well under NATS's max_payload (1 MiB by default) whatever its lines. */
const MAX_BATCH_CHARS = 256 * 1024;
/** Per line, beyond the line itself: the JSON of its other fields. */
const LINE_OVERHEAD_CHARS = 160;

export function createOutbox(nc: NatsConnection): Outbox {
  let lines = new Map<string, LogEvent[]>();
  let replies: { msg: Msg; data: Uint8Array }[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const publishLines = (functionName: string, events: LogEvent[]) => {
    const subject = catalog.logs.subject(functionName);
    let from = 0;
    let chars = 0;
    for (let i = 0; i < events.length; i++) {
      const size = (events[i]?.line.length ?? 0) + LINE_OVERHEAD_CHARS;
      if (i > from && chars + size > MAX_BATCH_CHARS) {
        nc.publish(subject, encodeJson(catalog.logs.message, { v: 2, function: functionName, events: events.slice(from, i) }));
        from = i;
        chars = 0;
      }
      chars += size;
    }
    nc.publish(subject, encodeJson(catalog.logs.message, { v: 2, function: functionName, events: from === 0 ? events : events.slice(from) }));
  };

  const flush = () => {
    if (scheduled !== undefined) { clearImmediate(scheduled); scheduled = undefined; }
    const outLines = lines;
    const outReplies = replies;
    lines = new Map();
    replies = [];
    for (const [functionName, events] of outLines) publishLines(functionName, events);
    for (const { msg, data } of outReplies) {
      // The asker may be gone (its connection closed); nothing else is affected.
      try { msg.respond(data); } catch { /* see above */ }
    }
  };
  const schedule = () => { scheduled ??= setImmediate(flush); };

  return {
    log(functionName, event) {
      const queued = lines.get(functionName);
      if (queued) queued.push(event);
      else lines.set(functionName, [event]);
      schedule();
    },
    reply(msg, data) {
      replies.push({ msg, data });
      schedule();
    },
    flush,
  };
}
