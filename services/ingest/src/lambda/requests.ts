/**
 * Request bodies of the Lambda operations fnmesh serves, validated at the boundary. Fields fnmesh
 * does not implement yet are rejected with a clear message rather than silently ignored when they
 * would change behaviour (Publish, Layers, container images, S3 code).
 */
import { z } from "zod";
import { RUNTIMES, type Runtime } from "@fnmesh/protocol";
import { invalidParameter } from "./errors.ts";

const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
/** Lambda refuses these keys; its runtime sets them. */
const RESERVED_ENV = new Set(["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"]);
const MAX_ENV_BYTES = 4096;

const Environment = z.object({ Variables: z.record(z.string(), z.string()).optional() }).passthrough();

const Code = z.object({
  ZipFile: z.string().optional(),
  S3Bucket: z.string().optional(),
  S3Key: z.string().optional(),
  ImageUri: z.string().optional(),
}).passthrough();

const configFields = {
  Runtime: z.string().optional(),
  Handler: z.string().optional(),
  Role: z.string().max(2048).optional(),
  Description: z.string().max(256).optional(),
  Timeout: z.number().int().optional(),
  MemorySize: z.number().int().optional(),
  Environment: Environment.optional(),
  Layers: z.array(z.string()).optional(),
  RevisionId: z.string().optional(),
};

export const CreateFunctionBody = z.object({
  FunctionName: z.string(),
  Code,
  Publish: z.boolean().optional(),
  PackageType: z.string().optional(),
  Architectures: z.array(z.string()).optional(),
  ...configFields,
}).passthrough();
export type CreateFunctionBody = z.infer<typeof CreateFunctionBody>;

export const UpdateFunctionConfigurationBody = z.object(configFields).passthrough();
export type UpdateFunctionConfigurationBody = z.infer<typeof UpdateFunctionConfigurationBody>;

export const UpdateFunctionCodeBody = z.object({
  ZipFile: z.string().optional(),
  S3Bucket: z.string().optional(),
  S3Key: z.string().optional(),
  ImageUri: z.string().optional(),
  Publish: z.boolean().optional(),
  DryRun: z.boolean().optional(),
  RevisionId: z.string().optional(),
  Architectures: z.array(z.string()).optional(),
}).passthrough();
export type UpdateFunctionCodeBody = z.infer<typeof UpdateFunctionCodeBody>;

/** Parses JSON and checks shape; every failure is an InvalidParameterValueException naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: Uint8Array): z.output<S> {
  let raw: unknown;
  try {
    raw = body.length === 0 ? {} : JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw invalidParameter(`Could not parse request body into json: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidParameter(`Value at '${issue?.path.join(".") ?? "body"}' is invalid: ${issue?.message ?? "unknown problem"}`);
  }
  return parsed.data;
}

export function checkRuntime(value: string): Runtime {
  if (!(RUNTIMES as readonly string[]).includes(value)) {
    throw invalidParameter(`Value '${value}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${RUNTIMES.join(", ")}]. fnmesh runs Node.js runtimes only.`);
  }
  return value as Runtime;
}

/**
 * CreateFunction's own constraints on Handler (API reference: pattern `^[^\s]+$`, length ≤ 128).
 * Anything else about it is the runtime's business: a Handler without an export, or with "..",
 * is stored and fails each invoke as Lambda's runtime reports it (@fnmesh/bundle parseHandler).
 */
export function checkHandler(value: string): string {
  if (value.length > 128) {
    throw invalidParameter(`Value '${value}' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128`);
  }
  if (!/^[^\s]+$/.test(value)) {
    throw invalidParameter(`Value '${value}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+`);
  }
  return value;
}

export function checkTimeout(value: number): number {
  if (value < 1 || value > 900) throw invalidParameter(`Value '${value}' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900`);
  return value;
}

export function checkMemory(value: number): number {
  if (value < 128 || value > 10240) throw invalidParameter(`Value '${value}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240`);
  return value;
}

export function checkEnvironment(env: z.infer<typeof Environment> | undefined): Record<string, string> {
  const vars = env?.Variables ?? {};
  const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length > 0) {
    throw invalidParameter(`Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`);
  }
  const bad = Object.keys(vars).filter((k) => !ENV_KEY.test(k));
  if (bad.length > 0) throw invalidParameter(`Environment variable names must match [a-zA-Z]([a-zA-Z0-9_])+: ${bad.join(", ")}`);
  const size = Buffer.byteLength(JSON.stringify(vars));
  if (size > MAX_ENV_BYTES) throw invalidParameter(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes`);
  return vars;
}

export function rejectUnsupported(fields: { Layers?: string[] | undefined; Publish?: boolean | undefined; PackageType?: string | undefined; S3Bucket?: string | undefined; ImageUri?: string | undefined }): void {
  if (fields.Layers && fields.Layers.length > 0) throw invalidParameter("Layers are not supported by fnmesh: package dependencies inside the zip (node_modules is bundled).");
  if (fields.Publish) throw invalidParameter("Publish is not supported yet: fnmesh serves $LATEST only until versions and aliases land.");
  if (fields.PackageType && fields.PackageType !== "Zip") throw invalidParameter(`PackageType ${fields.PackageType} is not supported: fnmesh runs Zip packages.`);
  if (fields.S3Bucket) throw invalidParameter("Code from S3 is not supported yet: send the zip as ZipFile.");
  if (fields.ImageUri) throw invalidParameter("Container images are not supported: fnmesh runs Zip packages in V8 isolates.");
}
