import assert from "node:assert/strict";
import { test } from "node:test";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { printLogsOnFailure, startS3Compatible } from "./index.ts";

function client(s3: { endpoint: string; region: string; accessKeyId: string }, secretAccessKey: string): S3Client {
  return new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey } });
}

test("startS3Compatible: the AWS SDK puts, gets and lists with SigV4 checked; a wrong secret is refused; stop closes the port", async (t) => {
  const s3 = await startS3Compatible({ buckets: ["harness-bucket"] });
  printLogsOnFailure(t, { s3 });
  const good = client(s3, s3.secretAccessKey);
  const bad = client(s3, "not-the-secret");
  try {
    assert.match(s3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    await good.send(new PutObjectCommand({ Bucket: "harness-bucket", Key: "a/b.txt", Body: "hello" }));
    const got = await good.send(new GetObjectCommand({ Bucket: "harness-bucket", Key: "a/b.txt" }));
    assert.equal(await got.Body?.transformToString(), "hello");
    // Bucket-level requests are signed over `/<bucket>/` (s3rver alone would refuse them).
    const listed = await good.send(new ListObjectsV2Command({ Bucket: "harness-bucket", Prefix: "a/" }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ["a/b.txt"]);
    await assert.rejects(good.send(new GetObjectCommand({ Bucket: "harness-bucket", Key: "missing" })), { name: "NoSuchKey" });
    await assert.rejects(bad.send(new ListObjectsV2Command({ Bucket: "harness-bucket" })), { name: "SignatureDoesNotMatch" });
    await assert.rejects(bad.send(new GetObjectCommand({ Bucket: "harness-bucket", Key: "a/b.txt" })), { name: "SignatureDoesNotMatch" });
    assert.match(s3.logs(), /^PUT \/harness-bucket\/a\/b\.txt\?x-id=PutObject 200$/m);
  } finally {
    good.destroy();
    bad.destroy();
    await s3.stop();
  }
  await assert.rejects(fetch(s3.endpoint), (error: Error) => /ECONNREFUSED/.test(String((error.cause as Error | undefined)?.message ?? error.cause)));
});
