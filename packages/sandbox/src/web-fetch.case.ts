/**
 * The shared suite, web globals part two: Headers, Request, Response, fetch through an injected
 * EgressFetcher (the runtime's own interface, so a scripted one stands in for the network), the
 * per-invocation limits, and CPU time.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EgressError, EgressErrorCode } from "./egress/types.ts";
import type { EgressCallOptions, EgressFetcher, EgressRequest, EgressResponse } from "./egress/types.ts";
import { disposable, esmBundle, failed, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";
import type { RuntimeFactory } from "./sandbox-runtime.case.ts";
import type { IsolateRuntimeOptions } from "./types.ts";
import { runHandler } from "./web-globals.case.ts";

interface Seen {
  request: EgressRequest;
  options: EgressCallOptions;
}

/** An EgressFetcher answering with `respond`, recording every call. */
export function scriptedFetcher(respond: (request: EgressRequest, options: EgressCallOptions) => Promise<EgressResponse>): EgressFetcher & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    fetch(request, options) {
      seen.push({ request, options });
      return respond(request, options);
    },
  };
}

export function textResponse(body: string, init: Partial<Omit<EgressResponse, "body">> = {}): EgressResponse {
  return { url: "https://api.test/", status: 200, statusText: "OK", headers: [["content-type", "text/plain"]], redirected: false, ...init, body: new TextEncoder().encode(body) };
}

/** Settles only when the call's signal aborts, rejecting as the real fetcher does. */
function untilAborted(options: EgressCallOptions): Promise<EgressResponse> {
  return new Promise((_resolve, reject) => {
    options.signal.addEventListener("abort", () => reject(new EgressError(EgressErrorCode.Aborted, "egress_aborted: aborted")), { once: true });
  });
}

export function describeWebFetch(name: string, create: RuntimeFactory): void {
  const runtime = (options?: IsolateRuntimeOptions) => disposable(create, options);

  describe(`${name}: Headers, Request, Response`, () => {
    test("Headers: case-insensitive, validated, sorted and combined, set-cookie apart", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const h = new Headers({ "Content-Type": "text/plain", "X-B": " padded\\t" });
        h.append("x-a", "1"); h.append("X-A", "2"); h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
        const errors = [["bad name", "v"], ["x", "line\\nbreak"], ["x", "€"]].map(([n, v]) => { try { h.append(n, v); return "ok"; } catch (e) { return e.name; } });
        const copy = new Headers(h); copy.delete("x-a"); copy.set("x-b", "replaced");
        const each = []; h.forEach((v, k) => each.push(k + "=" + v));
        return {
          get: [h.get("CONTENT-TYPE"), h.get("x-a"), h.get("x-b"), h.get("missing"), h.has("X-a"), h.get("set-cookie")],
          entries: [...h], each, setCookie: h.getSetCookie(), errors, copy: [...copy], fromPairs: [...new Headers([["b", "2"], ["a", "1"]])],
          keys: [...h.keys()],
        };`,
      );
      assert.deepEqual(value, {
        get: ["text/plain", "1, 2", "padded", null, true, "a=1, b=2"],
        entries: [["content-type", "text/plain"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-a", "1, 2"], ["x-b", "padded"]],
        each: ["content-type=text/plain", "set-cookie=a=1", "set-cookie=b=2", "x-a=1, 2", "x-b=padded"],
        setCookie: ["a=1", "b=2"],
        errors: ["TypeError", "TypeError", "TypeError"],
        copy: [["content-type", "text/plain"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-b", "replaced"]],
        fromPairs: [["a", "1"], ["b", "2"]],
        keys: ["content-type", "set-cookie", "set-cookie", "x-a", "x-b"],
      });
    });

    test("Request: URL, method, headers, bodies, clone and the errors of the standard", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const r = new Request("https://api.test/a?b#c", { method: "post", headers: { "X-Id": "7" }, body: JSON.stringify({ n: 1 }) });
        const form = new Request("https://api.test/", { method: "PUT", body: new URLSearchParams({ a: "1 2" }) });
        const bytes = new Request("https://api.test/", { method: "patch", body: new Uint8Array([1, 2, 3]) });
        const copy = r.clone();
        const fields = [r.url, r.method, r.headers.get("x-id"), r.headers.get("content-type"), r.redirect, r.signal.aborted, r.bodyUsed];
        const json = await r.json();
        const errors = [
          () => new Request("/relative"), () => new Request("https://u:p@api.test/"), () => new Request("https://api.test/", { method: "GET", body: "x" }),
          () => new Request("https://api.test/", { method: "CONNECT" }), () => new Request("https://api.test/", { redirect: "sometimes" }), () => r.clone(),
        ].map((f) => { try { f(); return "ok"; } catch (e) { return e.name; } });
        return {
          r: fields, json, used: r.bodyUsed, reread: await r.text().then(() => "read", (e) => e.name + ": " + e.message),
          copy: [copy.method, await copy.text(), copy.bodyUsed],
          form: [form.headers.get("content-type"), await form.text()],
          bytes: [bytes.method, bytes.headers.get("content-type"), [...new Uint8Array(await bytes.arrayBuffer())]],
          get: [new Request("https://api.test/").body, await new Request("https://api.test/").text()],
          errors,
        };`,
      );
      assert.deepEqual(value, {
        r: ["https://api.test/a?b#c", "POST", "7", "text/plain;charset=UTF-8", "follow", false, false],
        json: { n: 1 },
        used: true,
        reread: "TypeError: Body is unusable: Body has already been read",
        copy: ["POST", '{"n":1}', true],
        form: ["application/x-www-form-urlencoded;charset=UTF-8", "a=1+2"],
        // The standard upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT.
        bytes: ["patch", null, [1, 2, 3]],
        get: [null, ""],
        errors: ["TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError"],
      });
    });

    test("Response: constructor, json, redirect, error, clone and body methods", async () => {
      await using rt = runtime();
      const value = await runHandler(
        rt,
        `const r = new Response("héllo", { status: 201, statusText: "Created", headers: { "X-A": "1" } });
        const j = Response.json({ a: [1] }, { status: 202, headers: { "x-b": "2" } });
        const redirect = Response.redirect("https://elsewhere.test/x", 307);
        const error = Response.error();
        const clone = r.clone();
        const errors = [() => new Response("x", { status: 99 }), () => new Response("x", { status: 204 }), () => Response.redirect("https://x.test/", 200),
          () => Response.json(() => 1), () => redirect.headers.set("x", "1"), () => new Response(null, { statusText: "bad\\n" })].map((f) => { try { f(); return "ok"; } catch (e) { return e.name; } });
        return {
          r: [r.status, r.statusText, r.ok, r.type, r.url, r.redirected, r.headers.get("content-type"), [...r.body], await r.text(), r.bodyUsed],
          clone: [await clone.arrayBuffer().then((b) => b.byteLength), [...(await new Response(new Uint16Array([258])).bytes())]],
          json: [j.status, j.headers.get("content-type"), j.headers.get("x-b"), await j.json()],
          redirect: [redirect.status, redirect.headers.get("location"), redirect.body],
          error: [error.type, error.status, error.ok],
          empty: [new Response().status, new Response().body, await new Response(null, { status: 204 }).text()],
          errors,
        };`,
      );
      assert.deepEqual(value, {
        r: [201, "Created", true, "default", "", false, "text/plain;charset=UTF-8", [...new TextEncoder().encode("héllo")], "héllo", true],
        clone: [6, [2, 1]],
        json: [202, "application/json", "2", { a: [1] }],
        redirect: [307, "https://elsewhere.test/x", null],
        error: ["error", 0, false],
        empty: [200, null, ""],
        errors: ["RangeError", "TypeError", "RangeError", "TypeError", "TypeError", "TypeError"],
      });
    });
  });

  describe(`${name}: fetch`, () => {
    test("the host sees the request; the function gets status, headers and body", async () => {
      const fetcher = scriptedFetcher(async (request) =>
        textResponse(JSON.stringify({ echo: request.method }), {
          url: "https://api.test/final",
          status: 201,
          statusText: "Created",
          redirected: true,
          headers: [["content-type", "application/json"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["X-Trace", "t1"]],
        }),
      );
      await using rt = runtime({ egress: { fetcher, timeoutMs: 5000, maxResponseBytes: 1024 } });
      const fn = testFunction(
        esmBundle(`const handler = async () => {
          const res = await fetch("https://api.test/items?x=1", { method: "POST", headers: { "X-Api-Key": "k", Accept: "application/json" }, body: JSON.stringify({ name: "n" }), redirect: "manual" });
          const second = await fetch(new Request("https://api.test/raw", { method: "PUT", body: new Uint8Array([0, 255]) }));
          return {
            status: res.status, statusText: res.statusText, ok: res.ok, url: res.url, redirected: res.redirected, type: res.type,
            contentType: res.headers.get("Content-Type"), trace: res.headers.get("x-trace"), cookies: res.headers.getSetCookie(),
            immutable: (() => { try { res.headers.set("x", "1"); return "mutable"; } catch (e) { return e.name; } })(),
            body: await res.json(), used: res.bodyUsed, second: await second.text(),
          };
        };`),
        { env: { FNMESH_EGRESS_ALLOW: "api.test, 10.0.0.0/8:443" }, timeoutMs: 2000 },
      );
      const value = ok(await invokeWith(rt, fn));
      assert.deepEqual(value, {
        status: 201, statusText: "Created", ok: true, url: "https://api.test/final", redirected: true, type: "basic",
        contentType: "application/json", trace: "t1", cookies: ["a=1", "b=2"], immutable: "TypeError",
        body: { echo: "POST" }, used: true, second: '{"echo":"PUT"}',
      });
      assert.equal(fetcher.seen.length, 2);
      const [first, second] = fetcher.seen as [Seen, Seen];
      assert.equal(first.request.url, "https://api.test/items?x=1");
      assert.equal(first.request.method, "POST");
      assert.equal(first.request.redirect, "manual");
      assert.deepEqual(first.request.headers, [["x-api-key", "k"], ["accept", "application/json"], ["content-type", "text/plain;charset=UTF-8"]]);
      assert.equal(new TextDecoder().decode(first.request.body), '{"name":"n"}');
      assert.deepEqual([...(second.request.body ?? [])], [0, 255]);
      assert.equal(second.request.redirect, "follow");
      assert.deepEqual(first.options.narrowTo, ["api.test", "10.0.0.0/8:443"]);
      assert.equal(first.options.maxResponseBytes, 1024);
      assert.ok(first.options.timeoutMs > 0 && first.options.timeoutMs <= 2000, `timeoutMs ${first.options.timeoutMs}`);
      assert.equal(first.options.signal.aborted, false);
    });

    test("a refusal rejects with TypeError('fetch failed') whose cause has the code and message", async () => {
      const fetcher = scriptedFetcher(async () => {
        throw new EgressError(EgressErrorCode.Denied, "egress_denied: fetch to http://10.0.0.5/ refused: 10.0.0.5 is a private address");
      });
      await using rt = runtime({ egress: { fetcher } });
      const value = await runHandler(
        rt,
        `try { await fetch("http://10.0.0.5/"); return "fetched"; } catch (e) { return [e.name, e.message, e.cause.name, e.cause.code, e.cause.message]; }`,
      );
      assert.deepEqual(value, ["TypeError", "fetch failed", "EgressError", "egress_denied", "egress_denied: fetch to http://10.0.0.5/ refused: 10.0.0.5 is a private address"]);
      assert.equal(fetcher.seen[0]?.options.narrowTo, undefined);
    });

    test("AbortController aborts a fetch: AbortError in the function, the host's signal aborted", async () => {
      const fetcher = scriptedFetcher((_request, options) => untilAborted(options));
      await using rt = runtime({ egress: { fetcher } });
      const value = await runHandler(
        rt,
        `const controller = new AbortController();
        const pending = fetch("https://slow.test/", { signal: controller.signal });
        setTimeout(() => controller.abort(), 20);
        const results = [await pending.then(() => "fetched", (e) => [e.name, e.message, e instanceof DOMException])];
        results.push(await fetch("https://slow.test/", { signal: AbortSignal.abort(new Error("already")) }).then(() => "fetched", (e) => e.message));
        results.push(await fetch("https://slow.test/", { signal: AbortSignal.timeout(10) }).then(() => "fetched", (e) => e.name));
        return results;`,
      );
      assert.deepEqual(value, [["AbortError", "This operation was aborted", true], "already", "TimeoutError"]);
      // The pre-aborted fetch never reached the host.
      assert.equal(fetcher.seen.length, 2);
      assert.ok(fetcher.seen.every((s) => s.options.signal.aborted));
    });

    test("pending fetches are capped per invocation and all aborted when it ends", async () => {
      const fetcher = scriptedFetcher((_request, options) => untilAborted(options));
      await using rt = runtime({ egress: { fetcher, maxPending: 3 } });
      const fn = testFunction(
        esmBundle(`const handler = async () => {
          const pending = [1, 2, 3].map((i) => fetch("https://slow.test/" + i));
          pending.forEach((p) => p.catch(() => {}));
          try { await fetch("https://slow.test/4"); return "fetched"; } catch (e) { return [e.name, e.message]; }
        };`),
      );
      assert.deepEqual(ok(await invokeWith(rt, fn)), ["TypeError", "too many pending fetches (3)"]);
      assert.equal(fetcher.seen.length, 3);
      assert.ok(fetcher.seen.every((s) => s.options.signal.aborted), "every pending fetch is aborted when the invocation ends");
      // A warm invocation starts with a free budget.
      assert.deepEqual(ok(await invokeWith(rt, fn)), ["TypeError", "too many pending fetches (3)"]);
      assert.equal(fetcher.seen.length, 6);
    });

    test("without egress, fetch rejects with TypeError and nothing leaves", async () => {
      await using rt = runtime();
      const value = await runHandler(rt, `return await fetch("https://example.com/").then(() => "fetched", (e) => [e.name, e.message]);`);
      assert.deepEqual(value, ["TypeError", "fetch failed: outbound network access is not configured for this runtime"]);
    });

    test("a fetch's time budget is the invocation's remaining time when that is less than the egress timeout", async () => {
      const fetcher = scriptedFetcher(async () => textResponse("ok"));
      await using rt = runtime({ egress: { fetcher, timeoutMs: 60_000 } });
      // The budget is taken between the function's two readings of its remaining time.
      const value = (await runHandler(
        rt,
        `await new Promise((r) => setTimeout(r, 100));
        const before = context.getRemainingTimeInMillis();
        const text = await (await fetch("https://api.test/")).text();
        return { before, after: context.getRemainingTimeInMillis(), text };`,
        {},
        { timeoutMs: 5000 },
      )) as { before: number; after: number; text: string };
      assert.equal(value.text, "ok");
      const budget = fetcher.seen[0]?.options.timeoutMs ?? 0;
      assert.ok(budget <= value.before && budget >= Math.max(1, value.after), `timeoutMs ${budget}, remaining ${value.before} then ${value.after}`);
      assert.ok(value.before < 5000, `remaining ${value.before} ms after a 100 ms timer`);
    });

    test("a fetch's time budget is the egress timeout when the invocation has more time left", async () => {
      const fetcher = scriptedFetcher(async () => textResponse("ok"));
      await using rt = runtime({ egress: { fetcher, timeoutMs: 700 } });
      const value = (await runHandler(
        rt,
        `const before = context.getRemainingTimeInMillis(); await fetch("https://api.test/"); return { before };`,
        {},
        { timeoutMs: 60_000 },
      )) as { before: number };
      assert.ok(value.before > 700, `remaining ${value.before} ms`);
      assert.equal(fetcher.seen[0]?.options.timeoutMs, 700);
    });

    test("fetch at module top level, and a function that fails alone after an unawaited rejection", async () => {
      const fetcher = scriptedFetcher(async (request) => {
        if (request.url.endsWith("/config")) return textResponse('{"mode":"on"}');
        throw new EgressError(EgressErrorCode.Network, "egress_network_error: connection refused");
      });
      await using rt = runtime({ egress: { fetcher } });
      const atInit = testFunction(esmBundle(`const config = await (await fetch("https://api.test/config")).json();\nconst handler = async () => config.mode;`));
      assert.equal(ok(await invokeWith(rt, atInit)), "on");
      // The handler never settles by itself: only the fetch's rejection (or the 30 s limit) ends it.
      const unawaited = testFunction(esmBundle(`const handler = async () => { fetch("https://api.test/down"); await new Promise(() => {}); };`), { timeoutMs: 30_000 });
      const outcome = failed(await invokeWith(rt, unawaited));
      assert.equal(outcome.error.errorType, "Runtime.UnhandledPromiseRejection");
      assert.match(outcome.error.errorMessage, /fetch failed/);
      // The other function is unaffected.
      assert.equal((await invokeWith(rt, atInit)).cold, false);
    });
  });

  describe(`${name}: CPU time`, () => {
    test("cpuTimeMs is reported and grows with work", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async (event) => { let x = 0; for (let i = 0; i < event.n; i++) x = (x + i * 7) % 1000003; return x; };`));
      ok(await invokeWith(rt, fn, { n: 1 })); // the cold start's init is not part of either reading
      const idle = await invokeWith(rt, fn, { n: 1 });
      const busy = await invokeWith(rt, fn, { n: 30_000_000 });
      ok(idle);
      ok(busy);
      assert.deepEqual([idle.cold, busy.cold], [false, false]);
      assert.equal(typeof idle.cpuTimeMs, "number");
      assert.ok((busy.cpuTimeMs ?? 0) > 10, `busy ${busy.cpuTimeMs}`);
      assert.ok((busy.cpuTimeMs ?? 0) > (idle.cpuTimeMs ?? 0) * 5, `busy ${busy.cpuTimeMs} idle ${idle.cpuTimeMs}`);
      assert.ok((busy.cpuTimeMs ?? 0) <= busy.durationMs + 5, `cpu ${busy.cpuTimeMs} wall ${busy.durationMs}`);
    });
  });
}
