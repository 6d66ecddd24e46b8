/**
 * Bundles by sha256 from the code object store, kept in memory (LRU by bytes). Concurrent cold
 * starts of one function share a single fetch, and every fetched bundle is checked against its
 * hash so a corrupted or substituted object never runs.
 */
import { createHash } from "node:crypto";
import type { ObjectStore } from "@nats-io/obj";
import { codeKeys, Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";

export interface CodeCache {
  load(sha256: string): Promise<string>;
  /**
   * Keeps `data` as the bundle `sha256` if it hashes to that (a pushed bundle, code-push.ts);
   * false when it does not, or is already here.
   */
  offer(sha256: string, data: Uint8Array): boolean;
  readonly bytes: number;
}

export function createCodeCache(store: ObjectStore, maxBytes: number): CodeCache {
  const entries = new Map<string, string>();
  const inflight = new Map<string, Promise<string>>();
  let bytes = 0;

  const remember = (sha: string, code: string) => {
    entries.set(sha, code);
    bytes += code.length;
    for (const [key, value] of entries) {
      if (bytes <= maxBytes || key === sha) break;
      entries.delete(key);
      bytes -= value.length;
    }
  };

  async function fetch(sha: string): Promise<string> {
    let data: Uint8Array | null;
    try {
      data = await store.getBlob(codeKeys.bundle(sha));
    } catch (err) {
      throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Executor, `could not load code ${sha}: ${(err as Error).message}`, { cause: err });
    }
    if (!data) throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Executor, `code ${sha} is not in the code store`);
    const actual = sha256Hex(data);
    if (actual !== sha) throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Executor, `code ${sha} failed its integrity check (got ${actual})`);
    const code = new TextDecoder().decode(data);
    remember(sha, code);
    return code;
  }

  return {
    get bytes() { return bytes; },
    offer(sha, data) {
      if (entries.has(sha) || sha256Hex(data) !== sha) return false;
      remember(sha, new TextDecoder().decode(data));
      return true;
    },
    load(sha) {
      const hit = entries.get(sha);
      if (hit !== undefined) {
        entries.delete(sha);
        entries.set(sha, hit); // most recently used last
        return Promise.resolve(hit);
      }
      let pending = inflight.get(sha);
      if (!pending) {
        pending = fetch(sha).finally(() => inflight.delete(sha));
        inflight.set(sha, pending);
      }
      return pending;
    },
  };
}

const sha256Hex = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
