import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "@fnmesh/service-kit";
import { loadConfig } from "../config.ts";

test("FNMESH_S3_WEBHOOK_TOKEN: unset disables the webhook; set, it must be 16+ characters without spaces", () => {
  assert.equal(loadConfig({}).s3WebhookToken, undefined);
  assert.equal(loadConfig({ FNMESH_S3_WEBHOOK_TOKEN: "" }).s3WebhookToken, undefined);
  assert.equal(loadConfig({ FNMESH_S3_WEBHOOK_TOKEN: "0123456789abcdef" }).s3WebhookToken, "0123456789abcdef");
  for (const bad of ["short", "0123456789 abcdef", "Bearer 0123456789abcdef"]) {
    assert.throws(() => loadConfig({ FNMESH_S3_WEBHOOK_TOKEN: bad }), (err: unknown) =>
      err instanceof ConfigError && err.problems.some((p) => p.startsWith("FNMESH_S3_WEBHOOK_TOKEN must be at least 16 characters")));
  }
});
