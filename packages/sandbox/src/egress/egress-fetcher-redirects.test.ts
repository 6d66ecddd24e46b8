// Redirects against loopback servers: every hop is re-checked and rewritten as WHATWG fetch does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createEgressFetcher } from "./egress-fetcher.ts";
import { callOptions, rejectsWith, replyWith, request, startServer, text } from "./test-support.ts";
import { EgressErrorCode } from "./types.ts";

test("a redirect to a refused destination is denied, naming the target", async () => {
  await using target = await startServer(replyWith(200, {}, "secret"));
  await using start = await startServer(replyWith(302, { location: `${target.origin}/admin` }));
  const fetcher = createEgressFetcher({ allow: [`127.0.0.1:${start.port}`] });
  await rejectsWith(
    fetcher.fetch(request(`${start.origin}/go`), callOptions()),
    EgressErrorCode.Denied,
    new RegExp(
      `^egress_denied: fetch to ${target.origin}/admin \\(redirected from ${start.origin}/go\\) refused: 127\\.0\\.0\\.1 is a loopback address`,
    ),
  );
  assert.equal(target.requests.length, 0);
});

test("a redirect outside the function's narrowing is denied", async () => {
  await using target = await startServer(replyWith(200));
  await using start = await startServer(replyWith(307, { location: target.origin }));
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  await rejectsWith(
    fetcher.fetch(request(start.origin), callOptions({ narrowTo: [`127.0.0.1:${start.port}`] })),
    EgressErrorCode.Denied,
    /not in this function's FNMESH_EGRESS_ALLOW/,
  );
  assert.equal(target.requests.length, 0);
});

test("followed redirects report the final URL and redirected: true", async () => {
  await using server = await startServer((req, res) => {
    if (req.url === "/a") res.writeHead(301, { location: "/b" }).end();
    else if (req.url === "/b") res.writeHead(308, { location: "c?x=1" }).end();
    else res.end(`at ${req.url}`);
  });
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  const response = await fetcher.fetch(request(`${server.origin}/a`), callOptions());
  assert.equal(response.status, 200);
  assert.equal(text(response.body), "at /c?x=1");
  assert.equal(response.url, `${server.origin}/c?x=1`);
  assert.equal(response.redirected, true);
});

test("a redirect loop stops after maxRedirects", async () => {
  await using server = await startServer(replyWith(302, { location: "/again" }));
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"], maxRedirects: 3 });
  await rejectsWith(
    fetcher.fetch(request(`${server.origin}/loop`), callOptions()),
    EgressErrorCode.TooManyRedirects,
    new RegExp(`^egress_too_many_redirects: fetch to ${server.origin}/loop was redirected more than 3 times$`),
  );
  assert.equal(server.requests.length, 4);

  const defaults = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  await rejectsWith(defaults.fetch(request(server.origin), callOptions()), EgressErrorCode.TooManyRedirects, /more than 20 times/);
});

test("303 turns POST into GET without a body; 307 keeps both", async () => {
  await using server = await startServer((req, res) => {
    if (req.url === "/see-other") res.writeHead(303, { location: "/result" }).end();
    else if (req.url === "/temporary") res.writeHead(307, { location: "/result" }).end();
    else res.end(`${req.method} ${req.headers["content-type"] ?? "-"} ${req.body.toString() || "-"}`);
  });
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  const post = (path: string) =>
    request(`${server.origin}${path}`, {
      method: "POST",
      headers: [["content-type", "text/plain"]],
      body: new TextEncoder().encode("payload"),
    });
  assert.equal(text((await fetcher.fetch(post("/see-other"), callOptions())).body), "GET - -");
  assert.equal(text((await fetcher.fetch(post("/temporary"), callOptions())).body), "POST text/plain payload");
});

test('redirect "manual" returns the 3xx as is; "error" rejects', async () => {
  await using server = await startServer(replyWith(302, { location: "/elsewhere" }, "moved"));
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  const response = await fetcher.fetch(request(server.origin, { redirect: "manual" }), callOptions());
  assert.equal(response.status, 302);
  assert.equal(response.redirected, false);
  assert.equal(text(response.body), "moved");
  assert.deepEqual(response.headers.find(([n]) => n === "location"), ["location", "/elsewhere"]);

  await rejectsWith(
    fetcher.fetch(request(server.origin, { redirect: "error" }), callOptions()),
    EgressErrorCode.Network,
    /got a 302 redirect, and redirect is "error"/,
  );
  assert.equal(server.requests.length, 2);
});

test("authorization and cookie are dropped when the origin changes, kept when it does not", async () => {
  await using other = await startServer((req, res) => res.end(JSON.stringify([req.headers.authorization, req.headers.cookie, req.headers["x-keep"]])));
  await using start = await startServer((req, res) => {
    if (req.url === "/cross") res.writeHead(302, { location: `${other.origin}/` }).end();
    else if (req.url === "/same") res.writeHead(302, { location: "/echo" }).end();
    else res.end(JSON.stringify([req.headers.authorization, req.headers.cookie, req.headers["x-keep"]]));
  });
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  const headers: [string, string][] = [["authorization", "Bearer token"], ["cookie", "s=1"], ["x-keep", "1"]];
  const cross = await fetcher.fetch(request(`${start.origin}/cross`, { headers }), callOptions());
  assert.deepEqual(JSON.parse(text(cross.body)), [null, null, "1"]);
  const same = await fetcher.fetch(request(`${start.origin}/same`, { headers }), callOptions());
  assert.deepEqual(JSON.parse(text(same.body)), ["Bearer token", "s=1", "1"]);
});

test("a redirect to a non-http URL or garbage is an invalid URL; no Location means no redirect", async () => {
  await using server = await startServer((req, res) => {
    if (req.url === "/ftp") res.writeHead(302, { location: "ftp://127.0.0.1/file" }).end();
    else if (req.url === "/bad") res.writeHead(302, { location: "http://[bad" }).end();
    else res.writeHead(302).end("no location");
  });
  const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
  await rejectsWith(fetcher.fetch(request(`${server.origin}/ftp`), callOptions()), EgressErrorCode.InvalidUrl, /only http: and https:/);
  await rejectsWith(fetcher.fetch(request(`${server.origin}/bad`), callOptions()), EgressErrorCode.InvalidUrl, /"http:\/\/\[bad", which is not a valid URL/);
  const response = await fetcher.fetch(request(`${server.origin}/none`), callOptions());
  assert.equal(response.status, 302);
  assert.equal(text(response.body), "no location");
});
