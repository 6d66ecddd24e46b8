import { test } from "node:test";
import assert from "node:assert/strict";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import { isDependencyOutage, toAwsError } from "./errors.ts";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test("an unreachable database is a retryable 503 ServiceException without internals", () => {
  for (const err of [
    withCode("connect ECONNREFUSED 127.0.0.1:15433", "ECONNREFUSED"),
    new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")], ""),
    new Error("Connection terminated unexpectedly"),
    withCode("terminating connection due to administrator command", "57P01"),
    withCode("the database system is starting up", "57P03"),
    withCode("connection failure", "08006"),
    new FnmeshError(ErrorCode.Internal, Component.Store, "query failed", { cause: withCode("x", "ECONNRESET") }),
  ]) {
    assert.equal(isDependencyOutage(err), true, String(err));
    const aws = toAwsError(err);
    assert.equal(aws.status, 503);
    assert.equal(aws.type, "ServiceException");
    assert.doesNotMatch(aws.message, /ECONN|127\.0\.0\.1|administrator/);
  }
});

test("other failures stay a plain 500 without internals", () => {
  for (const err of [new Error("boom"), withCode("invalid byte sequence for encoding \"UTF8\": 0x00", "22021"), undefined]) {
    assert.equal(isDependencyOutage(err), false);
    assert.deepEqual(toAwsError(err), { status: 500, type: "ServiceException", message: "An internal error occurred." });
  }
});
