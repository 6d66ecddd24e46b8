import { test } from "node:test";
import assert from "node:assert/strict";
import { isFnmeshError } from "@fnmesh/protocol";
import { decodeMarker, encodeMarker } from "./marker.ts";

test("a marker round-trips a function name", () => {
  for (const name of ["a", "my-function_1", "x".repeat(64)]) assert.equal(decodeMarker(encodeMarker(name)), name);
});

test("a marker that is not one we issued is an invalid request, never a query", () => {
  const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64url");
  for (const marker of [b64("\0\uffff"), b64("a\0"), b64(new Uint8Array([0xff, 0xfe])), b64("a b"), b64("x".repeat(65)), "a", "YQ==", "!!", b64("")]) {
    assert.throws(() => decodeMarker(marker), (err: unknown) => isFnmeshError(err) && err.code === "invalid_request", JSON.stringify(marker));
  }
});
