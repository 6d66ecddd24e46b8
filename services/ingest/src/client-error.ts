/**
 * Answers requests Node's HTTP parser refuses (before any route runs) with an AWS-shaped error —
 * `x-amzn-ErrorType` plus a JSON body — instead of Node's bare status line or a reset. The
 * connection closes after the answer; what the client still sends is read and dropped for a short
 * while first, so the answer is not lost to a TCP reset.
 */
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { awsErrorBody, type AwsError } from "./lambda/errors.ts";

/** How long, and how much, a refused connection is drained before it is destroyed. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 1024 * 1024;

const REASONS: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** The AWS error for a parser failure, by Node's error code. */
export function clientErrorFor(code: string | undefined): AwsError {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      // S3's wording for this limit (RequestHeaderSectionTooLarge); Lambda documents none. 431 is HTTP's status for it.
      return { status: 431, type: "RequestHeaderSectionTooLarge", message: "Your request header section exceeds the maximum allowed size." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, type: "RequestTimeoutException", message: "The request headers were not received in time." };
    default:
      return { status: 400, type: "BadRequestException", message: "The request could not be parsed as HTTP/1.1." };
  }
}

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const e = clientErrorFor(err.code);
  const body = awsErrorBody(e);
  socket.end([
    `HTTP/1.1 ${e.status} ${REASONS[e.status] ?? "Error"}`,
    "Content-Type: application/json",
    `x-amzn-ErrorType: ${e.type}`,
    `x-amzn-RequestId: ${randomUUID()}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n"));
  let drained = 0;
  const destroy = () => socket.destroy();
  const timer = setTimeout(destroy, LINGER_MS);
  timer.unref();
  socket.on("data", (chunk: Buffer) => { drained += chunk.length; if (drained > LINGER_BYTES) destroy(); });
  socket.once("close", () => clearTimeout(timer));
  socket.resume();
}

/**
 * For requests Node parsed but the fetch adapter cannot turn into a Request (e.g. a target that is
 * not a valid URL): the same AWS shape, answered through the normal response path.
 */
export function requestErrorResponse(err: unknown): Response {
  const e: AwsError = (err as Error | undefined)?.name === "RequestError"
    ? clientErrorFor(undefined)
    : { status: 500, type: "ServiceException", message: "An internal error occurred." };
  return new Response(awsErrorBody(e), {
    status: e.status, headers: { "Content-Type": "application/json", "x-amzn-ErrorType": e.type, "x-amzn-RequestId": randomUUID() },
  });
}
