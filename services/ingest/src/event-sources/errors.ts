/**
 * Lambda's answers for event source mappings, recorded from AWS in localstack/localstack
 * tests/aws/services/lambda_/test_lambda_api.snapshot.json (TestLambdaEventSourceMappings):
 * unknown UUID on Get/Update/Delete → 404 ResourceNotFoundException "The resource you requested
 * does not exist."; an unknown function → 400 InvalidParameterValueException "Function does not
 * exist"; no EventSourceArn → "Unrecognized event source."; OnSuccess → "Unsupported
 * DestinationConfig parameter for given event source mapping type.".
 */
import { invalidParameter, LambdaApiError } from "../lambda/errors.ts";

export const mappingNotFound = () => new LambdaApiError(404, "ResourceNotFoundException", "The resource you requested does not exist.");
export const functionNotFound = () => invalidParameter("Function does not exist");
export const unrecognizedSource = () => invalidParameter("Unrecognized event source.");
export const unsupportedDestination = () => invalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.");

/**
 * A second mapping of one source to one function: 409 ResourceConflictException with the text
 * Lambda answers for stream sources (localstack's provider, create_event_source_mapping, which
 * matches its AWS-recorded Kafka variant in test_create_event_source_self_managed).
 */
export const duplicateMapping = (eventSourceArn: string, functionName: string, uuid: string) =>
  new LambdaApiError(409, "ResourceConflictException",
    `The event source arn (" ${eventSourceArn} ") and function (" ${functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${uuid}`);
