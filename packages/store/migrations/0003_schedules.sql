-- EventBridge Scheduler schedules (the `default` group for now). Ingest owns the rows; schedulers
-- read them only through the fnmesh-schedules KV view.
CREATE TABLE schedules (
  group_name              text        NOT NULL,
  name                    text        NOT NULL,
  description             text,
  expression              text        NOT NULL,
  timezone                text        NOT NULL,
  state                   text        NOT NULL CHECK (state IN ('ENABLED', 'DISABLED')),
  start_date              timestamptz,
  end_date                timestamptz,
  -- The Target as given (Arn, RoleArn, Input, RetryPolicy ...): echoed by GetSchedule.
  target                  jsonb       NOT NULL,
  flexible_time_window    jsonb       NOT NULL,
  action_after_completion text        NOT NULL CHECK (action_after_completion IN ('NONE', 'DELETE')),
  -- CreateSchedule's idempotency token: a repeat with the same token answers the same schedule.
  client_token            text,
  revision                uuid        NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  last_modified           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, name)
);
