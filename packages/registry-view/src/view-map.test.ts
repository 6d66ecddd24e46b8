import { test } from "node:test";
import assert from "node:assert/strict";
import type { FunctionView } from "@fnmesh/protocol";
import { createViewMap } from "./view-map.ts";

function view(name: string, revisionId: string): FunctionView {
  return {
    v: 1, name, revisionId, state: "Active",
    spec: {
      name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId,
      runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec: 3, env: {}, codeSha256: "x",
      code: { kind: "error", errorType: "Runtime.ImportModuleError", errorMessage: "none" },
    },
  };
}
const put = (name: string, rev: string) => ({ kind: "put" as const, view: view(name, rev) });

test("the watch replaces a key's view in revision order and a delete removes it", () => {
  const m = createViewMap();
  m.watched("a", 1, put("a", "r1"));
  m.watched("b", 2, put("b", "r1"));
  m.watched("a", 3, put("a", "r2"));
  assert.equal(m.get("a")?.revisionId, "r2");
  m.watched("a", 4, { kind: "delete" });
  assert.equal(m.get("a"), undefined);
  assert.equal(m.get("b")?.revisionId, "r1");
  assert.equal(m.watchedRevision, 4);
  assert.equal(m.size, 1);
});

test("an own write shows before the watch reaches it, and the watch's older messages do not undo it", () => {
  const m = createViewMap();
  m.watched("a", 1, put("a", "r1"));
  m.own("a", 5, put("a", "r2"));
  assert.equal(m.get("a")?.revisionId, "r2");
  // The watch is still catching up: revision 3 is older than the own write.
  m.watched("a", 3, put("a", "stale"));
  assert.equal(m.get("a")?.revisionId, "r2");
  m.watched("a", 5, put("a", "r2"));
  assert.equal(m.get("a")?.revisionId, "r2");
});

test("an own delete hides the view until the watch delivers it; an older watched delete does not drop a newer own write", () => {
  const m = createViewMap();
  m.watched("a", 1, put("a", "r1"));
  m.own("a", 2, { kind: "delete" });
  assert.equal(m.get("a"), undefined);
  m.own("a", 4, put("a", "r3"));
  m.watched("a", 2, { kind: "delete" });
  assert.equal(m.get("a")?.revisionId, "r3");
});

test("an own write at or below the watched revision is ignored: the watch already has it or something newer", () => {
  const m = createViewMap();
  m.watched("a", 1, put("a", "r1"));
  m.watched("a", 3, { kind: "delete" });
  m.own("a", 1, put("a", "r1"));
  assert.equal(m.get("a"), undefined);
});

test("an invalid value makes its key resolve as absent without touching other keys", () => {
  const m = createViewMap();
  m.watched("a", 1, put("a", "r1"));
  m.watched("b", 2, put("b", "r1"));
  m.watched("a", 3, { kind: "invalid" });
  assert.equal(m.get("a"), undefined);
  assert.equal(m.get("b")?.revisionId, "r1");
  m.watched("a", 4, put("a", "r2"));
  assert.equal(m.get("a")?.revisionId, "r2");
});

test("revisionOf follows the value held, and reservedTotal sums reservations of the views held", () => {
  const map = createViewMap();
  const reserved = (name: string, n?: number) => ({ kind: "put" as const, view: { ...view(name, `r-${name}`), ...(n === undefined ? {} : { reservedConcurrency: n }) } });
  map.watched("a", 3, reserved("a", 5));
  map.watched("b", 4, reserved("b"));
  map.own("c", 9, reserved("c", 0));
  assert.equal(map.revisionOf("a"), 3);
  assert.equal(map.revisionOf("c"), 9);
  assert.equal(map.revisionOf("missing"), 0);
  assert.equal(map.reservedTotal, 5);
  map.watched("b", 10, reserved("b", 7));
  assert.equal(map.reservedTotal, 12);
  map.watched("a", 11, { kind: "delete" });
  assert.equal(map.reservedTotal, 7);
  assert.equal(map.revisionOf("a"), 0);
});
