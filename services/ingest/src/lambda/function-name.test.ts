import { test } from "node:test";
import assert from "node:assert/strict";
import { functionArn, localFunctionRef, parseFunctionRef, partitionOf } from "./function-name.ts";
import { LambdaApiError } from "./errors.ts";

const account = { region: "us-east-1", accountId: "000000000000" };

const refusal = (fn: () => unknown): { status: number; type: string; message: string } => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LambdaApiError, String(err));
    return { status: err.aws.status, type: err.aws.type, message: err.aws.message };
  }
  assert.fail("expected a refusal");
};

test("names, partial and full ARNs, with qualifiers", () => {
  assert.deepEqual(parseFunctionRef("f"), { name: "f" });
  assert.deepEqual(parseFunctionRef("f:$LATEST"), { name: "f", qualifier: "$LATEST" });
  assert.deepEqual(parseFunctionRef("000000000000:function:f:1"), { name: "f", accountId: "000000000000", qualifier: "1" });
  assert.deepEqual(parseFunctionRef("arn:aws:lambda:us-east-1:000000000000:function:f"),
    { name: "f", partition: "aws", region: "us-east-1", accountId: "000000000000" });
  for (const bad of ["", "a b", "arn:aws:lambda:us-east-1:000000000000:function:", "x".repeat(65), "f:a:b", "f\u0000"]) {
    assert.equal(refusal(() => parseFunctionRef(bad)).type, "InvalidParameterValueException", JSON.stringify(bad));
  }
});

test("local references resolve to the name", () => {
  assert.equal(localFunctionRef("f", account, "GetFunction").name, "f");
  assert.equal(localFunctionRef("000000000000:function:f", account, "GetFunction").name, "f");
  assert.equal(localFunctionRef("arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST", account, "GetFunction").qualifier, "$LATEST");
});

test("another region is Lambda's ResourceNotFoundException 404", () => {
  // Text as Lambda answers it: aws/aws-cli#3954.
  assert.deepEqual(refusal(() => localFunctionRef("arn:aws:lambda:eu-west-1:000000000000:function:f", account, "GetFunction")), {
    status: 404, type: "ResourceNotFoundException", message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
  });
});

test("another account or partition is AccessDeniedException 403 naming the action and resource", () => {
  assert.deepEqual(refusal(() => localFunctionRef("arn:aws:lambda:us-east-1:999999999999:function:x", account, "InvokeFunction")), {
    status: 403, type: "AccessDeniedException",
    message: "User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:999999999999:function:x because no resource-based policy allows the lambda:InvokeFunction action",
  });
  assert.equal(refusal(() => localFunctionRef("999999999999:function:x:1", account, "GetFunction")).message,
    "User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:999999999999:function:x:1 because no resource-based policy allows the lambda:GetFunction action");
  assert.equal(refusal(() => localFunctionRef("arn:aws-cn:lambda:us-east-1:000000000000:function:x", account, "CreateFunction")).type, "AccessDeniedException");
});

test("partitions follow the region", () => {
  assert.equal(partitionOf("us-east-1"), "aws");
  assert.equal(partitionOf("cn-north-1"), "aws-cn");
  assert.equal(partitionOf("us-gov-west-1"), "aws-us-gov");
  assert.equal(functionArn("cn-north-1", "000000000000", "f"), "arn:aws-cn:lambda:cn-north-1:000000000000:function:f");
});
