import { test } from "node:test";
import assert from "node:assert/strict";
import { functionViewKeys, subjects, subjectToken } from "./subjects.ts";

test("subject builders put the function name in one token", () => {
  assert.equal(subjects.invoke("my-fn_1"), "fnmesh.invoke.my-fn_1");
  assert.equal(subjects.async("a"), "fnmesh.async.a");
  assert.equal(subjects.logs("B-2"), "fnmesh.logs.B-2");
  assert.equal(subjects.health("executor"), "fnmesh.health.executor");
});

test("subject builders reject wildcards, dots, spaces and empty tokens", () => {
  for (const bad of ["a.b", "*", ">", "a b", "", "fn>", "x\ny"]) {
    assert.throws(() => subjects.invoke(bad), RangeError, `accepted ${JSON.stringify(bad)}`);
    assert.throws(() => subjectToken(bad), /invalid subject token/);
  }
});

test("function view keys: $LATEST is the bare name, and only single tokens parse back as names", () => {
  assert.equal(functionViewKeys.latest("my-fn_1"), "my-fn_1");
  assert.throws(() => functionViewKeys.latest("a.b"), RangeError);
  assert.equal(functionViewKeys.parseLatest("my-fn_1"), "my-fn_1");
  // Qualified keys (`<name>.<qualifier>`) are reserved for versions and aliases: not a $LATEST view.
  assert.equal(functionViewKeys.parseLatest("my-fn.1"), undefined);
});

test("schedule keys are valid KV keys for any group and name (dots included) and parse back", async () => {
  const { scheduleKeys } = await import("./subjects.ts");
  for (const [group, name] of [["default", "nightly"], ["default", "a.b..c"], ["my-group_1", "-_."]] as const) {
    const key = scheduleKeys.schedule(group, name);
    assert.match(key, /^[-/_=.a-zA-Z0-9]+$/);
    assert.doesNotMatch(key, /\.\.|^\.|\.$/);
    assert.deepEqual(scheduleKeys.parseSchedule(key), { group, name });
    assert.notEqual(scheduleKeys.lastTick(group, name), key);
  }
  assert.equal(scheduleKeys.parseSchedule("lease"), undefined);
});
