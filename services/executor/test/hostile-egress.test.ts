/**
 * Hostile code, part four: egress. With the executor's FNMESH_EGRESS_ALLOW opening exactly one
 * port on 127.0.0.1, `fetch` reaches that port and nothing else: loopback on other ports, the
 * cloud metadata address, private ranges, IPv6 loopback and numeric spellings of 127.0.0.1 are
 * refused before any connection, also when reached through a redirect; a function's own
 * FNMESH_EGRESS_ALLOW can only narrow the policy. Refused destinations never see traffic: every
 * destination that could be reached if the policy failed is a trap server on 127.0.0.1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { assertExecutorHealthy, deployFunction, okResult, startExecutorHarness, type ExecutorHarness } from "./support.ts";


interface Listening { server: Server; port: number; hits: string[]; connections: number }

async function listen(handler: (path: string, respond: (status: number, headers: Record<string, string>, body: string) => void) => void): Promise<Listening> {
  const state: Listening = { server: undefined as unknown as Server, port: 0, hits: [], connections: 0 };
  state.server = createServer((req, res) => {
    state.hits.push(req.url ?? "");
    handler(req.url ?? "/", (status, headers, body) => res.writeHead(status, headers).end(body));
  });
  state.server.on("connection", () => { state.connections++; });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

async function close(l: Listening | undefined): Promise<void> {
  if (l === undefined) return;
  l.server.closeAllConnections();
  await new Promise<void>((resolve) => l.server.close(() => resolve()));
}

let h: ExecutorHarness;
let allowed: Listening;
let trap: Listening;

before(async () => {
  // The trap stands in for every forbidden destination on 127.0.0.1: it must never be contacted.
  trap = await listen((_path, respond) => respond(200, {}, "trap reached"));
  allowed = await listen((path, respond) => {
    if (path === "/ok") respond(200, { "content-type": "text/plain" }, "hello from the allowed port");
    else if (path === "/to-trap") respond(302, { location: `http://127.0.0.1:${trap.port}/stolen` }, "");
    else if (path === "/to-metadata") respond(302, { location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" }, "");
    else if (path === "/to-decimal") respond(301, { location: `http://2130706433:${trap.port}/stolen` }, "");
    else if (path === "/slow") setTimeout(() => respond(200, {}, "slow"), 2_000);
    else respond(404, {}, "not found");
  });
  h = await startExecutorHarness({ FNMESH_EGRESS_ALLOW: `127.0.0.1:${allowed.port}` });
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
  await close(allowed);
  await close(trap);
});

/** In-isolate: fetch `url` and describe what happened, never throwing. Bounded by a short abort. */
const ATTEMPT = `
const attempt = async (url, init = {}) => {
  if (typeof fetch !== "function") return { fetch: typeof fetch };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1500), ...init });
    return { ok: true, status: response.status, body: await response.text() };
  } catch (error) {
    return { ok: false, name: error?.name, message: String(error?.message), cause: error?.cause?.code ?? null, causeName: error?.cause?.name ?? null };
  }
};`;

interface Attempt {
  ok?: boolean; status?: number; body?: string; name?: string; message?: string; cause?: string | null; causeName?: string | null; fetch?: string;
}

async function fetchFrom(url: string, env: Record<string, string> = {}): Promise<Attempt> {
  const fn = await deployFunction(h, `${ATTEMPT}\nexport const handler = async (event) => attempt(event.url);`, { env, timeoutSec: 5 });
  return okResult(await h.invoke(fn, { url })) as Attempt;
}

function assertDenied(result: Attempt, what: string): void {
  assert.equal(result.fetch, undefined, `fetch is not a global in the isolate (${result.fetch})`);
  assert.equal(result.ok, false, `${what} was fetched: ${JSON.stringify(result)}`);
  // As Node's fetch: TypeError "fetch failed", the reason in `cause` (here the host's EgressError code).
  assert.equal(result.name, "TypeError", JSON.stringify(result));
  assert.equal(result.message, "fetch failed", JSON.stringify(result));
  assert.equal(result.cause, "egress_denied", JSON.stringify(result));
  assert.equal(result.causeName, "EgressError", JSON.stringify(result));
}

describe("hostile code: egress policy", () => {
  test("the one allowed destination is reachable", async () => {
    assert.deepEqual(await fetchFrom(`http://127.0.0.1:${allowed.port}/ok`), { ok: true, status: 200, body: "hello from the allowed port" });
  });

  // URLs are built lazily: the trap's port is known only once `before` has run.
  const forbidden: [string, () => string[]][] = [
    ["127.0.0.1 on a port the policy does not open", () => [`http://127.0.0.1:${trap.port}/`]],
    ["the cloud metadata address 169.254.169.254", () => ["http://169.254.169.254/latest/meta-data/"]],
    ["a 10.x private address", () => [`http://10.0.0.1:${trap.port}/`]],
    ["IPv6 loopback [::1]", () => [`http://[::1]:${trap.port}/`]],
    ["127.0.0.1 spelled as the decimal 2130706433", () => [`http://2130706433:${trap.port}/`]],
    ["127.0.0.1 spelled as hex 0x7f000001 or short 127.1", () => [`http://0x7f000001:${trap.port}/`, `http://127.1:${trap.port}/`]],
    ["localhost by name", () => [`http://localhost:${trap.port}/`]],
  ];
  for (const [label, urls] of forbidden) {
    test(`fetch to ${label} is refused with TypeError (cause egress_denied) before connecting`, async () => {
      const before = trap.connections;
      for (const url of urls()) assertDenied(await fetchFrom(url), url);
      assert.equal(trap.connections, before, "the trap was never connected to");
    });
  }

  test("a redirect from the allowed port into another loopback port is refused, and the target never contacted", async () => {
    const before = { allowed: allowed.hits.length, trap: trap.connections };
    assertDenied(await fetchFrom(`http://127.0.0.1:${allowed.port}/to-trap`), "redirect to the trap");
    assert.equal(allowed.hits.length, before.allowed + 1, "the allowed hop was made");
    assert.equal(trap.connections, before.trap);
    assertDenied(await fetchFrom(`http://127.0.0.1:${allowed.port}/to-decimal`), "redirect to 2130706433");
    assert.equal(trap.connections, before.trap);
  });

  test("a redirect from the allowed port to the metadata address is refused", async () => {
    assertDenied(await fetchFrom(`http://127.0.0.1:${allowed.port}/to-metadata`), "redirect to 169.254.169.254");
  });

  test("a function's own FNMESH_EGRESS_ALLOW narrows the policy and cannot widen it", async () => {
    const env = { FNMESH_EGRESS_ALLOW: `127.0.0.1:${trap.port}` };
    const before = trap.connections;
    // The function names only the trap: the globally allowed port is now out of its reach...
    assertDenied(await fetchFrom(`http://127.0.0.1:${allowed.port}/ok`, env), "the globally allowed port, narrowed away");
    // ...and naming the trap does not open it, since the global policy does not.
    assertDenied(await fetchFrom(`http://127.0.0.1:${trap.port}/`, env), "the trap, which only the function allows");
    assert.equal(trap.connections, before);
    // Naming the allowed port keeps it reachable.
    const same = await fetchFrom(`http://127.0.0.1:${allowed.port}/ok`, { FNMESH_EGRESS_ALLOW: `127.0.0.1:${allowed.port}` });
    assert.deepEqual(same, { ok: true, status: 200, body: "hello from the allowed port" });
  });
});

describe("hostile code: fetch limits and the new web globals", () => {
  test("too many pending fetches: one past the cap rejects with TypeError, the next invocation may fetch again", async () => {
    const fn = await deployFunction(h, `${ATTEMPT}
export const handler = async (event) => {
  if (typeof fetch !== "function") return { fetch: typeof fetch };
  if (!event.flood) return attempt(event.url + "/ok");
  // Every fetch settles once aborted; the refused ones were refused when called, with a TypeError
  // (an aborted one rejects with the AbortError instead). No waiting on the clock.
  const controller = new AbortController();
  const settled = [];
  for (let i = 0; i < 500; i++) settled.push(fetch(event.url + "/slow", { signal: controller.signal }).then(() => "answered", (error) => error));
  controller.abort();
  const refusals = (await Promise.all(settled)).filter((e) => e?.name === "TypeError").map((e) => e.name + ": " + e.message);
  return { refused: refusals.length, first: refusals[0] ?? null, distinct: [...new Set(refusals)] };
};`, { timeoutSec: 5 });
    const url = `http://127.0.0.1:${allowed.port}`;
    const flood = okResult(await h.invoke(fn, { flood: true, url })) as { refused: number; first: string | null; distinct: string[]; fetch?: string };
    assert.equal(flood.fetch, undefined, "fetch is a global in the isolate");
    const cap = Number(/^TypeError: too many pending fetches \((\d+)\)$/.exec(flood.first ?? "")?.[1]);
    assert.ok(cap > 0 && cap < 500, JSON.stringify(flood));
    assert.deepEqual(flood.distinct, [`TypeError: too many pending fetches (${cap})`]);
    assert.equal(flood.refused, 500 - cap, "exactly the fetches past the cap were refused");
    // The cap is per invocation: the flood's fetches ended with it.
    assert.deepEqual(okResult(await h.invoke(fn, { url })), { ok: true, status: 200, body: "hello from the allowed port" });
  });

  test("URL normalises numeric hosts as WHATWG does, so the policy judges 127.0.0.1 whatever the spelling", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => typeof URL !== "function" ? "no URL" :
  ["http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/", "http://[::ffff:127.0.0.1]/"].map((u) => new URL(u).hostname);`);
    assert.deepEqual(okResult(await h.invoke(fn)), ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "[::ffff:7f00:1]"]);
  });

  test("the web globals' functions construct only isolate code", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  const names = ["fetch", "URL", "URLSearchParams", "Headers", "Request", "Response", "AbortController", "TextEncoder", "TextDecoder", "structuredClone"];
  const missing = names.filter((n) => typeof globalThis[n] !== "function");
  if (missing.length > 0) return { missing };
  const seen = [...names.map((n) => globalThis[n]), crypto.getRandomValues, crypto.randomUUID, new Headers().append, new TextEncoder().encode]
    .map((f) => f.constructor("return [this === globalThis, typeof process.binding, typeof require, typeof Buffer].join()")());
  return { distinct: [...new Set(seen)] };
};`);
    assert.deepEqual(okResult(await h.invoke(fn)), { distinct: ["true,undefined,undefined,undefined"] });
  });
});

describe("after hostile egress", () => {
  test("after a refused fetch and a refused redirect, the executor is healthy: a normal function works and the runtime's stats are sane", async () => {
    assertDenied(await fetchFrom("http://169.254.169.254/latest/meta-data/"), "the metadata address");
    assertDenied(await fetchFrom(`http://127.0.0.1:${allowed.port}/to-trap`), "redirect to the trap");
    // Three cold starts of this test's own: two fetchers and the healthy function.
    await assertExecutorHealthy(h, { minColdStarts: 3 });
  });
});
