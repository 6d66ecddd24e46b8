import { randomBytes } from "node:crypto";

const PREFIX = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * A name unique to this call, `<prefix>_<16 hex digits>`, for isolating tests that share a server.
 * Only lowercase letters, digits and `_`, so the same name is valid as a NATS subject token, stream,
 * consumer or KV bucket name, and as an unquoted PostgreSQL identifier (at most 57 characters,
 * under PostgreSQL's 63).
 */
export function randomName(prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw new Error(
      `randomName: prefix ${JSON.stringify(prefix)} must start with a lowercase letter and ` +
        "contain only lowercase letters, digits and '_' (at most 40 characters)",
    );
  }
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}
