/** FNMESH_JS_REPLICAS in the settings every service reads: 1 by default, 3 when asked, nothing else. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, EnvReader, readCommonConfig } from "./env.ts";

const common = (env: Record<string, string>) => {
  const r = new EnvReader(env);
  const config = readCommonConfig(r);
  r.done("test");
  return config;
};

test("FNMESH_JS_REPLICAS is 1 unset or empty, and 1 or 3 when set", () => {
  assert.equal(common({}).jsReplicas, 1);
  assert.equal(common({ FNMESH_JS_REPLICAS: "" }).jsReplicas, 1);
  assert.equal(common({ FNMESH_JS_REPLICAS: "1" }).jsReplicas, 1);
  assert.equal(common({ FNMESH_JS_REPLICAS: "3" }).jsReplicas, 3);
});

test("any other FNMESH_JS_REPLICAS is a configuration problem naming the variable and the allowed values", () => {
  for (const bad of ["2", "5", "03", "three", " 3"]) {
    assert.throws(() => common({ FNMESH_JS_REPLICAS: bad }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [`FNMESH_JS_REPLICAS must be one of 1, 3, got ${JSON.stringify(bad)}`]);
      return true;
    }, bad);
  }
});
