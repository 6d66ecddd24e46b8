import { test } from "node:test";
import assert from "node:assert/strict";
import { codeLocation, verifyCodeLink } from "./code-download.ts";

const sha = "a".repeat(64);

test("a code link verifies until it expires and cannot be altered or moved to another function", () => {
  const url = new URL(codeLocation("http://127.0.0.1:8080", "s3cret", "fn-a", sha, 1_000_000));
  const expires = url.searchParams.get("expires") ?? undefined;
  const signature = url.searchParams.get("signature") ?? undefined;
  assert.equal(url.pathname, `/_fnmesh/code/fn-a/${sha}.zip`);
  assert.equal(verifyCodeLink("s3cret", "fn-a", sha, expires, signature, 1_000_000), true);
  assert.equal(verifyCodeLink("s3cret", "fn-a", sha, expires, signature, 1_000_000 + 11 * 60 * 1000), false, "expired");
  assert.equal(verifyCodeLink("other", "fn-a", sha, expires, signature, 1_000_000), false, "other key");
  assert.equal(verifyCodeLink("s3cret", "fn-a", "b".repeat(64), expires, signature, 1_000_000), false, "other object");
  assert.equal(verifyCodeLink("s3cret", "fn-b", sha, expires, signature, 1_000_000), false, "other function");
  assert.equal(verifyCodeLink("s3cret", "fn-a", sha, String(Number(expires) + 3600), signature, 1_000_000), false, "extended");
  assert.equal(verifyCodeLink("s3cret", "fn-a", sha, expires, undefined, 1_000_000), false);
  assert.equal(verifyCodeLink("s3cret", "../x", sha, expires, signature, 1_000_000), false, "not a function name");
});
