/**
 * A deploy process's own connection to the code object store, so the tens of megabytes a deploy
 * stores (the zip, the bundle) and reads back (a rebundle's zip) cross a socket in this process,
 * not on the thread that serves requests. Opened at the first job that needs it and kept for the
 * process's life.
 */
import type { ObjectStore } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { subjects } from "@fnmesh/protocol";
import { openCodeStore } from "@fnmesh/service-kit";
import type { CodeStoreAddress } from "./messages.ts";

let opened: { key: string; ready: Promise<{ nc: NatsConnection; store: ObjectStore }> } | undefined;

export async function codeStoreAt(address: CodeStoreAddress): Promise<ObjectStore> {
  return (await codeConnectionAt(address)).store;
}

/** The deploy process's connection and its code store at `address`, opened once. */
export async function codeConnectionAt(address: CodeStoreAddress): Promise<{ nc: NatsConnection; store: ObjectStore }> {
  const key = `${address.natsUrl}|${address.replicas}`;
  if (opened?.key !== key) {
    const previous = opened;
    const ready = (async () => {
      const nc = await connect({ servers: address.natsUrl.split(","), name: "fnmesh-ingest-deploy", maxReconnectAttempts: -1, noAsyncTraces: true });
      return { nc, store: await openCodeStore(nc, { replicas: address.replicas }) };
    })();
    opened = { key, ready };
    // A failed open is forgotten, so the next job tries again.
    ready.catch(() => { if (opened?.ready === ready) opened = undefined; });
    previous?.ready.then(({ nc }) => nc.close(), () => undefined).catch(() => undefined);
  }
  return await opened.ready;
}

/**
 * Bundles up to this size are also pushed to the executors (subjects.codePushed): half of
 * nats-server's default max_payload (1 MiB), so a push never fails for its size.
 */
export const PUSH_MAX_BYTES = 512 * 1024;

/**
 * Publishes a stored bundle's bytes to every executor and flushes, so they arrive before the
 * function's view does (that is written after this deploy answers): the first invoke right after
 * CreateFunction then finds the code in memory instead of fetching it from the object store.
 * Best effort: an executor that missed it fetches the bundle, and each checks the hash.
 */
export async function pushBundle(nc: NatsConnection, sha256Hex: string, data: Uint8Array): Promise<void> {
  if (data.byteLength > PUSH_MAX_BYTES) return;
  nc.publish(subjects.codePushed(sha256Hex), data);
  await nc.flush();
}

/** Stores `data` under `key` unless an object of that name (content-addressed: the same bytes) exists. */
export async function putIfAbsent(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
  if (await store.info(key)) return;
  await store.putBlob({ name: key }, data);
}
