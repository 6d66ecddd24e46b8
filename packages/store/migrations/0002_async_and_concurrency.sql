-- Per-function settings that are not part of the function's configuration, so they change neither
-- its RevisionId nor its LastModified (Lambda keeps both for these operations). They live on the
-- function's row: deleting the function deletes them.

-- PutFunctionConcurrency; NULL means the function draws on the account's unreserved pool.
ALTER TABLE functions ADD COLUMN reserved_concurrency integer CHECK (reserved_concurrency >= 0);

-- PutFunctionEventInvokeConfig for $LATEST; NULL means none (Lambda's defaults apply).
-- {"maximumRetryAttempts"?, "maximumEventAgeSec"?, "onSuccess"?, "onFailure"?, "lastModified"}:
-- members the caller left out are absent (GetFunctionEventInvokeConfig omits them too).
ALTER TABLE functions ADD COLUMN event_invoke_config jsonb;
