/**
 * The isolate's fetch wired to the real egress fetcher (./egress), against a server on 127.0.0.1:
 * the request arrives as the function wrote it, the response comes back, and the policy's refusals
 * (including the function's own FNMESH_EGRESS_ALLOW narrowing) reach user code as TypeError causes.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createEgressFetcher } from "./egress/index.ts";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { disposable, esmBundle, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startEchoServer(): Promise<{ port: number; seen: Seen[] } & AsyncDisposable> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json", "x-echo": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test("fetch through the real egress fetcher", async () => {
  await using server = await startEchoServer();
  // Loopback is refused by default; the global allow list opens this one address and port.
  const fetcher = createEgressFetcher({ allow: [`127.0.0.1:${server.port}`] });
  await using rt = disposable(createIsolateRuntime, { egress: { fetcher, timeoutMs: 5000, maxResponseBytes: 1 << 20 } });
  const code = esmBundle(`const handler = async (event) => {
    const res = await fetch(event.url + "/items?q=1", { method: "POST", headers: { "X-Api-Key": "k" }, body: JSON.stringify({ n: 1 }) });
    const refused = (url) => fetch(url).then(() => "fetched", (e) => [e.message, e.cause.code]);
    return { status: res.status, echo: res.headers.get("x-echo"), body: await res.json(), private: await refused("http://10.0.0.5/"), metadata: await refused("http://169.254.169.254/latest/meta-data/") };
  };`);
  const value = ok(await invokeWith(rt, testFunction(code), { url: `http://127.0.0.1:${server.port}` }));
  assert.deepEqual(value, {
    status: 200,
    echo: "yes",
    body: { method: "POST", url: "/items?q=1", body: '{"n":1}' },
    private: ["fetch failed", "egress_denied"],
    metadata: ["fetch failed", "egress_denied"],
  });
  assert.equal(server.seen.length, 1);
  assert.equal(server.seen[0]?.headers["x-api-key"], "k");
  assert.equal(server.seen[0]?.headers["content-type"], "text/plain;charset=UTF-8");

  // The function's own FNMESH_EGRESS_ALLOW narrows the global policy: the same server is refused.
  const narrowed = testFunction(esmBundle(`const handler = async (event) => fetch(event.url).then(() => "fetched", (e) => [e.message, e.cause.code]);`), {
    env: { FNMESH_EGRESS_ALLOW: "api.example.com" },
  });
  assert.deepEqual(ok(await invokeWith(rt, narrowed, { url: `http://127.0.0.1:${server.port}/` })), ["fetch failed", "egress_denied"]);
  assert.equal(server.seen.length, 1);
});
