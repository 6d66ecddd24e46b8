/**
 * @fnmesh/bundle: turns a Lambda deployment package (CreateFunction's `ZipFile`) and its
 * `Handler` into one self-contained ES module that an isolate can evaluate without a filesystem
 * or Node.js (the pure-JavaScript built-ins it uses are bundled in). Ingest calls it at deploy
 * time; the executor evaluates the result.
 *
 * ```ts
 * import { buildBundle, unpackZip, BundleError } from "@fnmesh/bundle";
 *
 * const files = unpackZip(zipBytes);                        // throws BundleError (4xx)
 * const result = await buildBundle({ files, handler: "index.handler" });
 * if (result.ok) store({ code: result.code, sha256: result.sha256, exportPath: result.exportPath });
 * else store({ errorType: result.errorType, errorMessage: result.errorMessage }); // fails on invoke
 *
 * // Executor, inside the isolate, after evaluating `code` as a module:
 * //   const handler = resolveExport(namespace.userModule, exportPath);
 * ```
 */
export { BundleError, BundleErrorCode } from "./errors.ts";
export { MAX_HANDLER_LENGTH, parseHandler, type HandlerProblem, type ParsedHandler } from "./handler-string.ts";
export { DEFAULT_MAX_FILES, DEFAULT_MAX_UNZIPPED_BYTES, unpackZip, type UnzipLimits } from "./zip.ts";
export {
  BUNDLE_FORMAT_VERSION,
  buildBundle,
  UserCodeErrorType,
  type BuildFailure,
  type BuildInput,
  type BuildResult,
  type BuildSuccess,
} from "./build.ts";
export { resolveExport } from "./export-path.ts";
