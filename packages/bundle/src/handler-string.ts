/**
 * Lambda's `Handler` string, split the way the AWS Lambda Node.js runtime interface client does
 * (aws/aws-lambda-nodejs-runtime-interface-client: src/utils/handler-path.ts, UserFunction.js):
 * the part before the last "/" is the module root, the rest is `module.export.path`, split at
 * the first ".". We reject at deploy time what Lambda would only reject at invoke time.
 */
import { BundleError, BundleErrorCode } from "./errors.ts";

/** A parsed `Handler`: `src/fns/app.handlers.main` → `{ "src/fns", "app", ["handlers", "main"] }`. */
export interface ParsedHandler {
  /** Directory inside the package, normalised, without leading "./" or trailing "/"; "" for the root. */
  moduleRoot: string;
  /** File name without extension, looked up in `moduleRoot`. */
  moduleName: string;
  /** Property path walked over the loaded module; never empty. */
  exportPath: string[];
}

/** Lambda's limit for `Handler` (CreateFunction API: max length 128, pattern `[^\s]+`). */
export const MAX_HANDLER_LENGTH = 128;

/** Splits a Lambda `Handler` string; throws `BundleError` `invalid_handler` naming the value. */
export function parseHandler(handler: string): ParsedHandler {
  const fail = (reason: string): never => {
    throw new BundleError(
      BundleErrorCode.InvalidHandler,
      `Invalid handler ${quote(handler)}: ${reason}. ` +
        `Expected [directory/]module.export, e.g. "index.handler" or "src/app.handlers.main".`,
    );
  };

  if (typeof handler !== "string" || handler.length === 0) fail("it is empty");
  if (handler.length > MAX_HANDLER_LENGTH) fail(`it is longer than ${MAX_HANDLER_LENGTH} characters`);
  if (/\s/.test(handler)) fail("it contains whitespace");
  // The runtime client rejects any "..", not only path segments; so do we.
  if (handler.includes("..")) fail(`it contains ".."; paths are relative to the package root`);
  if (handler.startsWith("/")) fail("absolute paths are not supported; paths are relative to the package root");

  const slash = handler.lastIndexOf("/");
  const rootSegments = slash < 0 ? [] : handler.slice(0, slash).split("/");
  if (rootSegments.includes("")) fail("its directory has an empty path segment");
  const moduleRoot = rootSegments.filter((segment) => segment !== ".").join("/");

  const [moduleName = "", ...exportPath] = handler.slice(slash + 1).split(".");
  if (exportPath.length === 0) fail(`it has no "." between the module and the export`);
  if (moduleName === "") fail("its module name is empty");
  if (exportPath.includes("")) fail("its export path has an empty segment");

  return { moduleRoot, moduleName, exportPath };
}

/** Quotes a user value for a message, shortened so a huge value cannot bloat logs or responses. */
function quote(value: unknown): string {
  const text = JSON.stringify(String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…"` : text;
}
