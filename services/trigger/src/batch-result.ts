/**
 * Reading a batch handler's answer under FunctionResponseTypes ReportBatchItemFailures, as Lambda
 * does ("Implementing partial batch responses"): an empty or null answer, `{}`, or an empty
 * `batchItemFailures` list is a success; listed ids fail; an answer that is not that shape, an empty
 * or null id, or an id not in the batch fails the whole batch.
 */
import { BatchItemFailures } from "@fnmesh/protocol";

export type BatchAnswer = { kind: "success" } | { kind: "partial"; failed: Set<string> } | { kind: "invalid"; reason: string };

export function readBatchAnswer(body: Uint8Array, ids: ReadonlySet<string>): BatchAnswer {
  const text = new TextDecoder().decode(body).trim();
  if (text === "" || text === "null") return { kind: "success" };
  let json: unknown;
  try { json = JSON.parse(text); } catch { return { kind: "invalid", reason: "the function's answer is not JSON" }; }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return { kind: "invalid", reason: "the function's answer is not a batchItemFailures object" };
  const parsed = BatchItemFailures.safeParse(json);
  if (!parsed.success) return { kind: "invalid", reason: "batchItemFailures is not a list of { itemIdentifier }" };
  const list = parsed.data.batchItemFailures ?? [];
  if (list.length === 0) return { kind: "success" };
  const failed = new Set<string>();
  for (const item of list) {
    const id = item.itemIdentifier;
    if (id === undefined || id === null || id === "") return { kind: "invalid", reason: "a batchItemFailures entry has no itemIdentifier" };
    if (!ids.has(String(id))) return { kind: "invalid", reason: `itemIdentifier ${JSON.stringify(id)} is not in the batch` };
    failed.add(String(id));
  }
  return { kind: "partial", failed };
}
