// Real fetches, only ever to servers on the loopback interface. Destinations the policy refuses are
// loopback ones too, so even a broken check could not send traffic anywhere else.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import zlib from "node:zlib";
import { createEgressFetcher, type EgressLookup } from "./egress-fetcher.ts";
import { callOptions, rejectsWith, replyWith, request, startServer, text, type LocalServer } from "./test-support.ts";
import { TEST_TLS_CERT } from "./test-tls.ts";
import { EgressErrorCode } from "./types.ts";

/** A lookup override: fixed answers per name, never the system resolver. */
function lookupTable(table: Record<string, readonly string[]>): EgressLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answer;
  };
  return Object.assign(lookup, { calls });
}

describe("egress fetch: requests and responses", () => {
  test("GET returns status, headers and body bytes; forbidden request headers are stripped", async () => {
    await using server = await startServer(replyWith(201, { "x-reply": "yes", "set-cookie": "a=1" }, "hello"));
    const fetcher = createEgressFetcher({ allow: [`127.0.0.1:${server.port}`] });
    const response = await fetcher.fetch(
      request(`${server.origin}/path?q=1#frag`, {
        headers: [
          ["X-Custom", " kept "],
          ["Host", "evil.example"],
          ["Connection", "close"],
          ["Content-Length", "999"],
          ["Transfer-Encoding", "chunked"],
          ["Proxy-Authorization", "Basic eA=="],
          ["Upgrade", "websocket"],
        ],
      }),
      callOptions(),
    );
    assert.equal(response.status, 201);
    assert.equal(response.statusText, "Created");
    assert.equal(response.url, `${server.origin}/path?q=1`);
    assert.equal(response.redirected, false);
    assert.ok(response.body instanceof Uint8Array);
    assert.equal(text(response.body), "hello");
    assert.deepEqual(response.headers.filter(([n]) => n.startsWith("x-") || n === "set-cookie"), [
      ["set-cookie", "a=1"],
      ["x-reply", "yes"],
    ]);

    const seen = server.requests[0];
    assert.ok(seen);
    assert.equal(seen.url, "/path?q=1");
    assert.equal(seen.headers.host, `127.0.0.1:${server.port}`);
    assert.equal(seen.headers["x-custom"], "kept");
    assert.equal(seen.headers["user-agent"], "node");
    assert.equal(seen.headers["proxy-authorization"], undefined);
    assert.equal(seen.headers["transfer-encoding"], undefined);
    assert.equal(seen.headers.upgrade, undefined);
  });

  test("POST sends the body; the policy's user agent applies only when the request has none", async () => {
    await using server = await startServer((req, res) => res.end(`${req.method} ${req.headers["content-type"]} ${req.body.toString()}`));
    const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"], userAgent: "fnmesh-test" });
    const body = new TextEncoder().encode('{"a":1}');
    const response = await fetcher.fetch(
      request(server.origin, { method: "post", headers: [["content-type", "application/json"]], body }),
      callOptions(),
    );
    assert.equal(text(response.body), 'POST application/json {"a":1}');
    assert.equal(server.requests[0]?.headers["user-agent"], "fnmesh-test");
    assert.equal(server.requests[0]?.headers["content-length"], "7");

    await fetcher.fetch(request(server.origin, { headers: [["user-agent", "mine"]] }), callOptions());
    assert.equal(server.requests[1]?.headers["user-agent"], "mine");
  });

  test("gzip, deflate and br responses are decoded, without their encoding headers", async () => {
    const original = "compressible ".repeat(1000);
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: zlib.gzipSync,
      deflate: zlib.deflateSync,
      br: zlib.brotliCompressSync,
    };
    await using server = await startServer((req, res) => {
      const coding = req.url.slice(1);
      const encoded = encoders[coding]?.(Buffer.from(original)) ?? Buffer.from(original);
      res.writeHead(200, { "content-encoding": coding, "content-length": String(encoded.length), "x-coding": coding });
      res.end(encoded);
    });
    const fetcher = createEgressFetcher({ allow: [`127.0.0.1:${server.port}`] });
    for (const coding of Object.keys(encoders)) {
      const response = await fetcher.fetch(request(`${server.origin}/${coding}`), callOptions());
      assert.equal(text(response.body), original, coding);
      assert.deepEqual(response.headers.filter(([n]) => n.startsWith("content-") || n === "x-coding"), [["x-coding", coding]]);
    }
    assert.match(String(server.requests[0]?.headers["accept-encoding"]), /gzip/);

    // An unknown coding passes through untouched, headers included, as in Node's fetch.
    const response = await fetcher.fetch(request(`${server.origin}/unknown`), callOptions());
    assert.equal(text(response.body), original);
    assert.ok(response.headers.some(([n, v]) => n === "content-encoding" && v === "unknown"));
  });

  test("invalid requests are refused before any connection", async () => {
    await using server = await startServer(replyWith(200));
    const fetcher = createEgressFetcher({ allow: [`127.0.0.1:${server.port}`] });
    const o = callOptions();
    const bytes = new Uint8Array([1]);
    await rejectsWith(fetcher.fetch(request("not a url"), o), EgressErrorCode.InvalidUrl, /"not a url" is not a valid URL/);
    await rejectsWith(fetcher.fetch(request("ftp://127.0.0.1/"), o), EgressErrorCode.InvalidUrl, /only http: and https:/);
    await rejectsWith(fetcher.fetch(request("file:///etc/passwd"), o), EgressErrorCode.InvalidUrl, /only http: and https:/);
    await rejectsWith(fetcher.fetch(request(`http://u:secret@127.0.0.1:${server.port}/`), o), EgressErrorCode.InvalidUrl, /credentials/);
    await rejectsWith(fetcher.fetch(request(server.origin, { body: bytes }), o), EgressErrorCode.InvalidUrl, /GET request cannot have a body/);
    await rejectsWith(fetcher.fetch(request(server.origin, { method: "CONNECT" }), o), EgressErrorCode.InvalidUrl, /CONNECT method is not allowed/);
    await rejectsWith(fetcher.fetch(request(server.origin, { headers: [["bad name", "x"]] }), o), EgressErrorCode.InvalidUrl, /not a valid header name/);
    await rejectsWith(fetcher.fetch(request(server.origin, { headers: [["x", "a\r\nb: c"]] }), o), EgressErrorCode.InvalidUrl, /CR or LF/);
    const small = createEgressFetcher({ allow: [`127.0.0.1:${server.port}`], maxRequestBytes: 4 });
    await rejectsWith(
      small.fetch(request(server.origin, { method: "POST", body: new Uint8Array(5) }), o),
      EgressErrorCode.Denied,
      /request body is 5 bytes, over the 4-byte limit/,
    );
    assert.equal(server.requests.length, 0);
  });

  test("network failures become egress_network_error", async () => {
    let closedPort: number;
    {
      await using gone = await startServer(replyWith(200));
      closedPort = gone.port;
    }
    const fetcher = createEgressFetcher({ allow: ["127.0.0.1", "nowhere.test"], lookup: lookupTable({}) });
    await rejectsWith(
      fetcher.fetch(request(`http://127.0.0.1:${closedPort}/`), callOptions()),
      EgressErrorCode.Network,
      new RegExp(`^egress_network_error: fetch to http://127\\.0\\.0\\.1:${closedPort}/ failed: .*ECONNREFUSED`),
    );
    await rejectsWith(
      fetcher.fetch(request("http://nowhere.test/"), callOptions()),
      EgressErrorCode.Network,
      /could not resolve nowhere\.test \(ENOTFOUND\)/,
    );
  });
});

describe("egress fetch: policy", () => {
  test("loopback in all its spellings is refused by default, before connecting", async () => {
    await using server = await startServer(replyWith(200));
    const fetcher = createEgressFetcher({ allow: [] });
    const p = server.port;
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${p}/`, /^egress_denied: fetch to http:\/\/127\.0\.0\.1:\d+\/ refused: 127\.0\.0\.1 is a loopback address \(open it with FNMESH_EGRESS_ALLOW\)$/],
      [`http://localhost:${p}/`, /localhost resolves to 127\.0\.0\.1, a loopback address/],
      [`http://[::1]:${p}/`, /::1 is a loopback address/],
      [`http://0.0.0.0:${p}/`, /0\.0\.0\.0 is an unspecified address/],
      [`http://[::ffff:127.0.0.1]:${p}/`, /::ffff:7f00:1 maps to 127\.0\.0\.1, a loopback address/],
      [`http://2130706433:${p}/`, /127\.0\.0\.1 is a loopback address/],
      [`http://0x7f.1:${p}/`, /127\.0\.0\.1 is a loopback address/],
      [`http://017700000001:${p}/`, /127\.0\.0\.1 is a loopback address/],
    ];
    for (const [url, message] of cases) {
      await rejectsWith(fetcher.fetch(request(url), callOptions()), EgressErrorCode.Denied, message);
    }
    assert.equal(server.requests.length, 0);
  });

  test("host:port opens only that port; a CIDR opens them all", async () => {
    await using a = await startServer(replyWith(200, {}, "A"));
    await using b = await startServer(replyWith(200, {}, "B"));
    const onlyA = createEgressFetcher({ allow: [`127.0.0.1:${a.port}`] });
    assert.equal(text((await onlyA.fetch(request(a.origin), callOptions())).body), "A");
    await rejectsWith(onlyA.fetch(request(b.origin), callOptions()), EgressErrorCode.Denied, /loopback/);
    assert.equal(b.requests.length, 0);

    const cidr = createEgressFetcher({ allow: ["127.0.0.0/8"] });
    assert.equal(text((await cidr.fetch(request(a.origin), callOptions())).body), "A");
    assert.equal(text((await cidr.fetch(request(b.origin), callOptions())).body), "B");
  });

  test("an IPv6 literal opens with a bracketed [address]:port entry", async () => {
    await using server = await startServer(replyWith(200, {}, "v6"), { host: "::1" });
    const fetcher = createEgressFetcher({ allow: [`[::1]:${server.port}`] });
    const response = await fetcher.fetch(request(`http://[::1]:${server.port}/`), callOptions());
    assert.equal(text(response.body), "v6");
    assert.equal(server.requests[0]?.headers.host, `[::1]:${server.port}`);
  });

  test("a host name entry opens that name (localhost via the system resolver)", async () => {
    await using server = await startServer(replyWith(200, {}, "local"));
    const fetcher = createEgressFetcher({ allow: ["localhost"] });
    const response = await fetcher.fetch(request(`http://localhost:${server.port}/`), callOptions());
    assert.equal(text(response.body), "local");
    await rejectsWith(fetcher.fetch(request(server.origin), callOptions()), EgressErrorCode.Denied, /127\.0\.0\.1 is a loopback/);
  });

  test("*.suffix opens subdomains resolved by the lookup override", async () => {
    await using server = await startServer((req, res) => res.end(req.headers.host));
    const lookup = lookupTable({ "api.svc.test": ["127.0.0.1"], "svc.test": ["127.0.0.1"] });
    const fetcher = createEgressFetcher({ allow: ["*.svc.test"], lookup });
    const response = await fetcher.fetch(request(`http://api.svc.test:${server.port}/`), callOptions());
    assert.equal(text(response.body), `api.svc.test:${server.port}`);
    await rejectsWith(
      fetcher.fetch(request(`http://svc.test:${server.port}/`), callOptions()),
      EgressErrorCode.Denied,
      /svc\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
  });

  test("narrowTo restricts further and fails closed when invalid", async () => {
    await using a = await startServer(replyWith(200, {}, "A"));
    await using b = await startServer(replyWith(200, {}, "B"));
    const fetcher = createEgressFetcher({ allow: ["127.0.0.0/8"] });
    const narrowTo = [`127.0.0.1:${a.port}`];
    assert.equal(text((await fetcher.fetch(request(a.origin), callOptions({ narrowTo }))).body), "A");
    await rejectsWith(
      fetcher.fetch(request(b.origin), callOptions({ narrowTo })),
      EgressErrorCode.Denied,
      new RegExp(`refused: 127\\.0\\.0\\.1:${b.port} is not in this function's FNMESH_EGRESS_ALLOW$`),
    );
    await rejectsWith(
      fetcher.fetch(request(a.origin), callOptions({ narrowTo: ["127.0.0.1:nope"] })),
      EgressErrorCode.Denied,
      /this function's FNMESH_EGRESS_ALLOW is invalid/,
    );
    assert.equal(b.requests.length, 0);
  });

  test("a name with one opened and one refused address is refused", async () => {
    await using server = await startServer(replyWith(200));
    const lookup = lookupTable({ "mixed.test": ["127.0.0.2", "127.0.0.1"] });
    const fetcher = createEgressFetcher({ allow: ["127.0.0.2"], lookup });
    await rejectsWith(
      fetcher.fetch(request(`http://mixed.test:${server.port}/`), callOptions()),
      EgressErrorCode.Denied,
      /mixed\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
    assert.equal(server.requests.length, 0);
  });

  test("DNS rebinding: the connection goes to the address that was checked", async () => {
    // Two servers on one port: 127.0.0.2 is opened, 127.0.0.1 is not. "localhost" is what the
    // system resolver (/etc/hosts) would answer with 127.0.0.1, so a fetcher that resolved again
    // at connect time would reach the wrong server, still on loopback.
    const { checked, other } = await twoServersOnOnePort();
    await using _checked = checked;
    await using _other = other;
    let answers = 0;
    const lookup: EgressLookup = async () => (answers++ === 0 ? ["127.0.0.2"] : ["127.0.0.1"]);
    const fetcher = createEgressFetcher({ allow: ["127.0.0.2"], lookup });

    const response = await fetcher.fetch(request(`http://localhost:${checked.port}/`), callOptions());
    assert.equal(text(response.body), "checked");
    assert.equal(answers, 1);
    assert.equal(checked.requests[0]?.headers.host, `localhost:${checked.port}`);
    assert.equal(other.requests.length, 0);

    await rejectsWith(fetcher.fetch(request(`http://localhost:${checked.port}/`), callOptions()), EgressErrorCode.Denied, /127\.0\.0\.1/);
    assert.equal(other.requests.length, 0);
  });
});

describe("egress fetch: HTTPS", () => {
  test("connects to the checked address with SNI and certificate checks on the host name", async () => {
    await using server = await startServer(replyWith(200, {}, "secure"), { tls: true });
    const lookup = lookupTable({ "secure.test": ["127.0.0.1"], "wrong.test": ["127.0.0.1"] });
    const fetcher = createEgressFetcher({ allow: ["secure.test", "wrong.test"], lookup, ca: [TEST_TLS_CERT] });

    const response = await fetcher.fetch(request(`https://secure.test:${server.port}/`), callOptions());
    assert.equal(text(response.body), "secure");
    assert.equal(server.requests[0]?.servername, "secure.test");

    await rejectsWith(
      fetcher.fetch(request(`https://wrong.test:${server.port}/`), callOptions()),
      EgressErrorCode.Network,
      /wrong\.test.*(altnames|does not match)/,
    );
    const defaultTrust = createEgressFetcher({ allow: ["secure.test"], lookup });
    await rejectsWith(
      defaultTrust.fetch(request(`https://secure.test:${server.port}/`), callOptions()),
      EgressErrorCode.Network,
      /self[- ]signed/,
    );
    assert.equal(server.requests.length, 1);
  });
});

/** A server on 127.0.0.2 answering "checked" and one on 127.0.0.1 answering "other", same port. */
async function twoServersOnOnePort(): Promise<{ checked: LocalServer; other: LocalServer }> {
  for (let attempt = 0; ; attempt += 1) {
    const checked = await startServer(replyWith(200, {}, "checked"), { host: "127.0.0.2" });
    try {
      const other = await startServer(replyWith(200, {}, "other"), { host: "127.0.0.1", port: checked.port });
      return { checked, other };
    } catch (err) {
      await checked[Symbol.asyncDispose]();
      if (attempt >= 5) throw err;
    }
  }
}
