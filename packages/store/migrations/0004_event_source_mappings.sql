-- Lambda event source mappings. Ingest owns the rows; trigger replicas read them only through the
-- fnmesh-event-sources KV view. No foreign key to functions: Lambda keeps a mapping whose function
-- is deleted (AWS-recorded in localstack's test_event_source_mapping_lifecycle_delete_function).
CREATE TABLE event_source_mappings (
  uuid                         uuid        PRIMARY KEY,
  function_name                text        NOT NULL,
  -- '$LATEST' when the caller qualified the function name; echoed in FunctionArn.
  function_qualifier           text,
  event_source_arn             text        NOT NULL,
  enabled                      boolean     NOT NULL,
  batch_size                   integer     NOT NULL,
  max_batching_window_sec      integer     NOT NULL,
  starting_position            text        CHECK (starting_position IN ('TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP')),
  starting_position_timestamp  timestamptz,
  -- FilterCriteria as given ({"Filters":[{"Pattern":"..."}]}); NULL when none.
  filter_criteria              jsonb,
  function_response_types      text[]      NOT NULL DEFAULT '{}',
  max_retry_attempts           integer     NOT NULL,
  on_failure                   text,
  revision                     uuid        NOT NULL,
  created_at                   timestamptz NOT NULL DEFAULT now(),
  last_modified                timestamptz NOT NULL DEFAULT now(),
  -- Lambda refuses a second mapping of one source to one function (ResourceConflictException).
  UNIQUE (function_name, event_source_arn)
);
CREATE INDEX event_source_mappings_source ON event_source_mappings (event_source_arn);
