/**
 * PutFunctionEventInvokeConfig / UpdateFunctionEventInvokeConfig bodies and the
 * FunctionEventInvokeConfig shape they answer with. Texts and order of checks follow what AWS
 * answered in localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json
 * (TestLambdaEventInvokeConfig, recorded against AWS): range and pattern violations are checked
 * before anything else, with AWS's "N validation errors detected: …" text. AWS answers both as a
 * ValidationException; fnmesh answers out-of-range MaximumRetryAttempts / MaximumEventAgeInSeconds
 * as InvalidParameterValueException (the type the operation's API reference lists, and what
 * fnmesh's scheduler issue asks for; docs/lambda-differences.md), pattern violations as
 * ValidationException. A body with none of the three settings is an
 * InvalidParameterValueException; members left out are absent from the answer, and
 * DestinationConfig always has both OnSuccess and OnFailure (empty when unset).
 */
import { z } from "zod";
import { EventInvokeLimits, parseDestinationArn } from "@fnmesh/protocol";
import type { EventInvokeSettings, FunctionRecord } from "@fnmesh/store";
import { invalidParameter } from "./errors.ts";
import type { AccountInfo } from "./function-configuration.ts";
import { functionArn } from "./function-name.ts";
import { parseBody } from "./requests.ts";
import { rangeViolation, throwIfViolations, violation } from "./validation-exception.ts";

const Destination = z.object({ Destination: z.string().nullable().optional() }).passthrough();
export const EventInvokeConfigBody = z.object({
  MaximumRetryAttempts: z.number().int().nullable().optional(),
  MaximumEventAgeInSeconds: z.number().int().nullable().optional(),
  DestinationConfig: z.object({ OnSuccess: Destination.nullable().optional(), OnFailure: Destination.nullable().optional() }).passthrough().nullable().optional(),
}).passthrough();

/**
 * Lambda's model pattern for a destination, quoted in its ValidationException. fnmesh also accepts
 * its own `arn:fnmesh:(nats|jetstream):…` destinations, which that pattern (`arn:aws…`) would refuse.
 */
const AWS_DESTINATION_PATTERN_TEXT = String.raw`$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const AWS_DESTINATION = /^(|kafka:\/\/([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))$/;
const FNMESH_DESTINATION = /^arn:fnmesh:/;

/** The request's settings: a member is undefined when left out, `null` for a destination given empty. */
export interface EventInvokeRequest {
  maximumRetryAttempts?: number;
  maximumEventAgeSec?: number;
  /** Present when DestinationConfig was given; then an absent or empty Destination means "none". */
  destinations?: { onSuccess: string | undefined; onFailure: string | undefined };
}

/** Parses and checks what needs no lookup: ranges, destination patterns, and that something was given. */
export function parseEventInvokeRequest(body: Uint8Array): EventInvokeRequest {
  const parsed = parseBody(EventInvokeConfigBody, body);
  const retries = parsed.MaximumRetryAttempts ?? undefined;
  const age = parsed.MaximumEventAgeInSeconds ?? undefined;
  const dc = parsed.DestinationConfig ?? undefined;
  const onSuccess = dc?.OnSuccess?.Destination || undefined;
  const onFailure = dc?.OnFailure?.Destination || undefined;
  const badPattern = (value: string | undefined, field: string) =>
    value !== undefined && !AWS_DESTINATION.test(value) && !FNMESH_DESTINATION.test(value)
      ? violation(value, field, `Member must satisfy regular expression pattern: ${AWS_DESTINATION_PATTERN_TEXT}`)
      : undefined;
  throwIfViolations([
    rangeViolation(retries, "maximumRetryAttempts", 0, EventInvokeLimits.maxRetryAttempts),
    rangeViolation(age, "maximumEventAgeInSeconds", EventInvokeLimits.minEventAgeSec, EventInvokeLimits.maxEventAgeSec),
  ], "InvalidParameterValueException");
  throwIfViolations([
    badPattern(onSuccess, "destinationConfig.onSuccess.destination"),
    badPattern(onFailure, "destinationConfig.onFailure.destination"),
  ]);
  if (retries === undefined && age === undefined && dc === undefined) {
    throw invalidParameter("You must specify at least one of error handling or destination setting.");
  }
  return {
    ...(retries !== undefined ? { maximumRetryAttempts: retries } : {}),
    ...(age !== undefined ? { maximumEventAgeSec: age } : {}),
    ...(dc !== undefined ? { destinations: { onSuccess, onFailure } } : {}),
  };
}

/**
 * Checks each destination names something fnmesh can deliver to (`parseDestinationArn`), and that
 * a function destination exists and is not the function itself, as Lambda does.
 */
export async function checkDestinations(
  request: EventInvokeRequest, self: string, account: AccountInfo, exists: (name: string) => Promise<boolean>,
): Promise<void> {
  for (const arn of [request.destinations?.onSuccess, request.destinations?.onFailure]) {
    if (arn === undefined) continue;
    const target = parseDestinationArn(arn, account);
    if ("error" in target) throw invalidParameter(target.error);
    if (target.kind !== "function") continue;
    if (target.name === self) throw invalidParameter("You can't specify the function as a destination for itself.");
    if (!(await exists(target.name))) throw invalidParameter(`The destination ARN ${arn} is invalid.`);
  }
}

/** Put: the request is the whole config. */
export function settingsToPut(request: EventInvokeRequest): EventInvokeSettings {
  const { onSuccess, onFailure } = request.destinations ?? {};
  return {
    ...(request.maximumRetryAttempts !== undefined ? { maximumRetryAttempts: request.maximumRetryAttempts } : {}),
    ...(request.maximumEventAgeSec !== undefined ? { maximumEventAgeSec: request.maximumEventAgeSec } : {}),
    ...(onSuccess !== undefined ? { onSuccess } : {}),
    ...(onFailure !== undefined ? { onFailure } : {}),
  };
}

/** Update: the members given replace the stored ones; a DestinationConfig given replaces both destinations. */
export function settingsToUpdate(request: EventInvokeRequest): { [K in keyof EventInvokeSettings]?: EventInvokeSettings[K] | null } {
  return {
    ...(request.maximumRetryAttempts !== undefined ? { maximumRetryAttempts: request.maximumRetryAttempts } : {}),
    ...(request.maximumEventAgeSec !== undefined ? { maximumEventAgeSec: request.maximumEventAgeSec } : {}),
    ...(request.destinations ? { onSuccess: request.destinations.onSuccess ?? null, onFailure: request.destinations.onFailure ?? null } : {}),
  };
}

/** Lambda's FunctionEventInvokeConfig for $LATEST; LastModified is epoch seconds (REST-JSON timestamps). */
export function functionEventInvokeConfig(fn: FunctionRecord, account: AccountInfo): Record<string, unknown> {
  const config = fn.eventInvokeConfig;
  if (!config) throw new Error(`function ${fn.name} has no event invoke config`);
  return {
    LastModified: config.lastModified.getTime() / 1000,
    FunctionArn: functionArn(account.region, account.accountId, fn.name, "$LATEST"),
    ...(config.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: config.maximumRetryAttempts } : {}),
    ...(config.maximumEventAgeSec !== undefined ? { MaximumEventAgeInSeconds: config.maximumEventAgeSec } : {}),
    DestinationConfig: {
      OnSuccess: config.onSuccess !== undefined ? { Destination: config.onSuccess } : {},
      OnFailure: config.onFailure !== undefined ? { Destination: config.onFailure } : {},
    },
  };
}
