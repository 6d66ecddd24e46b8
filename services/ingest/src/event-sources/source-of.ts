/** A stored mapping's parsed source. Stored ARNs were checked on create, so a failure means the endpoint's account or region changed. */
import { parseEventSourceArn, type EventSource } from "@fnmesh/protocol";
import type { AccountInfo } from "../lambda/function-configuration.ts";

export function sourceOf(eventSourceArn: string, account: AccountInfo): EventSource {
  const source = parseEventSourceArn(eventSourceArn, account);
  if ("error" in source) throw new Error(`stored event source no longer valid: ${source.error}`);
  return source;
}
