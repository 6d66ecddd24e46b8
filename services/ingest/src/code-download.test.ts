import { test } from "node:test";
import assert from "node:assert/strict";
import { codeLocation, verifyCodeLink } from "./code-download.ts";

const sha = "a".repeat(64);

test("a code link verifies until it expires and cannot be altered", () => {
  const url = new URL(codeLocation("http://127.0.0.1:8080", "s3cret", sha, 1_000_000));
  const expires = url.searchParams.get("expires") ?? undefined;
  const signature = url.searchParams.get("signature") ?? undefined;
  assert.equal(url.pathname, `/_fnmesh/code/${sha}.zip`);
  assert.equal(verifyCodeLink("s3cret", sha, expires, signature, 1_000_000), true);
  assert.equal(verifyCodeLink("s3cret", sha, expires, signature, 1_000_000 + 11 * 60 * 1000), false, "expired");
  assert.equal(verifyCodeLink("other", sha, expires, signature, 1_000_000), false, "other key");
  assert.equal(verifyCodeLink("s3cret", "b".repeat(64), expires, signature, 1_000_000), false, "other object");
  assert.equal(verifyCodeLink("s3cret", sha, String(Number(expires) + 3600), signature, 1_000_000), false, "extended");
  assert.equal(verifyCodeLink("s3cret", sha, expires, undefined, 1_000_000), false);
});
