import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePgSources, redactConnectionString } from "./pg-sources.ts";

test("FNMESH_PG_SOURCES: comma-separated name=postgres:// entries become named sources", () => {
  const sources = parsePgSources(" dev=postgres://app:s3cret@127.0.0.1:5433/app , reports_2=postgresql://r@db/reports?sslmode=disable");
  assert.deepEqual([...sources.keys()], ["dev", "reports_2"]);
  assert.equal(sources.get("dev")?.connectionString, "postgres://app:s3cret@127.0.0.1:5433/app");
  assert.equal(sources.get("reports_2")?.connectionString, "postgresql://r@db/reports?sslmode=disable");
  assert.equal(parsePgSources("").size, 0, "empty means no sources");
});

test("FNMESH_PG_SOURCES: every problem is reported at once and no password is printed", () => {
  const bad = "nopass,bad.name=postgres://u:hunter2@h/db,x=mysql://u:hunter2@h/db,y=postgres://u:hunter2@h/,dev=postgres://a@h/d,dev=postgres://b@h/d,z=not a url";
  assert.throws(() => parsePgSources(bad), (err: Error) => {
    assert.match(err.message, /entry 1 has no "="/);
    assert.match(err.message, /source name "bad\.name" must be a letter/);
    assert.match(err.message, /must start with postgres:\/\//);
    assert.match(err.message, /names no database/);
    assert.match(err.message, /source "dev" is defined twice/);
    assert.match(err.message, /\(z\): the connection string is not a URL/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});

test("redactConnectionString hides the password and password parameters", () => {
  assert.equal(redactConnectionString("postgres://u:pw@h:5432/db?password=x"), "postgres://u:***@h:5432/db?password=***");
  assert.equal(redactConnectionString("postgres://u@h/db"), "postgres://u@h/db");
});
