import assert from "node:assert/strict";
import { test } from "node:test";
import { packageClosure } from "./index.ts";

function packagesIn(files: Record<string, string>): Set<string> {
  return new Set(Object.keys(files).map((path) => /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(path)?.[1]).filter((name) => name !== undefined));
}

test("packageClosure: a package with no dependencies is its own files; one with dependencies brings each it resolves, once", () => {
  const alone = packageClosure("fflate");
  assert.deepEqual([...packagesIn(alone)], ["fflate"]);
  assert.ok(Object.keys(alone).every((path) => path.startsWith("node_modules/fflate/")), "only fflate's own files");
  assert.equal(JSON.parse(alone["node_modules/fflate/package.json"] ?? "{}").name, "fflate");

  const sdk = packagesIn(packageClosure("@aws-sdk/client-s3"));
  for (const name of ["@aws-sdk/client-s3", "@aws-sdk/credential-provider-node", "@smithy/node-http-handler", "@smithy/signature-v4", "tslib"]) {
    assert.ok(sdk.has(name), `${name} is in the closure`);
  }
  assert.ok(!sdk.has("@aws-sdk/client-lambda"), "a package it does not depend on is not");
  assert.throws(() => packageClosure("no-such-package-fnmesh"), /no-such-package-fnmesh is not installed/);
});
