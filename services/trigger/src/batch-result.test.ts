import assert from "node:assert/strict";
import { test } from "node:test";
import { readBatchAnswer } from "./batch-result.ts";

const ids = new Set(["1", "2", "3"]);
const answer = (v: unknown) => readBatchAnswer(new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v)), ids);

test("success: no answer, null, {}, an empty or null list (Lambda's partial batch response rules)", () => {
  for (const v of ["", "null", {}, { batchItemFailures: [] }, { batchItemFailures: null }]) assert.deepEqual(answer(v), { kind: "success" }, JSON.stringify(v));
});

test("listed ids fail, as strings or numbers", () => {
  assert.deepEqual(answer({ batchItemFailures: [{ itemIdentifier: "2" }, { itemIdentifier: 3 }] }), { kind: "partial", failed: new Set(["2", "3"]) });
});

test("the whole batch fails on an empty, null or unknown id, or an answer of another shape", () => {
  for (const v of [{ batchItemFailures: [{ itemIdentifier: "" }] }, { batchItemFailures: [{ itemIdentifier: null }] }, { batchItemFailures: [{}] },
    { batchItemFailures: [{ itemIdentifier: "9" }] }, { batchItemFailures: "2" }, "not json", [1], "\"text\""]) {
    assert.equal(answer(v).kind, "invalid", JSON.stringify(v));
  }
});
