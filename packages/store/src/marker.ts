/** ListFunctions markers: opaque to clients, here the base64url of the last name on the previous page. */
import { Component, ErrorCode, FnmeshError, FUNCTION_NAME_PATTERN } from "@fnmesh/protocol";

export function encodeMarker(lastName: string): string {
  return Buffer.from(lastName, "utf8").toString("base64url");
}

/**
 * A marker is the base64url of the last name on the previous page. Anything else (not canonical
 * base64url, not UTF-8, not a function name — e.g. a NUL byte, which PostgreSQL refuses in text
 * with 22021) is the caller's mistake, never a query.
 */
export function decodeMarker(marker: string): string {
  const bytes = Buffer.from(marker, "base64url");
  let name: string | undefined;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    name = undefined;
  }
  if (name === undefined || bytes.toString("base64url") !== marker || !FUNCTION_NAME_PATTERN.test(name)) {
    throw new FnmeshError(ErrorCode.InvalidRequest, Component.Store, "Marker is not a valid pagination token.");
  }
  return name;
}

