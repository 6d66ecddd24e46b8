// Per-call limits against loopback servers: response size, time, and the caller's abort signal.
// Where a test is about the phase a limit strikes in, it waits for that phase (a request the
// server saw, response headers undici received) and then moves the time limit's mock clock or
// aborts, so the phase never depends on how fast the machine is.
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import zlib from "node:zlib";
import { createEgressFetcher } from "./egress-fetcher.ts";
import { callOptions, rejectsWith, replyWith, request, startServer, text } from "./test-support.ts";
import { EgressErrorCode } from "./types.ts";

const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });

/**
 * Resolves when undici has the response headers of a request to `origin`, from its documented
 * `undici:request:headers` diagnostics channel.
 */
function responseHeadersFrom(origin: string): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const onHeaders = (message: unknown) => {
    const origin_ = (message as { request?: { origin?: unknown } }).request?.origin;
    if (String(origin_) !== origin) return;
    diagnostics.unsubscribe("undici:request:headers", onHeaders);
    resolve();
  };
  diagnostics.subscribe("undici:request:headers", onHeaders);
  return promise;
}

/** Waits for `condition`, failing at once if the fetch settles first. */
async function whilePending(pending: Promise<unknown>, condition: Promise<void>, what: string): Promise<void> {
  await Promise.race([condition, pending.then((value) => assert.fail(`settled before ${what}: ${String(value)}`), (err: unknown) => assert.fail(`settled before ${what}: ${String(err)}`))]);
}

/** Streams chunks (no content-length) until `total` bytes are sent or the client goes away. */
function streamBytes(res: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  res.writeHead(200, { "content-type": "application/octet-stream" });
  pump();
}

test("a streamed body past maxResponseBytes is cut off", async () => {
  await using server = await startServer((_req, res) => streamBytes(res, 64 * 1024 * 1024));
  await rejectsWith(
    fetcher.fetch(request(`${server.origin}/big`), callOptions({ maxResponseBytes: 100_000 })),
    EgressErrorCode.TooLarge,
    new RegExp(`^egress_response_too_large: response from ${server.origin}/big exceeded 100000 bytes$`),
  );
});

test("a body of exactly maxResponseBytes is fine", async () => {
  await using server = await startServer((_req, res) => res.end(Buffer.alloc(1000, 0x62)));
  const response = await fetcher.fetch(request(server.origin), callOptions({ maxResponseBytes: 1000 }));
  assert.equal(response.body.byteLength, 1000);
});

test("a larger Content-Length is refused before the body arrives", async () => {
  // Headers only, then silence: waiting for the body would end in a timeout, not TooLarge.
  await using server = await startServer((_req, res) => {
    res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
    res.flushHeaders();
  });
  await rejectsWith(fetcher.fetch(request(server.origin), callOptions({ maxResponseBytes: 1024 * 1024 })), EgressErrorCode.TooLarge);
});

test("the limit applies to decoded bytes (a gzip bomb is cut off)", async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024));
  await using server = await startServer(replyWith(200, { "content-encoding": "gzip", "content-length": String(bomb.length) }, bomb));
  assert.ok(bomb.length < 1024 * 1024);
  await rejectsWith(fetcher.fetch(request(server.origin), callOptions({ maxResponseBytes: 1024 * 1024 })), EgressErrorCode.TooLarge);
});

test("a server that never answers hits the time limit", async () => {
  await using server = await startServer(() => {});
  await rejectsWith(
    fetcher.fetch(request(`${server.origin}/slow`), callOptions({ timeoutMs: 200 })),
    EgressErrorCode.Timeout,
    new RegExp(`^egress_timeout: fetch to ${server.origin}/slow did not complete within 200 ms$`),
  );
});

test("the time limit covers reading the body", async (t) => {
  await using server = await startServer((_req, res) => {
    res.writeHead(200);
    res.write("partial");
  });
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const headers = responseHeadersFrom(server.origin);
  const pending = fetcher.fetch(request(server.origin), callOptions({ timeoutMs: 200 }));
  await whilePending(pending, headers, "the response headers arrived");
  t.mock.timers.tick(200);
  await rejectsWith(pending, EgressErrorCode.Timeout, new RegExp(`^egress_timeout: fetch to ${server.origin}/ did not complete within 200 ms$`));
});

test("the time limit covers redirects", async (t) => {
  const hanging = Promise.withResolvers<void>();
  await using server = await startServer((req, res) => {
    if (req.url === "/") res.writeHead(302, { location: "/hang" }).end();
    else hanging.resolve();
  });
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const pending = fetcher.fetch(request(server.origin), callOptions({ timeoutMs: 200 }));
  await whilePending(pending, hanging.promise, "the redirect was followed");
  t.mock.timers.tick(200);
  await rejectsWith(pending, EgressErrorCode.Timeout, new RegExp(`^egress_timeout: fetch to ${server.origin}/hang did not complete within 200 ms$`));
});

test("the time limit covers a slow lookup", async () => {
  const slow = createEgressFetcher({ allow: ["slow.test"], lookup: () => new Promise(() => {}) });
  await rejectsWith(slow.fetch(request("http://slow.test/"), callOptions({ timeoutMs: 100 })), EgressErrorCode.Timeout);
});

test("a zero time budget times out at once", async () => {
  await using server = await startServer(replyWith(200));
  await rejectsWith(fetcher.fetch(request(server.origin), callOptions({ timeoutMs: 0 })), EgressErrorCode.Timeout);
  assert.equal(server.requests.length, 0);
});

test("aborting the caller's signal while the server holds the request rejects with egress_aborted", async () => {
  const received = Promise.withResolvers<void>();
  await using server = await startServer(() => received.resolve());
  const controller = new AbortController();
  const pending = fetcher.fetch(request(`${server.origin}/wait`), callOptions({ signal: controller.signal }));
  await whilePending(pending, received.promise, "the server had the request");
  controller.abort();
  await rejectsWith(pending, EgressErrorCode.Aborted, new RegExp(`^egress_aborted: fetch to ${server.origin}/wait was aborted$`));
});

test("an already aborted signal sends nothing", async () => {
  await using server = await startServer(replyWith(200));
  await rejectsWith(fetcher.fetch(request(server.origin), callOptions({ signal: AbortSignal.abort() })), EgressErrorCode.Aborted);
  assert.equal(server.requests.length, 0);
});

test("aborting while the body streams rejects with egress_aborted", async () => {
  await using server = await startServer((_req, res) => {
    res.writeHead(200);
    res.write("first part");
  });
  const controller = new AbortController();
  const headers = responseHeadersFrom(server.origin);
  const pending = fetcher.fetch(request(server.origin), callOptions({ signal: controller.signal }));
  await whilePending(pending, headers, "the response headers arrived");
  controller.abort();
  await rejectsWith(pending, EgressErrorCode.Aborted, new RegExp(`^egress_aborted: fetch to ${server.origin}/ was aborted$`));
});

test("the fetcher keeps working after limits were hit", async () => {
  await using big = await startServer((_req, res) => streamBytes(res, 64 * 1024 * 1024));
  await using silent = await startServer(() => {});
  await using fine = await startServer(replyWith(200, {}, "still fine"));
  const limited = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  await rejectsWith(limited.fetch(request(big.origin), callOptions({ maxResponseBytes: 1000 })), EgressErrorCode.TooLarge);
  await rejectsWith(limited.fetch(request(silent.origin), callOptions({ timeoutMs: 50 })), EgressErrorCode.Timeout);
  await rejectsWith(limited.fetch(request(silent.origin), callOptions({ signal: AbortSignal.abort() })), EgressErrorCode.Aborted);
  assert.equal(text((await limited.fetch(request(fine.origin), callOptions())).body), "still fine");
});
