/**
 * Object keys in notifications are URL-encoded, and senders encode differently:
 *
 * - Amazon S3 (Event message structure): "The object key name value is URL encoded. For example,
 *   'red flower.jpg' becomes 'red+flower.jpg'" — form encoding, and `/` stays as it is
 *   (`logs/dt%3D2024-01-01/a+b.gz`);
 * - MinIO (cmd/event-notification.go `ToEvent`): Go's `url.QueryEscape`, which also encodes `/` as
 *   `%2F` (`photos%2Fa+b.jpg`).
 *
 * fnmesh decodes the sender's key once and encodes it the S3 way, so a handler sees the same key
 * whichever store sent it and `decodeURIComponent(key.replace(/\+/g, " "))` gives the object's name.
 */

/**
 * The object's name from a notification's URL-encoded key (`+` is a space, then `%XX`). A key
 * that is not valid percent-encoding (a sender that does not encode) is taken as the name itself.
 */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    return encoded;
  }
}

/**
 * The key as Amazon S3 writes it in a notification: every byte except `A–Z a–z 0–9 - _ . ~` and
 * `/` is percent-encoded (UTF-8), and a space is `+`. The kept set is Go's url.QueryEscape's
 * (MinIO's) plus `/` (Amazon's); AWS documents only the space example.
 */
export function encodeS3Key(name: string): string {
  return encodeURIComponent(name)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+")
    .replace(/%2F/g, "/");
}
