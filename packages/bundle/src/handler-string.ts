/**
 * Lambda's `Handler` string. CreateFunction accepts any value matching `[^\s]+` of at most 128
 * characters; everything else about it is checked by the runtime at invoke time, the way the AWS
 * Lambda Node.js runtime interface client (RIC, aws/aws-lambda-nodejs-runtime-interface-client)
 * does it: src/utils/handler-path.ts `parseHandlerString` (the part after the last "/" is
 * `module.export.path`, split at its first "."), src/function/user-function-loader.ts (any ".."
 * is refused) and src/function/module-loader.ts (the file is `path.resolve(appRoot, moduleRoot,
 * moduleName)` plus "", ".js", ".mjs" or ".cjs").
 */
import { posix } from "node:path";

import { BundleError, BundleErrorCode } from "./errors.ts";

/** Where Lambda unpacks the deployment package (the RIC's `appRoot`, LAMBDA_TASK_ROOT). */
export const TASK_ROOT = "/var/task";

/** A parsed `Handler`: `src/fns/app.handlers.main` → `{ "src/fns", "app", ["handlers", "main"] }`. */
export interface ParsedHandler {
  /** Directory inside the package, normalised, without leading "./" or trailing "/"; "" for the root. */
  moduleRoot: string;
  /** File name without extension, looked up in `moduleRoot`. */
  moduleName: string;
  /** Property path walked over the loaded module; never empty (a segment may be ""). */
  exportPath: string[];
}

/** What the runtime reports at invoke time for a Handler it cannot use. */
export interface HandlerProblem {
  errorType: "Runtime.MalformedHandlerName" | "Runtime.ImportModuleError";
  errorMessage: string;
}

/** Lambda's limit for `Handler` (CreateFunction API: max length 128, pattern `^[^\s]+$`). */
export const MAX_HANDLER_LENGTH = 128;

/** The RIC's FUNCTION_EXPR: the module name is everything before the first ".". */
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/**
 * Checks `handler` as CreateFunction does; throws `BundleError` `invalid_handler` naming the value.
 * Everything this accepts, Lambda stores.
 */
export function validateHandler(handler: string): void {
  const fail = (reason: string): never => {
    throw new BundleError(
      BundleErrorCode.InvalidHandler,
      `Invalid handler ${quote(handler)}: ${reason}. ` +
        `Lambda's Handler matches ^[^\\s]+$ and is at most ${MAX_HANDLER_LENGTH} characters, e.g. "index.handler".`,
    );
  };
  if (typeof handler !== "string" || handler.length === 0) fail("it is empty");
  if (handler.length > MAX_HANDLER_LENGTH) fail(`it is longer than ${MAX_HANDLER_LENGTH} characters`);
  if (/\s/.test(handler)) fail("it contains whitespace");
}

/**
 * Splits a Handler that `validateHandler` accepted as the RIC would, or says what the RIC reports
 * for it at invoke time. Throws `BundleError` `invalid_handler` for what CreateFunction refuses.
 */
export function parseHandler(handler: string): ParsedHandler | HandlerProblem {
  validateHandler(handler);
  // user-function-loader.ts validateHandlerString: any "..", not only a path segment.
  if (handler.includes("..")) {
    return {
      errorType: "Runtime.MalformedHandlerName",
      errorMessage: `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    };
  }
  // handler-path.ts: path.basename drops trailing "/"; the root is what precedes the basename.
  const base = posix.basename(handler);
  const root = handler.substring(0, handler.indexOf(base));
  const match = FUNCTION_EXPR.exec(base);
  if (match === null) return { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" };
  const moduleName = match[1] ?? "";
  const exportPath = (match[2] ?? "").split(".");
  // module-loader.ts: path.resolve(appRoot, moduleRoot, moduleName), so "./x", "x//y" and
  // "/var/task/x" all name files in the package; anything else is outside it.
  const resolved = posix.resolve(TASK_ROOT, root, moduleName);
  if (moduleName === "" || !resolved.startsWith(`${TASK_ROOT}/`)) {
    return { errorType: "Runtime.ImportModuleError", errorMessage: `Error: Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs` };
  }
  const moduleRoot = posix.dirname(resolved.slice(TASK_ROOT.length + 1));
  return { moduleRoot: moduleRoot === "." ? "" : moduleRoot, moduleName, exportPath };
}

/** True when `parsed` names a module (not a problem to report at invoke time). */
export function isParsedHandler(parsed: ParsedHandler | HandlerProblem): parsed is ParsedHandler {
  return "moduleName" in parsed;
}

/** Quotes a user value for a message, shortened so a huge value cannot bloat logs or responses. */
function quote(value: unknown): string {
  const text = JSON.stringify(String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…"` : text;
}
