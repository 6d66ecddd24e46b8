/**
 * Errors that are the caller's fault (a bad upload or Handler value): ingest maps them to 4xx.
 * Problems inside the user's code are not errors here: `buildBundle` returns them as data.
 */

/** Why a package was rejected. contract: never rename (ingest maps these to Lambda error shapes). */
export const BundleErrorCode = {
  InvalidZip: "invalid_zip",
  InvalidHandler: "invalid_handler",
  CodeTooLarge: "code_too_large",
} as const;
export type BundleErrorCode = (typeof BundleErrorCode)[keyof typeof BundleErrorCode];

/** Thrown by `parseHandler`, `unpackZip` and `buildBundle`; branch on `code`, not on the message. */
export class BundleError extends Error {
  override readonly name = "BundleError";
  readonly code: BundleErrorCode;

  constructor(code: BundleErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
