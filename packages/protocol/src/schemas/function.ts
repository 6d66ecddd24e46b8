import { z } from "zod";

/** Runtimes fnmesh runs, named as Lambda names them. contract: never rename */
export const Runtime = { Node20: "nodejs20.x", Node22: "nodejs22.x", Node24: "nodejs24.x" } as const;
export type Runtime = (typeof Runtime)[keyof typeof Runtime];
export const RUNTIMES: readonly Runtime[] = Object.values(Runtime);
/** Lambda dropped callback-style handlers in nodejs24.x; fnmesh follows. */
export function runtimeSupportsCallback(runtime: Runtime): boolean {
  return runtime !== Runtime.Node24;
}

export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Where the executor finds runnable code, or why there is none (Lambda reports this at invoke time). */
export const CodeRef = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("bundle"),
    /** hex sha256 of the bundle; also its key in the code object store. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Path of the handler export inside the bundle's `userModule`. */
    exportPath: z.array(z.string().min(1)).min(1),
    /**
     * @fnmesh/bundle's BUNDLE_FORMAT_VERSION when it was built. Both formats are self-contained
     * modules; 2 adds the dynamic import() helper, 3 bundles the Node.js built-ins isolates have,
     * 4 ends with a source map for stack traces. An executor refuses formats it does not know.
     */
    format: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  }),
  z.object({
    kind: z.literal("error"),
    errorType: z.string(),
    errorMessage: z.string(),
  }),
]);
export type CodeRef = z.infer<typeof CodeRef>;

/** Everything an executor needs to run one function version; executors never read the database. */
export const FunctionSpec = z.object({
  name: z.string().regex(FUNCTION_NAME_PATTERN),
  arn: z.string(),
  version: z.string(),
  /** Changes on every code or configuration update: warm isolates are keyed by it. */
  revisionId: z.string().min(1),
  runtime: z.enum(RUNTIMES as [Runtime, ...Runtime[]]),
  handler: z.string().min(1),
  memoryMb: z.number().int().min(128).max(10240),
  timeoutSec: z.number().int().min(1).max(900),
  env: z.record(z.string(), z.string()),
  /** Lambda's CodeSha256: base64 sha256 of the deployment zip. */
  codeSha256: z.string(),
  code: CodeRef,
});
export type FunctionSpec = z.infer<typeof FunctionSpec>;
