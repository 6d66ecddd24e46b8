/**
 * A deploy process's own connection to the code object store, so the tens of megabytes a deploy
 * stores (the zip, the bundle) and reads back (a rebundle's zip) cross a socket in this process,
 * not on the thread that serves requests. Opened at the first job that needs it and kept for the
 * process's life.
 */
import type { ObjectStore } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { openCodeStore } from "@fnmesh/service-kit";
import type { CodeStoreAddress } from "./messages.ts";

let opened: { key: string; ready: Promise<{ nc: NatsConnection; store: ObjectStore }> } | undefined;

export async function codeStoreAt(address: CodeStoreAddress): Promise<ObjectStore> {
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
  return (await opened.ready).store;
}

/** Stores `data` under `key` unless an object of that name (content-addressed: the same bytes) exists. */
export async function putIfAbsent(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
  if (await store.info(key)) return;
  await store.putBlob({ name: key }, data);
}
