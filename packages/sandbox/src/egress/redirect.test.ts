import assert from "node:assert/strict";
import { test } from "node:test";
import { redirectRequest, type HopRequest } from "./redirect.ts";

const body = new TextEncoder().encode("x=1");
const post: HopRequest = {
  url: new URL("http://a.test/form#frag"),
  method: "POST",
  headers: [
    ["content-type", "application/x-www-form-urlencoded"],
    ["authorization", "Bearer t"],
    ["cookie", "s=1"],
    ["x-trace", "1"],
  ],
  body,
};

test("303 turns any method but GET/HEAD into a GET without body or body headers", () => {
  const next = redirectRequest({ ...post, method: "PUT" }, 303, new URL("http://a.test/done"));
  assert.equal(next.method, "GET");
  assert.equal(next.body, undefined);
  assert.deepEqual(next.headers.map(([n]) => n), ["authorization", "cookie", "x-trace"]);
  assert.equal(next.url.href, "http://a.test/done#frag");
  assert.equal(redirectRequest({ ...post, method: "HEAD", body: undefined }, 303, new URL("http://a.test/")).method, "HEAD");
});

test("301 and 302 turn only POST into GET", () => {
  for (const status of [301, 302]) {
    assert.equal(redirectRequest(post, status, new URL("http://a.test/x")).method, "GET");
    const put = redirectRequest({ ...post, method: "PUT" }, status, new URL("http://a.test/x"));
    assert.equal(put.method, "PUT");
    assert.equal(put.body, body);
  }
});

test("307 and 308 keep method, body and headers", () => {
  for (const status of [307, 308]) {
    const next = redirectRequest(post, status, new URL("http://a.test/y#own"));
    assert.equal(next.method, "POST");
    assert.equal(next.body, body);
    assert.equal(next.headers.length, 4);
    assert.equal(next.url.hash, "#own");
  }
});

test("a different origin loses authorization and cookie; same origin keeps them", () => {
  for (const target of ["http://b.test/", "https://a.test/", "http://a.test:8080/"]) {
    const next = redirectRequest(post, 307, new URL(target));
    assert.deepEqual(next.headers.map(([n]) => n), ["content-type", "x-trace"], target);
  }
  assert.equal(redirectRequest(post, 307, new URL("http://A.test:80/other")).headers.length, 4);
});
