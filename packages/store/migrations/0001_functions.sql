-- Function registry: one row per function ($LATEST). Versions and aliases come in a later migration.
CREATE TABLE functions (
  name          text PRIMARY KEY,
  description   text        NOT NULL DEFAULT '',
  runtime       text        NOT NULL,
  handler       text        NOT NULL,
  role          text        NOT NULL,
  memory_mb     integer     NOT NULL CHECK (memory_mb BETWEEN 128 AND 10240),
  timeout_sec   integer     NOT NULL CHECK (timeout_sec BETWEEN 1 AND 900),
  env           jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- Lambda's CodeSha256 (base64 of the zip's sha256) and size; the zip itself is in the code object store.
  code_sha256   text        NOT NULL,
  code_size     bigint      NOT NULL,
  zip_key       text        NOT NULL,
  -- CodeRef (protocol): the runnable bundle, or the import error Lambda reports at invoke time.
  code_ref      jsonb       NOT NULL,
  revision_id   uuid        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
