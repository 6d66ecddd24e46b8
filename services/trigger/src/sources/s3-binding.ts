/**
 * Keeps buckets bound to fnmesh's notification target while they have S3 mappings: a bucket with at
 * least one S3 mapping (Enabled or Disabled — disabling stops invocations in the fan-out, so
 * enabling again is immediate) is bound with `bindBucket`; once its last mapping is deleted it is
 * unbound. Each reconcile re-reads every mapped bucket's configuration (a GET each; a PUT only when
 * something changed), so a binding removed by hand comes back; the first one also looks at every
 * bucket on the server, so a bucket whose last mapping went while no trigger ran is unbound too.
 * Call `reconcile()` when mapping views change; it also runs every `intervalMs`. Reconciles never
 * overlap in one process; replicas may each reconcile (writes are idempotent, though two PUTs
 * racing on one bucket's configuration can drop a third party's concurrent change: S3 has no
 * conditional PUT for it).
 */
import { EventSourceKind, type EventSourceMappingView } from "@fnmesh/protocol";
import { bindBucket, unbindBucket, type BucketClient } from "@fnmesh/s3-events";
import type { Logger } from "@fnmesh/telemetry";

export interface S3BindingOptions {
  /** `createS3Client(config)` from @fnmesh/s3-events. */
  client: BucketClient;
  /** FNMESH_S3_TARGET_ARN. */
  targetArn: string;
  mappings: () => Iterable<EventSourceMappingView>;
  log: Logger;
  /** Reconcile at least this often. Default 30 s. */
  intervalMs?: number;
}

export interface S3Binding {
  /** Resolves once a reconcile that started after this call has finished. */
  reconcile(): Promise<void>;
  /** Buckets this process has bound and not unbound. */
  readonly bound: ReadonlySet<string>;
  stop(): Promise<void>;
}

export function startS3Binding(options: S3BindingOptions): S3Binding {
  const { client, targetArn, log } = options;
  const bound = new Set<string>();
  let swept = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const once = async () => {
    const wanted = new Set<string>();
    for (const m of options.mappings()) if (m.source.kind === EventSourceKind.S3) wanted.add(m.source.bucket);
    for (const bucket of wanted) {
      try {
        if (await bindBucket(client, bucket, targetArn)) log.info("bucket bound to fnmesh's notification target", { bucket, targetArn });
        bound.add(bucket);
      } catch (err) {
        log.warn("could not bind a bucket (its mappings receive nothing until it is); retrying on the next reconcile", { bucket, targetArn, err });
      }
    }
    let candidates = [...bound];
    if (!swept) {
      try {
        candidates = [...new Set([...candidates, ...(await client.listBuckets()).map((b) => b.name)])];
        swept = true;
      } catch (err) {
        log.warn("could not list buckets to unbind those left without mappings; retrying on the next reconcile", { err });
      }
    }
    for (const bucket of candidates) {
      if (wanted.has(bucket)) continue;
      try {
        if (await unbindBucket(client, bucket, targetArn)) log.info("bucket unbound: its last S3 mapping is gone", { bucket, targetArn });
        bound.delete(bucket);
      } catch (err) {
        log.warn("could not unbind a bucket; retrying on the next reconcile", { bucket, targetArn, err });
      }
    }
  };

  const reconcile = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (!running) {
      running = once()
        .catch((err: unknown) => log.error("S3 bucket binding reconcile failed", { err }))
        .finally(() => { running = undefined; });
      return running;
    }
    // One more run after the current one, shared by every caller meanwhile.
    queued ??= running.then(() => { queued = undefined; return reconcile(); });
    return queued;
  };

  const timer = setInterval(() => { void reconcile(); }, options.intervalMs ?? 30_000);
  timer.unref();
  void reconcile();

  return {
    reconcile,
    bound,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await queued;
    },
  };
}
